// ferry's state in the target's `_ferry` schema: runs, per-stream state, chunk progress, quarantined
// rows and values changed by a policy. Writers take the client of the transaction that writes the
// data the state describes, so both commit together.
import type { SetAsideRow, ValueChange } from '../../schema/row-outcome.js';
import type { PgClient } from './connect.js';

export const STATE_SCHEMA = '_ferry';

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS "_ferry"`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."runs" (
     run_id bigserial PRIMARY KEY,
     kind text NOT NULL DEFAULT 'sync',
     target_schema text NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz,
     status text NOT NULL DEFAULT 'running',
     binlog_file text,
     binlog_position bigint,
     gtid text,
     host text,
     pid integer,
     error text,
     summary jsonb)`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."streams" (
     target_schema text NOT NULL,
     target_table text NOT NULL,
     source_table text NOT NULL,
     mode text NOT NULL,
     cursor_column text,
     high_water text,
     binlog_file text,
     binlog_position bigint,
     last_run_id bigint,
     rows_total bigint,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (target_schema, target_table))`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."stream_runs" (
     run_id bigint NOT NULL,
     target_schema text NOT NULL,
     target_table text NOT NULL,
     mode text NOT NULL,
     status text NOT NULL,
     rows_read bigint NOT NULL DEFAULT 0,
     rows_loaded bigint NOT NULL DEFAULT 0,
     rows_quarantined bigint NOT NULL DEFAULT 0,
     values_nulled bigint NOT NULL DEFAULT 0,
     rows_deleted bigint NOT NULL DEFAULT 0,
     bytes bigint NOT NULL DEFAULT 0,
     started_at timestamptz NOT NULL,
     finished_at timestamptz,
     error text,
     PRIMARY KEY (run_id, target_schema, target_table))`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."chunks" (
     target_schema text NOT NULL,
     target_table text NOT NULL,
     staging_table text NOT NULL,
     chunk integer NOT NULL,
     lower_bound text,
     upper_bound text,
     rows bigint NOT NULL,
     run_id bigint NOT NULL,
     done_at timestamptz NOT NULL DEFAULT now(),
     cursor_mark text,
     PRIMARY KEY (target_schema, target_table, staging_table, chunk))`,
  // cursor_mark came later; added only when missing (see the quarantine columns below for why).
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '"_ferry"."chunks"'::regclass AND attname = 'cursor_mark') THEN
       ALTER TABLE "_ferry"."chunks" ADD COLUMN IF NOT EXISTS cursor_mark text;
     END IF;
   END $$`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."quarantine" (
     id bigserial PRIMARY KEY,
     stream text NOT NULL,
     target_schema text NOT NULL,
     run_id bigint NOT NULL,
     primary_key jsonb,
     "row" jsonb NOT NULL,
     reason text NOT NULL,
     quarantined_at timestamptz NOT NULL DEFAULT now())`,
  // Failed checks and reason codes (docs/quality.md); row_form: 'source' (values as read from MySQL)
  // or 'target' (to_jsonb of the loaded row, for duplicates removed after loading).
  // Only when missing: ALTER TABLE locks the table even when it has nothing to do, which would make a
  // starting run wait for every open transaction that quarantined rows.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '"_ferry"."quarantine"'::regclass AND attname = 'last_replay_at') THEN
       ALTER TABLE "_ferry"."quarantine"
         ADD COLUMN IF NOT EXISTS failures jsonb NOT NULL DEFAULT '[]',
         ADD COLUMN IF NOT EXISTS row_form text NOT NULL DEFAULT 'source',
         ADD COLUMN IF NOT EXISTS replay_attempts integer NOT NULL DEFAULT 0,
         ADD COLUMN IF NOT EXISTS last_replay_at timestamptz;
       CREATE INDEX IF NOT EXISTS quarantine_stream ON "_ferry"."quarantine" (target_schema, stream);
     END IF;
   END $$`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."quarantine_log" (
     id bigint NOT NULL,
     stream text NOT NULL,
     target_schema text NOT NULL,
     run_id bigint NOT NULL,
     primary_key jsonb,
     "row" jsonb NOT NULL,
     reason text NOT NULL,
     failures jsonb NOT NULL,
     row_form text NOT NULL,
     quarantined_at timestamptz NOT NULL,
     resolution text NOT NULL,
     resolved_run_id bigint,
     resolved_at timestamptz NOT NULL DEFAULT now(),
     note text)`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."value_changes" (
     id bigserial PRIMARY KEY,
     stream text NOT NULL,
     target_schema text NOT NULL,
     run_id bigint NOT NULL,
     primary_key jsonb,
     "column" text NOT NULL,
     original text,
     action text NOT NULL,
     reason text NOT NULL,
     changed_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."locks" (
     lock_key bigint PRIMARY KEY,
     holder text NOT NULL,
     acquired_at timestamptz NOT NULL DEFAULT now())`,
];

