// One run of copies, whoever copies (ferry's byte path, a Spark job, a replay of quarantined rows;
// the binlog apply of change data capture is the next): bring ferry's state up to date, plan the
// streams from the source, take each stream's lock, close runs whose process died, open one
// consistent snapshot when the copier reads the source itself, record the run, copy the streams
// (several at a time), record each stream's outcome, and record how the run ended whatever
// happens (a lost connection, a signal). Locks are released and connections closed on every path.
import { hostname } from 'node:os';
import type { Project } from '../config/project.js';
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { introspectSkipped, introspectTables } from '../connectors/mysql/introspect.js';
import { openSnapshot, type BinlogPosition, type SnapshotPosition } from '../connectors/mysql/snapshot.js';
import { connectPostgres, lostReason, type PgClient } from '../connectors/postgres/connect.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { ConfigError, FerryError, messageOf, SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import { orderByRelationships } from '../quality/stream-order.js';
import { quoteMysql, quotePg } from '../schema/identifiers.js';
import { filterClause } from '../schema/select-list.js';
import type { SourceTable } from '../schema/source-table.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import { NOTHING_COPIED, type RunKind } from '../state/runs.js';
import { createPairPool } from './pair-pool.js';
import type { ConnectionPair } from './pair-pool.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';
import { settleMissingStream } from './missing-tables.js';
import { checkIncremental, keyWarnings, settingWarnings } from './plan-checks.js';
import {
  mappingsFor,
  missingStreams,
  planStreams,
  planWarnings,
  type KnownStream,
  type PlanWarning,
  type StreamPlan,
} from './stream-plan.js';

/** What a run of copies needs of the project. */
export type CopyProject = Pick<
  Project,
  'source' | 'target' | 'targetSchema' | 'targetSchemas' | 'sync' | 'streams'
>;

/** One stream of a run: its plan and its column mappings. */
export interface StreamWork {
  plan: StreamPlan;
  mappings: ColumnMapping[];
}

/** The copier role: how a run's streams are filled and put in place. */
export interface Copier {
  kind: RunKind;
  engine: 'ferry' | 'spark';
  /** Names the copier in lock holders and messages: "ferry sync". */
  what: string;
  /** Reader sessions in one consistent snapshot of the source (0: the copier does not read it from here). */
  readers(work: readonly StreamWork[]): number;
  /** Streams copied at the same time. */
  concurrency(work: readonly StreamWork[]): number;
  /** Checks before anything is locked or recorded; throws to stop the run before it starts. */
  prepare?(work: readonly StreamWork[]): void;
  /** Copies one stream and puts it in place with its state; `pair` when the copier has readers. */
  copy(ctx: RunContext, pair: ConnectionPair | undefined, work: StreamWork): Promise<StreamResult>;
}

export interface RunOptions {
  project: CopyProject;
  state: FerryState;
  /** Only these streams (source or target table names); all by default. */
  streams?: readonly string[] | undefined;
  /** Narrows the planned streams (a replay takes those with entries waiting); runs on the control session. */
  select?: (plans: StreamPlan[], control: PgClient) => Promise<StreamPlan[]>;
  logger: Logger;
  signal: AbortSignal;
  progress?: Progress | undefined;
  /** Patterns that match nothing and an empty source stop the run (a configuration error) instead of warning. */
  strict?: boolean | undefined;
  /**
   * Runs once every stream succeeded, before the locks are released, on a reader session still in
   * the run's source snapshot (not called when the copier does not read the source itself).
   */
  afterCopies?: ((run: AfterCopies) => Promise<void>) | undefined;
}

/** What afterCopies gets: the run, a source session in its snapshot, and the streams it copied. */
export interface AfterCopies {
  runId: number;
  source: MysqlConnection;
  /** Whether every reader saw the one snapshot (otherwise the session's is one of several). */
  consistent: boolean;
  plans: readonly StreamPlan[];
}

export interface RunSummary {
  runId: number;
  status: 'succeeded' | 'failed';
  binlog: BinlogPosition;
  consistentSnapshot: boolean;
  seconds: number;
  streams: StreamResult[];
  /** What planning left out: views and sequences the patterns match, patterns matching nothing, an empty source. */
  warnings: string[];
}

