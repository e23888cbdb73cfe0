// The run history of copies (table family runs + stream_runs): one row per run of sync, replay or a
// Spark copy (and, from change data capture on, per streaming session), and one per stream of a run.
// A running run's process holds an advisory lock named for the run, so a later process can tell a
// run whose process died (kill -9, a lost machine) from one still going, without a shared schema lock.
import { createHash } from 'node:crypto';
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';

export type RunKind = 'sync' | 'quarantine_replay' | 'cdc' | 'repair';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface SnapshotPosition {
  file: string | null;
  position: number | null;
  gtid: string | null;
}

export interface NewRun {
  kind: RunKind;
  targetSchema: string;
  engine: 'ferry' | 'spark';
  binlog?: SnapshotPosition | undefined;
  host: string;
  pid: number;
}

export interface RunEnd {
  status: Exclude<RunStatus, 'running'>;
  summary: unknown;
  error?: string | undefined;
}

export interface StreamRunRecord {
  runId: number;
  targetSchema: string;
  table: string;
  mode: string;
  /** source_missing: the stream's source table is gone (sync.missing_tables said what happened). */
  status: 'succeeded' | 'failed' | 'running' | 'source_missing';
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  valuesNulled: number;
  rowsDeleted: number;
  bytes: number;
  startedAt: Date;
  error?: string | undefined;
}

/** The counters of a stream that copied nothing (it failed before, or its source is gone). */
export const NOTHING_COPIED = {
  rowsRead: 0,
  rowsLoaded: 0,
  rowsQuarantined: 0,
  valuesNulled: 0,
  rowsDeleted: 0,
  bytes: 0,
} as const;

export interface RunRecord {
  runId: number;
  kind: RunKind;
  targetSchema: string;
  status: RunStatus;
  engine: string;
  startedAt: Date;
  finishedAt: Date | null;
  binlog: SnapshotPosition;
  error: string | null;
  summary: unknown;
}

export interface StreamRunRow {
  runId: number;
  table: string;
  mode: string;
  status: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  rowsDeleted: number;
  bytes: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export type RunsTable = ReturnType<typeof runsTable>;

export function runsTable(schema: string) {
  const runs = qualifiedPg(schema, 'runs');
  const streamRuns = qualifiedPg(schema, 'stream_runs');
  const runLock = (runId: number) =>
    createHash('sha256').update(`ferry run ${schema}/${runId}`).digest().readBigInt64BE(0).toString();

  return {
    /** Records a new running run; the caller's session then holds the run's lock (hold()). */
    async start(db: Queryable, run: NewRun): Promise<number> {
      const { rows } = await db.query<{ run_id: string }>(
        `INSERT INTO ${runs} (kind, target_schema, engine, binlog_file, binlog_position, gtid, host, pid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING run_id`,
        [
          run.kind,
          run.targetSchema,
          run.engine,
          run.binlog?.file ?? null,
          run.binlog?.position ?? null,
          run.binlog?.gtid ?? null,
          run.host,
          run.pid,
        ],
      );
      const runId = Number(rows[0]!.run_id);
      await db.query('SELECT pg_advisory_lock($1::bigint)', [runLock(runId)]);
      return runId;
    },

    /** Records how the run ended and lets go of its lock. */
    async finish(db: Queryable, runId: number, end: RunEnd): Promise<void> {
      await db.query(
        `UPDATE ${runs} SET finished_at = now(), status = $2, summary = $3, error = $4 WHERE run_id = $1`,
        [runId, end.status, JSON.stringify(end.summary), end.error ?? null],
      );
      await db.query('SELECT pg_advisory_unlock($1::bigint)', [runLock(runId)]);
    },

    /**
     * Closes as interrupted every run of a target schema still marked running whose process is
     * gone: its run lock is free. A run of this very session is never closed (advisory locks are
     * re-entrant within a session), so call it from a session that holds no run.
     */
    async closeAbandoned(db: Queryable, targetSchema: string): Promise<number[]> {
      const { rows } = await db.query<{ run_id: string }>(
        `SELECT run_id FROM ${runs} WHERE target_schema = $1 AND status = 'running' ORDER BY run_id`,
        [targetSchema],
      );
      const closed: number[] = [];
      for (const row of rows) {
        const runId = Number(row.run_id);
        const free = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
          runLock(runId),
        ]);
        if (!free.rows[0]?.ok) continue;
        try {
          await db.query(
            `UPDATE ${runs} SET status = 'interrupted', finished_at = now(),
               error = 'the process stopped without finishing the run (killed?); a later run took over'
             WHERE run_id = $1 AND status = 'running'`,
            [runId],
          );
          await db.query(
            `UPDATE ${streamRuns} SET status = 'failed', finished_at = now(), error = 'interrupted: the process stopped'
              WHERE run_id = $1 AND status = 'running'`,
            [runId],
          );
          closed.push(runId);
        } finally {
          await db.query('SELECT pg_advisory_unlock($1::bigint)', [runLock(runId)]);
        }
      }
      return closed;
    },

