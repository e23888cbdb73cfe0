// `ferry verify`: proves, stream by stream, that the target holds what the source holds, without
// copying tables across: checksums of primary-key ranges (or key-hash buckets) computed in each
// database, drilled down to the rows that differ. Differences a sync policy made on purpose (zero dates to NULL, quarantined
// rows) are reported as expected, and rows changed since the last sync as in flight.
import type { Project } from '../config/project.js';
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import { planFromSource, type AfterCopies } from '../replication/run-lifecycle.js';
import { missingStreams, type MissingStream, type StreamPlan } from '../replication/stream-plan.js';
import { postgresChecksums } from './checksum-dialects.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { FerryState } from '../state/ferry-state.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { snapshotPositionOf } from '../connectors/mysql/snapshot.js';
import type { VerifyProof } from '../state/verify-runs.js';
import { keysChangedBetween, keyTextsOf } from './in-flight.js';
import { inFlightOnLiveSource } from './live-source.js';
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
  /**
   * Compare inside a sync's own source snapshot (ferry sync --verify): exact, nothing in flight; each
   * stream in sync is recorded as a proof for later verifies (live-source.ts).
   */
  inSnapshot?: SyncSnapshot | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Each stream's phase while it is compared (observability/progress.ts). */
  progress?: Progress | undefined;
}

/** A sync's source session, still in the snapshot the sync read, and what it synced. */
export type SyncSnapshot = AfterCopies;

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
  options: { samples: number; signal: AbortSignal; onPhase?: ((phase: string) => void) | undefined },
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
          postgresChecksums(target, schema, plan.targetTable, false).keyText(k),
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

/**
 * A full-refresh or incremental stream compared with a source that may keep changing: the source in
 * one consistent snapshot, the target in one transaction, and the differing keys in flight only on
 * evidence that their source rows changed (live-source.ts), read on a second source session.
 */
async function verifyLive(
  ctx: {
    state: FerryState;
    source: MysqlConnection;
    sourceNow: MysqlConnection;
    target: PgClient;
    schema: string;
  },
  plan: StreamPlan,
  options: {
    samples: number;
    atSnapshot: boolean;
    signal: AbortSignal;
    onPhase?: ((phase: string) => void) | undefined;
  },
): Promise<StreamVerdict> {
  const { state, source, sourceNow, target, schema } = ctx;
  const notes: string[] = [];
  await source.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    const verdict = await verifyStream(state, source, target, plan, {
      ...options,
      targetInTransaction: true,
      sourceNow,
      inFlight: async (keys, _key, sides) => {
        const found = await inFlightOnLiveSource(
          {
            state,
            target,
            schema,
            stream: plan.name,
            table: plan.targetTable,
            source: sides.source,
            sourceNow: sides.sourceNow!,
            targetSide: sides.target,
            atSnapshot: options.atSnapshot,
            incremental: plan.mode === 'incremental',
          },
          keys,
          (v) => source.escape(v),
        );
        notes.push(...found.notes);
        return found.keys;
      },
    });
    verdict.notes.push(...notes);
    return verdict;
  } finally {
    await target.query('COMMIT').catch(() => undefined);
    await source.query('COMMIT').catch(() => undefined);
  }
}

/**
 * A stream compared inside the sync's own source snapshot, right after the sync, the target in one
 * transaction: exact, nothing is in flight. What the target was then is kept with the verdict.
 */
