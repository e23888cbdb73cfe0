// `ferry verify`: proves, stream by stream, that the target holds what the source holds, without
// copying tables across: checksums of primary-key ranges (or key-hash buckets) computed in each
// database, drilled down to the rows that differ. Differences a sync policy made on purpose (zero dates to NULL, quarantined
// rows) are reported as expected, and rows changed since the last sync as in flight.
import type { Project } from '../config/project.js';
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import type { Logger } from '../observability/logger.js';
import { planFromSource } from '../replication/run-lifecycle.js';
import { missingStreams, type MissingStream, type StreamPlan } from '../replication/stream-plan.js';
import { postgresChecksums } from './checksum-dialects.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { FerryState } from '../state/ferry-state.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { snapshotPositionOf } from '../connectors/mysql/snapshot.js';
import { keysChangedBetween, keyTextsOf } from './in-flight.js';
import { compareStream, emptyVerdict, type CompareOptions, type StreamVerdict } from './stream-compare.js';

export type { StreamVerdict };

export interface VerifyOptions {
  project: Pick<Project, 'source' | 'target' | 'targetSchema' | 'targetSchemas' | 'streams'>;
  state: FerryState;
  streams?: readonly string[];
  /** How many sample keys to report per kind of difference. */
  samples?: number;
  /**
   * Compare with the source as of the last sync: rows whose cursor moved past the stream's high-water
   * mark since then count as in flight, not as differences. Without it they are differences, with a note.
   */
  atSnapshot?: boolean;
  logger: Logger;
  signal: AbortSignal;
}

export interface VerifyReport {
  runId: number;
  inSync: boolean;
  seconds: number;
  streams: StreamVerdict[];
}

async function verifyStream(
  state: FerryState,
  source: MysqlConnection,
  target: PgClient,
  plan: StreamPlan,
  options: CompareOptions,
): Promise<StreamVerdict> {
  return (await compareStream(state, source, target, plan, options)).verdict;
}

/**
 * A cdc stream, while the binlog keeps being applied: the source in one consistent snapshot, the
 * target in one transaction with the checkpoint it reflects; keys the binlog changed between the two
 * positions are in flight, everything else must be equal.
 */
async function verifyAtCheckpoint(
  state: FerryState,
  source: MysqlConnection,
  target: PgClient,
  sourceSpec: ConnectionSpec,
  plan: StreamPlan,
  options: { samples: number; atSnapshot: boolean; signal: AbortSignal },
  logger: Logger,
): Promise<StreamVerdict> {
  const schema = plan.targetSchema;
  await source.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    const sourceAt = await snapshotPositionOf(source);
    const saved = await state.streams.read(target, { targetSchema: schema, table: plan.targetTable });
    const targetAt = saved?.mode === 'cdc' ? saved.binlog : undefined;
    const verdict = await verifyStream(state, source, target, plan, {
      ...options,
      targetInTransaction: true,
      inFlight: async (keys, key) => {
        if (keys.length === 0 || !sourceAt || !targetAt) return new Set();
        const changed = await keysChangedBetween(
          sourceSpec,
          plan,
          sourceAt,
          targetAt,
          logger,
          options.signal,
        );
        const texts = await keyTextsOf(target, key, changed, (k) =>
          postgresChecksums(target, schema, plan.targetTable, false, true).keyText(k),
        );
        return new Set(keys.filter((k) => texts.has(k)));
      },
    });
    if (!sourceAt || !targetAt)
      verdict.notes.push(
        !targetAt
          ? 'no cdc checkpoint yet (run ferry sync): compared as it is'
          : 'the source reported no snapshot position: compared as it is, changes in flight count as differences',
      );
    else if (verdict.inFlight > 0)
      verdict.notes.push(
        `${verdict.inFlight} row(s) changed between the source's snapshot and the applied checkpoint: in flight`,
      );
    return verdict;
  } finally {
    await target.query('COMMIT').catch(() => undefined);
    await source.query('COMMIT').catch(() => undefined);
  }
}

/** A stream whose source table is gone: listed with what the target still holds. */
async function missingSourceVerdict(target: PgClient, gone: MissingStream): Promise<StreamVerdict> {
  const schema = gone.targetSchema;
  const exists = await readTargetColumns(target, schema, gone.name);
  const rows = exists
    ? Number(
        (await target.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedPg(schema, gone.name)}`))
          .rows[0]!.n,
      )
    : 0;
  const verdict = emptyVerdict(gone.name, 'source_missing', true);
  verdict.targetRows = rows;
  verdict.notes.push(
    `the source table ${gone.sourceTable} is gone (dropped or renamed); ${exists ? `${schema}.${gone.name} holds its ${rows} row(s) as last synced (sync.missing_tables says whether it is kept, marked or dropped)` : `${schema}.${gone.name} does not exist either`}; not compared`,
  );
  return verdict;
}

export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const { project, state } = options;
  const sourceSpec = project.source;
  const targetSpec = project.target;
  const schema = project.targetSchema;
  const source = await connectMysql(sourceSpec);
  let target: PgClient | undefined;
  try {
    target = await connectPostgres(targetSpec);
    await state.migrate(target);
    const known = await state.streams.list(target, project.targetSchemas);
    const { plans } = await planFromSource(project, options.streams, known);
    const streams: StreamVerdict[] = [];
    for (const gone of missingStreams(project.streams, plans, known, options.streams))
      streams.push(await missingSourceVerdict(target, gone));
    for (const plan of plans) {
      if (options.signal.aborted) throw options.signal.reason;
      const common = {
        samples: options.samples ?? 5,
        atSnapshot: options.atSnapshot ?? false,
        signal: options.signal,
      };
      const verdict =
        plan.mode === 'cdc'
          ? await verifyAtCheckpoint(state, source, target, sourceSpec, plan, common, options.logger)
          : await verifyStream(state, source, target, plan, common);
      options.logger.info(
        { stream: plan.name, status: verdict.status, seconds: verdict.seconds },
        `${plan.name}: ${verdict.status}`,
      );
      streams.push(verdict);
    }
    const report: VerifyReport = {
      runId: 0,
      // A stream whose source table is gone is listed, but is no difference to repair.
      inSync: streams.every((s) => s.status === 'in_sync' || s.status === 'source_missing'),
      seconds: (Date.now() - started) / 1000,
      streams,
    };
    report.runId = await state.verifyRuns.store(target, { targetSchema: schema, ...report });
    await source.end();
    return report;
  } catch (error) {
    // A failed comparison may leave a result half read; end() would wait for it forever.
    source.destroy();
    throw error;
  } finally {
    await target?.end().catch(() => undefined);
  }
}