    async read(db: Queryable, runId: number): Promise<RunRecord | undefined> {
      const { rows } = await db.query<RawRun>(`SELECT * FROM ${runs} WHERE run_id = $1`, [runId]);
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async recent(db: Queryable, targetSchema: string, limit: number): Promise<RunRecord[]> {
      const { rows } = await db.query<RawRun>(
        `SELECT * FROM ${runs} WHERE target_schema = $1 ORDER BY run_id DESC LIMIT $2`,
        [targetSchema, limit],
      );
      return rows.map(toRun);
    },

    /** One stream of a run: inserted, or updated as it goes on (counters, status). */
    async recordStream(db: Queryable, r: StreamRunRecord): Promise<void> {
      await db.query(
        `INSERT INTO ${streamRuns} (run_id, target_schema, target_table, mode, status, rows_read, rows_loaded, rows_quarantined, values_nulled, rows_deleted, bytes, started_at, finished_at, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $5 = 'running' THEN NULL ELSE now() END, $13)
         ON CONFLICT (run_id, target_schema, target_table) DO UPDATE SET status = EXCLUDED.status, rows_read = EXCLUDED.rows_read,
           rows_loaded = EXCLUDED.rows_loaded, rows_quarantined = EXCLUDED.rows_quarantined, values_nulled = EXCLUDED.values_nulled,
           rows_deleted = EXCLUDED.rows_deleted, bytes = EXCLUDED.bytes, finished_at = EXCLUDED.finished_at, error = EXCLUDED.error`,
        [
          r.runId,
          r.targetSchema,
          r.table,
          r.mode,
          r.status,
          r.rowsRead,
          r.rowsLoaded,
          r.rowsQuarantined,
          r.valuesNulled,
          r.rowsDeleted,
          r.bytes,
          r.startedAt,
          r.error ?? null,
        ],
      );
    },

    async streamsOf(db: Queryable, runId: number): Promise<StreamRunRow[]> {
      const { rows } = await db.query<RawStreamRun>(
        `SELECT * FROM ${streamRuns} WHERE run_id = $1 ORDER BY target_table`,
        [runId],
      );
      return rows.map(toStreamRun);
    },

    /** Whether the process of a running run is still there (it holds the run's lock). */
    async isAlive(db: Queryable, runId: number): Promise<boolean> {
      const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        runLock(runId),
      ]);
      if (!rows[0]?.ok) return true;
      await db.query('SELECT pg_advisory_unlock($1::bigint)', [runLock(runId)]);
      return false;
    },

    /** Per stream of a target schema: its latest stream run, and when it last succeeded. */
    async latestByStream(
      db: Queryable,
      targetSchema: string | readonly string[],
    ): Promise<Map<string, { last: StreamRunRow; lastSuccessAt: Date | null }>> {
      const { rows } = await db.query<RawStreamRun & { last_success_at: Date | null }>(
        `SELECT DISTINCT ON (target_table) *,
                (SELECT max(finished_at) FROM ${streamRuns} s WHERE s.target_schema = r.target_schema
                    AND s.target_table = r.target_table AND s.status = 'succeeded') AS last_success_at
           FROM ${streamRuns} r WHERE target_schema = ANY($1) ORDER BY target_table, run_id DESC`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema],
      );
      return new Map(
        rows.map((r) => [r.target_table, { last: toStreamRun(r), lastSuccessAt: r.last_success_at }]),
      );
    },

    /** The running runs of a kind whose process is alive. */
    async liveRuns(db: Queryable, targetSchema: string, kind: RunKind): Promise<number[]> {
      const { rows } = await db.query<{ run_id: string }>(
        `SELECT run_id FROM ${runs} WHERE target_schema = $1 AND kind = $2 AND status = 'running'`,
        [targetSchema, kind],
      );
      const alive: number[] = [];
      for (const r of rows) if (await this.isAlive(db, Number(r.run_id))) alive.push(Number(r.run_id));
      return alive;
    },

    /** A stream's runs, newest first. */
    async historyOf(
      db: Queryable,
      targetSchema: string,
      table: string,
      limit: number,
    ): Promise<StreamRunRow[]> {
      const { rows } = await db.query<RawStreamRun>(
        `SELECT * FROM ${streamRuns} WHERE target_schema = $1 AND target_table = $2 ORDER BY run_id DESC LIMIT $3`,
        [targetSchema, table, limit],
      );
      return rows.map(toStreamRun);
    },

    /** Each stream of these target schemas: its latest run, its last success, rows loaded over all runs. */
    async streamSummaries(db: Queryable, targetSchema: string | readonly string[]): Promise<StreamSummary[]> {
      const { rows } = await db.query<
        RawStreamRun & { last_success: Date | null; rows_loaded_total: string; runs: string }
      >(
        `SELECT l.*, s.last_success, s.rows_loaded_total, s.runs
           FROM (SELECT DISTINCT ON (target_table) * FROM ${streamRuns} WHERE target_schema = ANY($1)
                  ORDER BY target_table, run_id DESC) l
           JOIN (SELECT target_table, max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success,
                        sum(rows_loaded) AS rows_loaded_total, count(*) AS runs
                   FROM ${streamRuns} WHERE target_schema = ANY($1) GROUP BY 1) s USING (target_table)
          ORDER BY l.target_table`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema],
      );
      return rows.map((r) => ({
        latest: toStreamRun(r),
        lastSuccessAt: r.last_success,
        rowsLoadedTotal: Number(r.rows_loaded_total),
        runs: Number(r.runs),
      }));
    },
  };
}