async function verifyInSync(
  ctx: { state: FerryState; source: MysqlConnection; target: PgClient; schema: string; syncRunId: number },
  plan: StreamPlan,
  options: { samples: number; signal: AbortSignal; onPhase?: ((phase: string) => void) | undefined },
): Promise<{ verdict: StreamVerdict; proof: VerifyProof | undefined }> {
  const { state, source, target, schema } = ctx;
  await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    // The first statement fixes the transaction's snapshot: the one recorded.
    const { rows } = await target.query<{ snapshot: string }>(
      'SELECT pg_current_snapshot()::text AS snapshot',
    );
    const total = (await readTargetColumns(target, schema, plan.targetTable))
      ? Number(
          (
            await target.query<{ n: string }>(
              `SELECT count(*) AS n FROM ${qualifiedPg(schema, plan.targetTable)}`,
            )
          ).rows[0]!.n,
        )
      : undefined;
    const verdict = await verifyStream(state, source, target, plan, {
      ...options,
      targetInTransaction: true,
    });
    const proof =
      total === undefined
        ? undefined
        : { syncRunId: ctx.syncRunId, targetSnapshot: rows[0]!.snapshot, targetTotal: total };
    return { verdict, proof };
  } finally {
    await target.query('COMMIT').catch(() => undefined);
  }
}

/** A stream whose source table is gone: listed with what the target still holds. */
async function missingSourceVerdict(
  target: PgClient,
  schema: string,
  gone: MissingStream,
): Promise<StreamVerdict> {
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
  const { project, state, inSnapshot } = options;
  const sourceSpec = project.source;
  const schema = project.targetSchema;
  const own: MysqlConnection[] = [];
  const connect = async () => own[own.push(await connectMysql(sourceSpec)) - 1]!;
  let target: PgClient | undefined;
  try {
    // verify's own sessions: one for its snapshots, one for the source as it is now (rows that
    // change while verify runs), opened when a stream needs them.
    let live: { source: MysqlConnection; sourceNow: MysqlConnection } | undefined;
    const liveSessions = async () => (live ??= { source: await connect(), sourceNow: await connect() });
    target = await connectPostgres(project.target);
    await state.migrate(target);
    const known = await state.streams.list(target, project.targetSchemas);
    const plans = inSnapshot?.plans ?? (await planFromSource(project, options.streams, known)).plans;
    const streams: StreamVerdict[] = [];
    const proofs = new Map<string, VerifyProof>();
    for (const gone of missingStreams(project.streams, plans, known, options.streams))
      streams.push(await missingSourceVerdict(target, gone.targetSchema, gone));
    const common = { samples: options.samples ?? 5, signal: options.signal };
    for (const plan of plans) {
      if (options.signal.aborted) throw options.signal.reason;
      const progress = options.progress;
      progress?.update(plan.name, {
        phase: `comparing checksums of about ${plan.table.estimatedRows} rows`,
      });
      const each = { ...common, onPhase: (phase: string) => progress?.update(plan.name, { phase }) };
      let verdict: StreamVerdict;
      try {
        // A sync's snapshot holds what it copied from it; a cdc stream's target is at its checkpoint.
        if (plan.mode === 'cdc')
          verdict = await verifyAtCheckpoint(
            state,
            (await liveSessions()).source,
            target,
            sourceSpec,
            plan,
            each,
            options.logger,
          );
        else if (inSnapshot?.consistent) {
          const checked = await verifyInSync(
            {
              state,
              source: inSnapshot.source,
              target,
              schema: plan.targetSchema,
              syncRunId: inSnapshot.runId,
            },
            plan,
            each,
          );
          verdict = checked.verdict;
          if (checked.proof) proofs.set(plan.name, checked.proof);
        } else
          verdict = await verifyLive(
            { state, ...(await liveSessions()), target, schema: plan.targetSchema },
            plan,
            {
              ...each,
              // After a sync whose readers saw several snapshots: as of that sync.
              atSnapshot: options.atSnapshot ?? inSnapshot !== undefined,
            },
          );
      } finally {
        progress?.end(plan.name);
      }
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
    report.runId = await state.verifyRuns.store(target, {
      targetSchema: schema,
      ...report,
      streams: streams.map((s) => ({ ...s, proof: proofs.get(s.stream) })),
    });
    await Promise.all(own.splice(0).map((c) => c.end()));
    return report;
  } catch (error) {
    // A failed comparison may leave a result half read; end() would wait for it forever.
    for (const c of own) c.destroy();
    throw error;
  } finally {
    await target?.end().catch(() => undefined);
  }
}