/** Creates the state tables when missing; safe to call concurrently (serialised by an advisory lock). */
export async function ensureStateSchema(client: PgClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock(7361001)');
  try {
    for (const sql of DDL) await client.query(sql);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7361001)');
  }
}

export interface StreamState {
  mode: string;
  cursorColumn: string | null;
  highWater: string | null;
  lastRunId: number | null;
}

export async function readStreamState(
  client: PgClient,
  schema: string,
  table: string,
): Promise<StreamState | undefined> {
  const { rows } = await client.query<{
    mode: string;
    cursor_column: string | null;
    high_water: string | null;
    last_run_id: string | null;
  }>(
    `SELECT mode, cursor_column, high_water, last_run_id FROM "_ferry"."streams" WHERE target_schema = $1 AND target_table = $2`,
    [schema, table],
  );
  const row = rows[0];
  return row
    ? {
        mode: row.mode,
        cursorColumn: row.cursor_column,
        highWater: row.high_water,
        lastRunId: row.last_run_id === null ? null : Number(row.last_run_id),
      }
    : undefined;
}

export interface StreamStateUpdate {
  schema: string;
  table: string;
  sourceTable: string;
  mode: string;
  cursorColumn: string | null;
  highWater: string | null;
  binlogFile: string | null;
  binlogPosition: number | null;
  runId: number;
  rowsTotal: number | null;
}

export async function writeStreamState(client: PgClient, s: StreamStateUpdate): Promise<void> {
  await client.query(
    `INSERT INTO "_ferry"."streams" (target_schema, target_table, source_table, mode, cursor_column, high_water, binlog_file, binlog_position, last_run_id, rows_total, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (target_schema, target_table) DO UPDATE SET
       source_table = EXCLUDED.source_table, mode = EXCLUDED.mode, cursor_column = EXCLUDED.cursor_column,
       high_water = EXCLUDED.high_water, binlog_file = EXCLUDED.binlog_file, binlog_position = EXCLUDED.binlog_position,
       last_run_id = EXCLUDED.last_run_id, rows_total = COALESCE(EXCLUDED.rows_total, "_ferry"."streams".rows_total), updated_at = now()`,
    [
      s.schema,
      s.table,
      s.sourceTable,
      s.mode,
      s.cursorColumn,
      s.highWater,
      s.binlogFile,
      s.binlogPosition,
      s.runId,
      s.rowsTotal,
    ],
  );
}

export interface StreamRunRecord {
  runId: number;
  schema: string;
  table: string;
  mode: string;
  status: 'succeeded' | 'failed';
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  valuesNulled: number;
  rowsDeleted: number;
  bytes: number;
  startedAt: Date;
  error?: string;
}