export interface StreamSummary {
  latest: StreamRunRow;
  lastSuccessAt: Date | null;
  rowsLoadedTotal: number;
  runs: number;
}

interface RawRun {
  run_id: string;
  kind: RunKind;
  target_schema: string;
  status: RunStatus;
  engine: string;
  started_at: Date;
  finished_at: Date | null;
  binlog_file: string | null;
  binlog_position: string | null;
  gtid: string | null;
  error: string | null;
  summary: unknown;
}

const toRun = (r: RawRun): RunRecord => ({
  runId: Number(r.run_id),
  kind: r.kind,
  targetSchema: r.target_schema,
  status: r.status,
  engine: r.engine,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  binlog: {
    file: r.binlog_file,
    position: r.binlog_position === null ? null : Number(r.binlog_position),
    gtid: r.gtid,
  },
  error: r.error,
  summary: r.summary,
});

interface RawStreamRun {
  run_id: string;
  target_table: string;
  mode: string;
  status: string;
  rows_read: string;
  rows_loaded: string;
  rows_quarantined: string;
  rows_deleted: string;
  bytes: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

const toStreamRun = (r: RawStreamRun): StreamRunRow => ({
  runId: Number(r.run_id),
  table: r.target_table,
  mode: r.mode,
  status: r.status,
  rowsRead: Number(r.rows_read),
  rowsLoaded: Number(r.rows_loaded),
  rowsQuarantined: Number(r.rows_quarantined),
  rowsDeleted: Number(r.rows_deleted),
  bytes: Number(r.bytes),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});
