// `ferry sync` with ferry's own copier: every stream read in one consistent snapshot over the byte
// path, a full refresh (staging table, chunk by chunk, swapped in) or an incremental merge by cursor.
// A cdc stream gets its snapshot (full refresh) the first time, recording the snapshot's exact
// binlog position; then, like every cdc stream, it is caught up from the binlog to the source's
// position at the start (cdc/catch-up.ts). The run itself is run-lifecycle.ts.
import type { Logger } from '../observability/logger.js';
import { SchemaError } from '../errors.js';
import type { Progress } from '../observability/progress.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import { compileQuality } from '../quality/stream-quality.js';
import { catchUp } from './cdc/catch-up.js';
import type { CdcProject } from './cdc/session.js';
import { fullRefresh, type FullRefreshOptions } from './full-refresh.js';
import { incremental } from './incremental.js';
import { incrementalBlocker } from './plan-checks.js';
import { runCopies, type Copier, type RunOptions, type RunSummary } from './run-lifecycle.js';
import { emptyResult } from './stream-context.js';
import type { StreamPlan } from './stream-plan.js';

export interface SyncOptions {
  project: CdcProject;
  state: FerryState;
  /** Only these streams (source or target table names); all by default. */
  streams?: readonly string[] | undefined;
  /** Force a full refresh of every selected stream. */
  fullRefresh?: boolean | undefined;
  /** Patterns that match nothing and an empty source are errors, not warnings. */
  strict?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Each stream's rows, chunks and put-in-place steps (observability/progress.ts). */
  progress?: Progress | undefined;
  /** Once every stream succeeded, still in the run's source snapshot (ferry sync --verify). */
  afterCopies?: RunOptions['afterCopies'];
}

export type SyncSummary = RunSummary;

/** An incremental stream copied in full (--full-refresh) keeps its mode and gets a new high-water mark. */
function fullRefreshMode(plan: StreamPlan): FullRefreshOptions {
  if (plan.mode === 'cdc') return { mode: 'cdc' };
  return plan.mode === 'incremental' && !incrementalBlocker(plan.table, plan.cursor)
    ? { mode: 'incremental', cursor: plan.cursor }
    : { mode: 'full_refresh' };
}

/** Why a table cannot be followed from the binlog, or undefined when it can. */
export function cdcBlocker(plan: StreamPlan): string | undefined {
  if (plan.table.primaryKey.length === 0)
    return 'it has no primary key, so a change in the binlog cannot be matched to its row (declare primary_key: on the stream if some columns identify rows)';
  return undefined;
}

export async function sync(options: SyncOptions): Promise<SyncSummary> {
  const { sync: settings } = options.project;
  const { state } = options;
  const tablesAtOnce = (work: readonly unknown[]) =>
    Math.max(1, Math.min(settings.parallel_tables, work.length));
  // cdc streams that already have a checkpoint are caught up from the binlog after the run.
  const following: StreamPlan[] = [];
  const copier: Copier = {
    kind: 'sync',
    engine: 'ferry',
    what: 'ferry sync',
    // One reader/writer pair per table copied at once, and at least parallel_chunks so a large
    // table alone can still have several ranges copied at the same time.
    readers: (work) => Math.max(tablesAtOnce(work), settings.parallel_chunks),
    concurrency: (work) => tablesAtOnce(work),
    // Checks naming unknown columns stop the run before it starts.
    prepare: (work) => {
      for (const { plan, mappings } of work)
        compileQuality(plan, mappings, plan.targetSchema, state.quarantine);
    },
    async copy(ctx, pair, { plan, mappings }) {
      if (plan.mode === 'cdc') {
        const blocker = cdcBlocker(plan);
        if (blocker) throw new SchemaError(`${plan.name} cannot follow the binlog because ${blocker}`);
        const saved = await state.streams.read(ctx.control, {
          targetSchema: plan.targetSchema,
          table: plan.targetTable,
        });
        const hasCheckpoint =
          saved?.mode === 'cdc' && (saved.binlog.gtid !== null || saved.binlog.file !== null);
        if (hasCheckpoint && !options.fullRefresh) {
          following.push(plan);
          return { ...emptyResult(plan.name, 'cdc'), warnings: ['caught up from the binlog below'] };
        }
        if (!ctx.binlog.exact)
          throw new SchemaError(
            `${plan.name}: its snapshot has no exact binlog position: ${ctx.binlog.inexact ?? 'unknown'}`,
            {
              hint: 'change data capture must start exactly where the snapshot ends; see docs/cdc.md for what the source needs',
            },
          );
        const result = await fullRefresh(ctx, pair!, plan, mappings, { mode: 'cdc' });
        following.push(plan);
        return result;
      }
      return plan.mode === 'incremental' && !options.fullRefresh
        ? incremental(ctx, pair!, plan, mappings)
        : fullRefresh(ctx, pair!, plan, mappings, fullRefreshMode(plan));
    },
  };
  // A cdc stream a running `ferry stream` follows is left to it (its lock is not taken here).
  const summary = await runCopies(
    {
      ...options,
      select: async (plans, control) => {
        const cdc = plans.filter((p) => p.mode === 'cdc');
        if (cdc.length === 0) return plans;
        const held = await state.locks.heldElsewhere(
          control,
          cdc.map((p) => lockNames.stream(p.targetSchema, p.targetTable)),
        );
        const elsewhere = cdc.filter((p) => held.includes(lockNames.stream(p.targetSchema, p.targetTable)));
        following.push(...elsewhere);
        return plans.filter((p) => !elsewhere.includes(p));
      },
    },
    copier,
  );
  if (following.length === 0 || options.signal.aborted) return summary;
  const caught = await catchUp({
    ...options,
    plans: following,
    // cdc.on_position_lost: resnapshot: a new snapshot of the streams whose binlog was purged
    snapshot: async (streams) => (await sync({ ...options, streams, fullRefresh: true })).streams,
  });
  const streams = [
    ...summary.streams.filter((s) => !caught.some((c) => c.stream === s.stream) || s.status === 'failed'),
    ...caught.map((c) => {
      const snapshot = summary.streams.find((s) => s.stream === c.stream && s.rowsLoaded > 0);
      return snapshot
        ? {
            ...c,
            rowsRead: c.rowsRead + snapshot.rowsRead,
            rowsLoaded: c.rowsLoaded + snapshot.rowsLoaded,
            seconds: c.seconds + snapshot.seconds,
          }
        : c;
    }),
  ];
  return {
    ...summary,
    status: streams.some((s) => s.status === 'failed') ? 'failed' : summary.status,
    streams,
  };
}