export async function recordStreamRun(client: PgClient, r: StreamRunRecord): Promise<void> {
  await client.query(
    `INSERT INTO "_ferry"."stream_runs" (run_id, target_schema, target_table, mode, status, rows_read, rows_loaded, rows_quarantined, values_nulled, rows_deleted, bytes, started_at, finished_at, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now(), $13)
     ON CONFLICT (run_id, target_schema, target_table) DO UPDATE SET status = EXCLUDED.status, rows_read = EXCLUDED.rows_read,
       rows_loaded = EXCLUDED.rows_loaded, rows_quarantined = EXCLUDED.rows_quarantined, values_nulled = EXCLUDED.values_nulled,
       rows_deleted = EXCLUDED.rows_deleted, bytes = EXCLUDED.bytes, finished_at = now(), error = EXCLUDED.error`,
    [
      r.runId,
      r.schema,
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
}

/**
 * Starts a run record. Called under the schema's sync lock, so a run of this schema still marked
 * running was killed (kill -9, a lost machine): it is closed as interrupted first.
 */
export async function startRun(
  client: PgClient,
  schema: string,
  binlog: { file: string | null; position: number | null; gtid: string | null },
  host: string,
): Promise<number> {
  await client.query(
    `UPDATE "_ferry"."runs" SET status = 'interrupted', finished_at = now(), error = 'the process stopped without finishing the run (killed?); a later run took over'
      WHERE target_schema = $1 AND kind = 'sync' AND status = 'running'`,
    [schema],
  );
  const { rows } = await client.query<{ run_id: string }>(
    `INSERT INTO "_ferry"."runs" (target_schema, binlog_file, binlog_position, gtid, host, pid) VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id`,
    [schema, binlog.file, binlog.position, binlog.gtid, host, process.pid],
  );
  return Number(rows[0]!.run_id);
}

export async function finishRun(
  client: PgClient,
  runId: number,
  status: 'succeeded' | 'failed' | 'interrupted',
  summary: unknown,
  error?: string,
): Promise<void> {
  await client.query(
    `UPDATE "_ferry"."runs" SET finished_at = now(), status = $2, summary = $3, error = $4 WHERE run_id = $1`,
    [runId, status, JSON.stringify(summary), error ?? null],
  );
}

export interface ChunkRecord {
  chunk: number;
  rows: number;
}

export async function finishedChunks(
  client: PgClient,
  schema: string,
  table: string,
  staging: string,
): Promise<Map<number, number>> {
  const { rows } = await client.query<{ chunk: number; rows: string }>(
    `SELECT chunk, rows FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3`,
    [schema, table, staging],
  );
  return new Map(rows.map((r) => [r.chunk, Number(r.rows)]));
}

export async function recordChunk(
  client: PgClient,
  schema: string,
  table: string,
  staging: string,
  chunk: number,
  lower: string | null,
  upper: string | null,
  rows: number,
  runId: number,
  cursorMark: string | null = null,
): Promise<void> {
  await client.query(
    `INSERT INTO "_ferry"."chunks" (target_schema, target_table, staging_table, chunk, lower_bound, upper_bound, rows, run_id, cursor_mark) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [schema, table, staging, chunk, lower, upper, rows, runId, cursorMark],
  );
}

/**
 * The cursor mark of the oldest run whose chunks a resumed load kept: rows changed after that run's
 * snapshot may sit in those chunks with their older values, so the next incremental run starts there.
 */
export async function earliestChunkMark(
  client: PgClient,
  schema: string,
  table: string,
  staging: string,
): Promise<string | null | undefined> {
  const { rows } = await client.query<{ cursor_mark: string | null }>(
    `SELECT cursor_mark FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3 ORDER BY run_id LIMIT 1`,
    [schema, table, staging],
  );
  return rows.length === 0 ? undefined : rows[0]!.cursor_mark;
}

export async function forgetChunks(client: PgClient, schema: string, table: string): Promise<void> {
  await client.query(`DELETE FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = $2`, [
    schema,
    table,
  ]);
}

export async function quarantineRows(
  client: PgClient,
  stream: string,
  schema: string,
  runId: number,
  rows: readonly SetAsideRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO "_ferry"."quarantine" (stream, target_schema, run_id, primary_key, "row", reason, failures)
     SELECT $1, $2, $3, q.pk, q.r, q.reason, q.f FROM jsonb_to_recordset($4::jsonb) AS q(pk jsonb, r jsonb, reason text, f jsonb)`,
    [
      stream,
      schema,
      runId,
      JSON.stringify(rows.map((r) => ({ pk: r.primaryKey, r: r.row, reason: r.reason, f: r.failures }))),
    ],
  );
}

export async function recordValueChanges(
  client: PgClient,
  stream: string,
  schema: string,
  runId: number,
  changes: readonly ValueChange[],
): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO "_ferry"."value_changes" (stream, target_schema, run_id, primary_key, "column", original, action, reason)
     SELECT $1, $2, $3, c.pk, c.col, c.original, 'set_null', c.reason FROM jsonb_to_recordset($4::jsonb) AS c(pk jsonb, col text, original text, reason text)`,
    [
      stream,
      schema,
      runId,
      JSON.stringify(
        changes.map((c) => ({ pk: c.primaryKey, col: c.column, original: c.original, reason: c.reason })),
      ),
    ],
  );
}