const NO_POSITION: SnapshotPosition = {
  file: null,
  position: null,
  gtid: null,
  exact: false,
  inexact: 'the copier does not read the source in one snapshot',
};

export async function runCopies(options: RunOptions, copier: Copier): Promise<RunSummary> {
  const { project, state, logger, signal } = options;
  const started = Date.now();
  const schema = project.targetSchema;
  const control = await connectPostgres(project.target);
  const writers: PgClient[] = [];
  let closeSnapshot: (() => Promise<void>) | undefined;
  try {
    await state.migrate(control);
    const known = await state.streams.list(control, project.targetSchemas);
    const planned = await planFromSource(project, options.streams, known);
    if (copier.kind === 'sync') checkIncremental(planned.plans);
    const warnings = planned.warnings.map((w) => w.message);
    const refused = planned.warnings.filter((w) => w.strict && options.strict);
    if (refused.length > 0)
      throw new ConfigError(
        'streams match no table of the source (--strict)',
        refused.map((w) => w.message),
        { hint: 'fix the table patterns of streams: in ferry.yaml, or run without --strict' },
      );
    for (const w of warnings) logger.warn(w);
    let plans = planned.plans;
    // Streams synced before whose source table is gone: reported, the others run (sync only).
    const missing =
      copier.kind === 'sync' ? missingStreams(project.streams, plans, known, options.streams) : [];
    if (options.select) plans = await options.select(plans, control);
    // A table with a column ferry cannot map fails alone; the other streams still run.
    const unmappable: StreamResult[] = [];
    const work = plans.flatMap((plan): StreamWork[] => {
      try {
        return [{ plan, mappings: mappingsFor(plan) }];
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        logger.error({ stream: plan.name }, `${plan.name} failed: ${error.message}`);
        unmappable.push(failedResult(plan, error));
        return [];
      }
    });
    copier.prepare?.(work);
    for (const s of new Set([schema, ...plans.map((p) => p.targetSchema)]))
      await control.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(s)}`);
    const locks = await state.locks.acquire(
      control,
      [...plans, ...missing.map((m) => ({ targetSchema: m.targetSchema, targetTable: m.name }))].map((p) =>
        lockNames.stream(p.targetSchema, p.targetTable),
      ),
      copier.what,
    );
    try {
      await state.runs.closeAbandoned(control, schema);
      const readers = work.length === 0 ? 0 : copier.readers(work);
      // The GTID of the snapshot's position only where a cdc stream will follow the binlog from it.
      const gtid = work.some((w) => w.plan.mode === 'cdc');
      const snapshot =
        readers > 0 ? await openSnapshot(project.source, readers, logger, { gtid }) : undefined;
      closeSnapshot = snapshot ? () => snapshot.close() : undefined;
      if (snapshot) {
        const opened = await Promise.allSettled(
          snapshot.connections.map(() => connectPostgres(project.target)),
        );
        for (const o of opened) if (o.status === 'fulfilled') writers.push(o.value);
        const failed = opened.find((o) => o.status === 'rejected');
        if (failed) throw failed.reason;
      }
      const binlog = snapshot?.binlog ?? NO_POSITION;
      const runId = await state.runs.start(control, {
        kind: copier.kind,
        targetSchema: schema,
        engine: copier.engine,
        binlog,
        host: hostname(),
        pid: process.pid,
      });
      logger.info(
        { runId, streams: work.length, binlog },
        `${copier.what} run ${runId}: ${work.length} stream(s)${snapshot ? ' from one snapshot' : ''}`,
      );
      const pool = snapshot
        ? createPairPool(snapshot.connections.map((source, i) => ({ source, target: writers[i]! })))
        : undefined;
      const ctx: RunContext = {
        runId,
        targetSchema: schema,
        settings: project.sync,
        state,
        control,
        binlog,
        ...(snapshot ? { horizon: snapshot.horizon } : {}),
        logger,
        signal,
        ...(pool ? { pairs: pool } : {}),
        ...(options.progress ? { progress: options.progress } : {}),
      };
      const results: StreamResult[] = [...unmappable];
      let end: { status: 'succeeded' | 'failed' | 'interrupted'; error?: string } = { status: 'failed' };
      const summary = await (async (): Promise<RunSummary> => {
        try {
          for (const r of unmappable)
            await recordFailure(ctx, control, r.stream, r.mode, r.error ?? 'failed');
          for (const m of missing) results.push(await settleMissingStream(ctx, m));
          await copyAll(ctx, copier, work, results);
          const status = results.some((r) => r.status === 'failed') ? 'failed' : 'succeeded';
          end = { status: signal.aborted ? 'interrupted' : status };
          return {
            runId,
            status,
            binlog,
            consistentSnapshot: snapshot?.consistent ?? false,
            seconds: (Date.now() - started) / 1000,
            streams: results,
            warnings,
          };
        } catch (error) {
          end = { status: signal.aborted ? 'interrupted' : 'failed', error: messageOf(error) };
          throw error;
        } finally {
          const record = (db: PgClient) =>
            state.runs.finish(db, runId, {
              status: end.status,
              summary: { streams: results, seconds: (Date.now() - started) / 1000, binlog },
              error: end.error,
            });
          await onControlOrFresh(control, project.target, record).catch((error: unknown) =>
            logger.warn({ err: error }, `run ${runId}: could not record its end (${messageOf(error)})`),
          );
        }
      })();
      // Still in the run's snapshot and holding its locks: the source as the run read it, the target
      // as the run left it (ferry sync --verify compares the two).
      const reader =
        options.afterCopies && summary.status === 'succeeded' ? await pool?.acquire() : undefined;
      if (reader) {
        try {
          await options.afterCopies!({
            runId,
            source: reader.source,
            consistent: snapshot?.consistent ?? false,
            plans: work.map((w) => w.plan),
          });
        } finally {
          pool!.release(reader);
        }
      }
      return summary;
    } finally {
      await locks.release();
    }
  } finally {
    await closeSnapshot?.();
    await Promise.all(writers.map((w) => w.end().catch(() => undefined)));
    await control.end().catch(() => undefined);
  }
}

/**
 * The streams of the project that the source has now, from one look at information_schema, and what
 * they leave out; each stream's `where:` is tried on the source (LIMIT 0), so that a condition MySQL
 * refuses is a configuration error before anything is locked.
 */
export async function planFromSource(
  project: Pick<CopyProject, 'source' | 'streams'>,
  only: readonly string[] | undefined,
  known: readonly KnownStream[],
): Promise<{ plans: StreamPlan[]; warnings: PlanWarning[]; tables: SourceTable[] }> {
  const probe = await connectMysql(project.source);
  try {
    const database = project.source.database;
    const tables = await introspectTables(probe, database);
    const skipped = await introspectSkipped(probe, database);
    const plans = planStreams(project.streams, tables, only, known);
    await checkFilters(probe, plans);
    return {
      plans,
      warnings: [
        ...planWarnings(project.streams, tables, skipped, database),
        ...settingWarnings(project.streams),
        ...keyWarnings(project.streams, plans),
      ],
      tables,
    };
  } finally {
    await probe.end().catch(() => undefined);
  }
}

async function checkFilters(probe: MysqlConnection, plans: readonly StreamPlan[]): Promise<void> {
  const problems: string[] = [];
  for (const plan of plans.filter((p) => p.where !== undefined)) {
    const from = `${quoteMysql(plan.table.schema)}.${quoteMysql(plan.table.name)}`;
    try {
      await probe.query(`SELECT 1 FROM ${from} ${filterClause(plan.where, '')} LIMIT 0`);
    } catch (error) {
      problems.push(`streams[${plan.ruleIndex}].where on ${plan.table.name}: ${messageOf(error)}`);
    }
  }
  if (problems.length > 0)
    throw new ConfigError('the source refuses a stream filter', problems, {
      hint: "where: is a MySQL condition on the source table's columns, such as status <> 'test'",
    });
}

/**
 * Copies the streams, `concurrency` at a time, parents before children (relationship checks read the
 * parent's target). A data or schema error fails its stream only; any other error stops the run
 * once the running streams have ended, and is thrown.
 */
async function copyAll(
  ctx: RunContext,
  copier: Copier,
  work: readonly StreamWork[],
  results: StreamResult[],
): Promise<void> {
  const order = orderByRelationships(
    [...work].sort((a, b) => b.plan.table.estimatedRows - a.plan.table.estimatedRows),
    (w) => w.plan,
  );
  const queue = order.queue;
  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    for (let next = queue.shift(); next && !fatal; next = queue.shift()) {
      const item = next;
      const pair = ctx.pairs ? await ctx.pairs.acquire() : undefined;
      if (ctx.pairs && !pair) {
        queue.unshift(item);
        return;
      }
      let healthy = true;
      try {
        const result = await order
          .run(item.plan.name, () => copier.copy(ctx, pair, item))
          .then(
            (r) => {
              ctx.progress?.end(item.plan.name, r.status === 'failed');
              return r;
            },
            (error: unknown) => {
              ctx.progress?.end(item.plan.name, true);
              throw error;
            },
          );
        results.push(result);
        ctx.logger.info(
          {
            stream: item.plan.name,
            rows: result.rowsLoaded,
            quarantined: result.rowsQuarantined,
            seconds: result.seconds,
          },
          `${item.plan.name}: ${result.rowsLoaded} rows loaded`,
        );
      } catch (error) {
        healthy = false;
        if (ctx.signal.aborted) {
          fatal ??= { error };
          return;
        }
        results.push(failedResult(item.plan, error));
        ctx.logger.error(
          { stream: item.plan.name, err: error },
          `${item.plan.name} failed: ${messageOf(error)}`,
        );
        await recordFailure(
          ctx,
          pair?.target ?? ctx.control,
          item.plan.targetTable,
          item.plan.mode,
          messageOf(error),
        ).catch(() => undefined);
        if (!(error instanceof FerryError) || !['data', 'schema'].includes(error.kind)) {
          fatal ??= { error };
          return;
        }
        // A data error can stop a read half-way; that reader's session is not reused.
        if (error.kind !== 'data') healthy = true;
      } finally {
        if (pair) {
          if (healthy) ctx.pairs!.release(pair);
          else ctx.pairs!.retire(pair);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, copier.concurrency(work)) }, () => worker()));
  if (fatal) throw fatal.error;
  for (const left of queue)
    results.push({
      ...emptyResult(left.plan.name, left.plan.mode),
      status: 'failed',
      error: 'not run: the reader sessions stopped after earlier failures; run ferry sync again',
    });
}

function failedResult(plan: StreamPlan, error: unknown): StreamResult {
  const hint = error instanceof FerryError ? error.hint : undefined;
  return {
    ...emptyResult(plan.name, plan.mode),
    status: 'failed',
    error: messageOf(error),
    ...(hint ? { hint } : {}),
  };
}

async function recordFailure(
  ctx: RunContext,
  db: PgClient,
  table: string,
  mode: string,
  error: string,
): Promise<void> {
  await ctx.state.runs.recordStream(db, {
    runId: ctx.runId,
    targetSchema: ctx.targetSchema,
    table,
    mode,
    status: 'failed',
    ...NOTHING_COPIED,
    startedAt: new Date(),
    error,
  });
}

/**
 * Runs `record` on the control session, or on a fresh connection when the control session itself
 * was lost (a target connection dropped mid-COPY takes it down too), so that the run is recorded
 * as failed rather than left running. When the target cannot be reached at all, the next run
 * closes this one (closeAbandoned).
 */
async function onControlOrFresh(
  control: PgClient,
  target: ConnectionSpec,
  record: (db: PgClient) => Promise<void>,
): Promise<void> {
  try {
    await record(control);
  } catch (error) {
    if (!lostReason(control)) throw error;
    const fresh = await connectPostgres(target);
    try {
      await record(fresh);
    } finally {
      await fresh.end().catch(() => undefined);
    }
  }
}
