// `ferry repair`: a run of the run lifecycle (recorded, one lock per stream, the source read in one
// consistent snapshot) that finds, stream by stream, every key verify would call missing, extra or
// different, re-copies those rows by key in chunks (repair-keys.ts), then compares those keys
// again in the same snapshot. It follows each stream's rules: its checks (a re-copied row may be
// quarantined), its overrides and filter (they are in its plan), its deletes (an extra row is kept
// under ignore, marked under soft). A cdc stream is repaired only while no `ferry stream` follows
// it, and is caught up from its checkpoint right after (docs/verify.md says why that is exact).
import { LockError, SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { compileQuality } from '../quality/stream-quality.js';
import { catchUp } from '../replication/cdc/catch-up.js';
import type { CdcProject } from '../replication/cdc/session.js';
import { runCopies, type Copier } from '../replication/run-lifecycle.js';
import { emptyResult, type RunContext, type StreamResult } from '../replication/stream-context.js';
import type { StreamPlan } from '../replication/stream-plan.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import { compareKeys } from './compare-stream.js';
import { changedKeys, quarantinedKeys } from './expected.js';
import { nothingDone, repairKeys, type KeyRepair } from './repair-keys.js';
import { compareStream, type ComparedSides } from './stream-compare.js';
import { displayKey } from './table-side.js';
import type { ConnectionPair } from '../replication/pair-pool.js';

export interface RepairOptions {
  project: CdcProject;
  state: FerryState;
  /** Only these streams (source or target table names); all by default. */
  streams?: readonly string[] | undefined;
  /** Find and report what would be re-copied, change nothing. */
  dryRun?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
}

export interface KeyCounts {
  missing: number;
  extra: number;
  different: number;
}

export interface StreamRepair {
  stream: string;
  /** repaired: differences were re-copied; different: found, not re-copied (dry run); in_sync: none found; failed: see error. */
  status: 'repaired' | 'different' | 'in_sync' | 'failed';
  /** The differences found (verify's counts). */
  found: KeyCounts;
  /** Differences ferry made on purpose: quarantined rows and values set to NULL (read and checked again), rows kept by deletes: ignore (left alone). */
  expected: number;
  /** What the re-copy did. */
  done: KeyRepair;
  /** Of the keys re-copied, those that still differ when compared again (expected ones not counted). */
  remaining: KeyCounts;
  /** Of the keys re-copied, those now expected (a check quarantined the row, a value was set to NULL). */
  nowExpected: number;
  /** Sample keys still differing. */
  samples: string[];
  notes: string[];
  error?: string;
  seconds: number;
}

export interface RepairReport {
  runId: number;
  dryRun: boolean;
  streams: StreamRepair[];
  /** cdc streams caught up from their checkpoints after the repair. */
  caughtUp: StreamResult[];
  seconds: number;
}

const NONE: KeyCounts = { missing: 0, extra: 0, different: 0 };

export async function repair(options: RepairOptions): Promise<RepairReport> {
  const started = Date.now();
  const { project, state, logger } = options;
  const settings = project.sync;
  const reports: StreamRepair[] = [];
  const at = (work: readonly unknown[]) => Math.max(1, Math.min(settings.parallel_tables, work.length));
  const copier: Copier = {
    kind: 'repair',
    engine: 'ferry',
    what: 'ferry repair',
    readers: at,
    concurrency: at,
    prepare: (work) => {
      for (const { plan, mappings } of work)
        compileQuality(plan, mappings, plan.targetSchema, state.quarantine);
    },
    async copy(ctx, pair, { plan, mappings }) {
      const report = await repairStream(ctx, pair!, plan, mappings, options.dryRun ?? false);
      reports.push(report);
      logger.info(
        { stream: plan.name, found: report.found, done: report.done, remaining: report.remaining },
        `${plan.name}: ${describe(report)}`,
      );
      if (report.status === 'failed') throw new SchemaError(`${plan.name}: ${report.error ?? 'failed'}`);
      return {
        ...emptyResult(plan.name, plan.mode),
        rowsRead: report.done.read,
        rowsLoaded: report.done.written,
        rowsQuarantined: report.done.quarantined,
        valuesNulled: report.done.nulled,
        rowsDeleted: report.done.deleted + report.done.marked,
      };
    },
  };
  const repaired: StreamPlan[] = [];
  const summary = await runCopies(
    {
      project,
      state,
      streams: options.streams,
      logger,
      signal: options.signal,
      select: async (plans, control) => {
        // A cdc stream that a ferry stream follows would be written by two at once.
        const cdc = plans.filter((p) => p.mode === 'cdc');
        const held = await state.locks.heldElsewhere(
          control,
          cdc.map((p) => lockNames.stream(p.targetSchema, p.targetTable)),
        );
        const followed = cdc.filter((p) => held.includes(lockNames.stream(p.targetSchema, p.targetTable)));
        if (followed.length > 0)
          throw new LockError(
            `${followed.map((p) => p.name).join(', ')}: another ferry process holds the stream (a running ferry stream, or a sync catching it up); a repair would race its apply`,
            {
              hint: 'stop ferry stream (or the ferry server running it), run ferry repair, then start it again: it goes on from its checkpoint',
              transient: true,
            },
          );
        repaired.push(...cdc);
        return plans;
      },
    },
    copier,
  );
  for (const s of summary.streams)
    if (s.status === 'failed' && !reports.some((r) => r.stream === s.stream))
      reports.push({ ...emptyRepair(s.stream), status: 'failed', error: s.error ?? 'failed' });
  // The repaired cdc streams go on from their checkpoints: the changes since then are applied
  // again over the repaired rows (full images, so the repair's rows are overwritten only by the
  // source's later state), and the target is one source position again.
  const following = repaired.filter((p) =>
    reports.some((r) => r.stream === p.name && r.status === 'repaired'),
  );
  const caughtUp =
    following.length > 0 && !options.signal.aborted
      ? await catchUp({ project, state, plans: following, logger, signal: options.signal })
      : [];
  return {
    runId: summary.runId,
    dryRun: options.dryRun ?? false,
    streams: reports.sort((a, b) => a.stream.localeCompare(b.stream)),
    caughtUp,
    seconds: (Date.now() - started) / 1000,
  };
}

function emptyRepair(stream: string): StreamRepair {
  return {
    stream,
    status: 'in_sync',
    found: { ...NONE },
    expected: 0,
    done: nothingDone(),
    remaining: { ...NONE },
    nowExpected: 0,
    samples: [],
    notes: [],
    seconds: 0,
  };
}

async function repairStream(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  dryRun: boolean,
): Promise<StreamRepair> {
  const started = Date.now();
  const report = emptyRepair(plan.name);
  const fail = (error: string) => ({ ...report, status: 'failed' as const, error });
  if (plan.table.primaryKey.length === 0)
    return fail(
      `${plan.table.name} has no primary key, so its rows cannot be re-copied by key; declare primary_key: on the stream, or run ferry sync --full-refresh --streams ${plan.name}`,
    );
  const compared = await compareStream(ctx.state, pair.source, pair.target, plan, {
    samples: 0,
    signal: ctx.signal,
  });
  const { verdict, keys, sides } = compared;
  if (!sides) return fail(`${plan.targetSchema}.${plan.targetTable} does not exist; run ferry sync first`);
  if (sides.mappings.length < mappings.length)
    return fail(
      `the target lacks column(s) ${mappings
        .filter((m) => !sides.mappings.includes(m))
        .map((m) => m.targetName)
        .join(', ')} of the source; run ferry sync first, then repair`,
    );
  report.found = { missing: verdict.missing, extra: verdict.extra, different: verdict.different };
  report.expected = verdict.expected;
  report.notes.push(...verdict.notes);
  // Rows a policy or check set aside are read and checked again too: their source may be fixed.
  const copy = [...keys.missing, ...keys.different, ...keys.expected];
  const gone = keys.extra;
  const differs = keys.missing.length + keys.different.length + gone.length > 0;
  if (copy.length + gone.length === 0 || (dryRun && !differs)) {
    if (keys.expected.length > 0)
      report.notes.push(`${keys.expected.length} expected row(s) would be read and checked again`);
    report.seconds = (Date.now() - started) / 1000;
    return report;
  }
  if (dryRun) {
    report.status = 'different';
    report.notes.push('dry run: nothing changed');
    report.samples = [...copy, ...gone].slice(0, 5).map(displayKey);
    report.seconds = (Date.now() - started) / 1000;
    return report;
  }
  report.status = 'repaired';
  const quality = compileQuality(plan, mappings, plan.targetSchema, ctx.state.quarantine);
  report.done = await repairKeys(
    { ctx, source: pair.source, target: pair.target, plan, mappings, sides, quality },
    copy,
    gone,
  );
  await checkAgain(ctx, pair, plan, sides, [...copy, ...gone], report);
  await ctx.state.runs.recordStream(pair.target, {
    runId: ctx.runId,
    targetSchema: plan.targetSchema,
    table: plan.targetTable,
    mode: 'repair',
    status: 'succeeded',
    rowsRead: report.done.read,
    rowsLoaded: report.done.written,
    rowsQuarantined: report.done.quarantined,
    valuesNulled: report.done.nulled,
    rowsDeleted: report.done.deleted + report.done.marked,
    bytes: 0,
    startedAt: new Date(started),
  });
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** The repaired keys compared again, in the run's snapshot: what still differs, and what is now expected. */
async function checkAgain(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  sides: ComparedSides,
  keys: readonly string[],
  report: StreamRepair,
): Promise<void> {
  const after = await compareKeys(sides.source, sides.target, sides.apart, keys);
  const scope = {
    state: ctx.state,
    target: pair.target,
    schema: plan.targetSchema,
    stream: plan.name,
    table: plan.targetTable,
    source: sides.source,
    mappings: sides.mappings,
    key: sides.key,
  };
  const quarantined = await quarantinedKeys(scope, after.missing);
  const changed = await changedKeys(scope, after.different);
  const missing = after.missing.filter((k) => !quarantined.has(k));
  const different = after.different.filter((k) => !changed.has(k));
  report.nowExpected = quarantined.size + changed.size;
  report.remaining = { missing: missing.length, extra: after.extra.length, different: different.length };
  report.samples = [...missing, ...after.extra, ...different].slice(0, 5).map(displayKey);
}

/** One line of what a stream's repair found and did. */
export function describe(r: StreamRepair): string {
  if (r.status === 'failed') return `failed: ${r.error ?? ''}`;
  const found = r.found.missing + r.found.extra + r.found.different;
  if (found === 0) return `in sync${r.expected > 0 ? ` (${r.expected} expected)` : ''}, nothing to repair`;
  if (r.status === 'different')
    return `${r.found.missing} missing, ${r.found.extra} extra, ${r.found.different} different: would be re-copied (dry run)`;
  const left = r.remaining.missing + r.remaining.extra + r.remaining.different;
  const done = r.done;
  return [
    `${r.found.missing} missing, ${r.found.extra} extra, ${r.found.different} different`,
    `${done.written} row(s) re-copied in ${done.chunks} chunk(s)`,
    ...(done.deleted > 0 ? [`${done.deleted} deleted`] : []),
    ...(done.marked > 0 ? [`${done.marked} marked deleted`] : []),
    ...(done.quarantined > 0 ? [`${done.quarantined} quarantined`] : []),
    left === 0 ? 'verified: in sync' : `${left} still differ`,
  ].join(', ');
}
