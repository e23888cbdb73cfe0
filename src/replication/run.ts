// One `ferry sync` run: plan the streams, take the lock, open one consistent snapshot, copy the
// streams (several at a time), and record the run. The library entry point for the CLI, pipelines
// and the demo.
import { hostname } from 'node:os';
import { sourceConnection, targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import { openSnapshot } from '../connectors/mysql/snapshot.js';
import { connectPostgres, lostReason, type PgClient } from '../connectors/postgres/connect.js';
import { acquireLock } from '../connectors/postgres/lock.js';
import {
  ensureStateSchema,
  finishRun,
  recordStreamRun,
  startRun,
} from '../connectors/postgres/state-store.js';
import { FerryError, messageOf, SchemaError } from '../errors.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import type { Logger } from '../observability/logger.js';
import { orderByRelationships } from '../quality/stream-order.js';
import { compileQuality } from '../quality/stream-quality.js';
import { fullRefresh, type FullRefreshOptions } from './full-refresh.js';
import { incremental, incrementalBlocker } from './incremental.js';
import { createPairPool } from './pair-pool.js';
import { planStreams, type StreamPlan } from './stream-plan.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';
import { mapColumn, type ColumnMapping } from '../schema/type-mapping.js';
import { quotePg } from '../schema/identifiers.js';

export interface SyncOptions {
  config: FerryConfig;
  /** Only these streams (source or target table names); all by default. */
  streams?: readonly string[];
  /** Force a full refresh of every selected stream. */
  fullRefresh?: boolean;
  logger: Logger;
  signal: AbortSignal;
  onProgress?: (stream: string, rowsDone: number, rowsEstimated: number) => void;
}

export interface SyncSummary {
  runId: number;
  status: 'succeeded' | 'failed';
  binlog: { file: string | null; position: number | null; gtid: string | null };
  consistentSnapshot: boolean;
  seconds: number;
  streams: StreamResult[];
}

export function mappingsFor(plan: StreamPlan): ColumnMapping[] {
  const wanted = plan.columns ? new Set([...plan.columns, ...plan.table.primaryKey]) : undefined;
  return plan.table.columns.filter((c) => !wanted || wanted.has(c.name)).map((c) => mapColumn(c, plan.name));
}

/** An incremental stream copied in full (--full-refresh) keeps its mode and gets a new high-water mark. */
function fullRefreshMode(plan: StreamPlan): FullRefreshOptions {
  return plan.mode === 'incremental' && !incrementalBlocker(plan.table, plan.cursor)
    ? { mode: 'incremental', cursor: plan.cursor }
    : { mode: 'full_refresh' };
}

export async function sync(options: SyncOptions): Promise<SyncSummary> {
  const { config, logger, signal } = options;
  const started = Date.now();
  const sourceSpec = sourceConnection(config.source);
  const targetSpec = targetConnection(config.target);
  const schema = config.target.schema;

  const control = await connectPostgres(targetSpec);
  const writers: PgClient[] = [];
  let snapshotClose: (() => Promise<void>) | undefined;
  try {
    const probe = await connectMysql(sourceSpec);
    let plans: StreamPlan[];
    try {
      plans = planStreams(config, await introspectTables(probe, sourceSpec.database), options.streams);
    } finally {
      await probe.end().catch(() => undefined);
    }
    // A table with a column ferry cannot map fails alone; the other streams still run.
    const unmappable: StreamResult[] = [];
    const mapped = plans.flatMap((plan) => {
      try {
        return [{ plan, mappings: mappingsFor(plan) }];
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        logger.error({ stream: plan.name }, `${plan.name} failed: ${error.message}`);
        unmappable.push({ ...emptyResult(plan.name, plan.mode), status: 'failed', error: error.message });
        return [];
      }
    });
    // Checks naming unknown columns stop the run before it starts.
    for (const { plan, mappings } of mapped) compileQuality(plan, mappings, schema);

    await ensureStateSchema(control);
    await control.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
    const lock = await acquireLock(
      control,
      `${targetSpec.host}:${targetSpec.port}/${targetSpec.database}/${schema}`,
      'ferry sync',
    );
    try {
      // One reader/writer pair per table copied at once, and at least parallel_chunks so a large
      // table alone can still have several ranges copied at the same time.
      const tables = Math.max(1, Math.min(config.sync.parallel_tables, mapped.length));
      const parallel = Math.max(tables, config.sync.parallel_chunks);
      const snapshot = await openSnapshot(sourceSpec, parallel, logger);
      snapshotClose = () => snapshot.close();
      const opened = await Promise.allSettled(
        Array.from({ length: parallel }, () => connectPostgres(targetSpec)),
      );
      for (const o of opened) if (o.status === 'fulfilled') writers.push(o.value);
      const failed = opened.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
      const pool = createPairPool(snapshot.connections.map((source, i) => ({ source, target: writers[i]! })));
      const runId = await startRun(control, schema, snapshot.binlog, hostname());
      logger.info(
        { runId, streams: mapped.length, binlog: snapshot.binlog },
        `sync run ${runId}: ${mapped.length} stream(s) from one snapshot`,
      );
      const ctx: RunContext = {
        runId,
        targetSchema: schema,
        settings: config.sync,
        binlog: snapshot.binlog,
        logger,
        signal,
        pairs: pool,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };

      const results: StreamResult[] = [...unmappable];
      const order = orderByRelationships(
        [...mapped].sort((a, b) => b.plan.table.estimatedRows - a.plan.table.estimatedRows),
        (m) => m.plan,
      );
      const queue = order.queue;
      let fatal: unknown;
      const worker = async () => {
        for (let next = queue.shift(); next && !fatal; next = queue.shift()) {
          const { plan, mappings } = next;
          const pair = await pool.acquire();
          if (!pair) {
            queue.unshift(next);
            return;
          }
          let healthy = true;
          try {
            const result = await order.run(plan.name, () =>
              plan.mode === 'incremental' && !options.fullRefresh
                ? incremental(ctx, pair, plan, mappings)
                : fullRefresh(ctx, pair, plan, mappings, fullRefreshMode(plan)),
            );
            results.push(result);
            logger.info(
              {
                stream: plan.name,
                rows: result.rowsLoaded,
                quarantined: result.rowsQuarantined,
                seconds: result.seconds,
              },
              `${plan.name}: ${result.rowsLoaded} rows loaded`,
            );
          } catch (error) {
            healthy = false;
            if (signal.aborted) {
              fatal = error;
              return;
            }
            const failed = {
              ...emptyResult(plan.name, plan.mode),
              status: 'failed' as const,
              error: messageOf(error),
            };
            results.push(failed);
            logger.error({ stream: plan.name, err: error }, `${plan.name} failed: ${messageOf(error)}`);
            await recordStreamRun(pair.target, {
              runId,
              schema,
              table: plan.targetTable,
              mode: plan.mode,
              status: 'failed',
              rowsRead: 0,
              rowsLoaded: 0,
              rowsQuarantined: 0,
              valuesNulled: 0,
              rowsDeleted: 0,
              bytes: 0,
              startedAt: new Date(),
              error: messageOf(error),
            }).catch(() => undefined);
            if (!(error instanceof FerryError) || !['data', 'schema'].includes(error.kind)) {
              fatal = error;
              return;
            }
            // A data error can stop a read half-way; this reader's session is not reused.
            if (error.kind !== 'data') healthy = true;
          } finally {
            if (healthy) pool.release(pair);
            else pool.retire(pair);
          }
        }
      };
      await Promise.all(Array.from({ length: tables }, () => worker()));
      for (const left of fatal ? [] : queue) {
        results.push({
          ...emptyResult(left.plan.name, left.plan.mode),
          status: 'failed',
          error: 'not run: the reader sessions stopped after earlier failures; run ferry sync again',
        });
      }
      const status = results.some((r) => r.status === 'failed') || fatal ? 'failed' : 'succeeded';
      const summary: SyncSummary = {
        runId,
        status,
        binlog: snapshot.binlog,
        consistentSnapshot: snapshot.consistent,
        seconds: (Date.now() - started) / 1000,
        streams: results,
      };
      await recordFinish(control, targetSpec, (client) =>
        finishRun(
          client,
          runId,
          signal.aborted ? 'interrupted' : status,
          summary,
          fatal ? messageOf(fatal) : undefined,
        ),
      );
      if (fatal) throw fatal instanceof Error ? fatal : new Error(messageOf(fatal));
      return summary;
    } finally {
      await lock.release();
    }
  } finally {
    await snapshotClose?.();
    await Promise.all(writers.map((w) => w.end().catch(() => undefined)));
    await control.end().catch(() => undefined);
  }
}

/**
 * Records how the run ended on the control connection, or on a fresh one when the control
 * connection itself was lost (a target connection dropped mid-COPY takes it down too). When the
 * target cannot be reached at all, the next run closes this one (startRun).
 */
async function recordFinish(
  control: PgClient,
  targetSpec: ConnectionSpec,
  record: (client: PgClient) => Promise<void>,
): Promise<void> {
  try {
    await record(control);
  } catch (error) {
    if (!lostReason(control)) throw error;
    const fresh = await connectPostgres(targetSpec).catch(() => undefined);
    if (!fresh) return;
    try {
      await record(fresh);
    } finally {
      await fresh.end().catch(() => undefined);
    }
  }
}
