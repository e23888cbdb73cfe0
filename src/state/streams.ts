// Per-stream replication state (table family streams): the mode it was last loaded in, the cursor's
// high-water mark and the holes below it still re-read (numeric cursors), the binlog position of the
// snapshot it was loaded from, and the last run. Written in the same transaction as the rows it
// describes.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { SnapshotPosition } from './runs.js';

/** A stream's identity in ferry's state: its target table. */
export interface StreamKey {
  targetSchema: string;
  table: string;
}

/**
 * Values of a numeric cursor below the mark that no committed row had in the snapshot that saw them
 * (an auto-increment id of a transaction still open, or of a rolled-back insert): every value
 * strictly between `after` and `before`. Re-read by each run until no transaction that could still
 * commit into it is open.
 */
export interface CursorHole {
  after: string;
  before: string;
  /** The source's clock (epoch seconds) when the snapshot that first saw it was open. */
  seenAt: number;
}

export interface StreamState {
  mode: string;
  sourceTable: string;
  cursorColumn: string | null;
  highWater: string | null;
  holes: CursorHole[];
  binlog: SnapshotPosition;
  lastRunId: number | null;
  rowsTotal: number | null;
  updatedAt: Date;
  /** Change data capture: the source time of the last change applied, and why the stream last stopped. */
  lastEventAt: Date | null;
  lastError: string | null;
}

export interface StreamStateUpdate extends StreamKey {
  sourceTable: string;
  mode: string;
  cursorColumn: string | null;
  highWater: string | null;
  /** Holes below the mark (numeric cursors); none when omitted. */
  holes?: readonly CursorHole[] | undefined;
  binlog: SnapshotPosition;
  runId: number;
  /** Rows in the target after this run, when known; null keeps the last known count. */
  rowsTotal: number | null;
}

export type StreamsTable = ReturnType<typeof streamsTable>;

export function streamsTable(schema: string) {
  const streams = qualifiedPg(schema, 'streams');
  return {
    async read(db: Queryable, key: StreamKey): Promise<StreamState | undefined> {
      const { rows } = await db.query<RawStream>(
        `SELECT * FROM ${streams} WHERE target_schema = $1 AND target_table = $2`,
        [key.targetSchema, key.table],
      );
      return rows[0] ? toState(rows[0]) : undefined;
    },

    /** The streams of a target schema, or of several (a project whose streams name their own). */
    async list(
      db: Queryable,
      targetSchema: string | readonly string[],
    ): Promise<(StreamState & StreamKey)[]> {
      const { rows } = await db.query<RawStream>(
        `SELECT * FROM ${streams} WHERE target_schema = ANY($1::text[]) ORDER BY target_table, target_schema`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema],
      );
      return rows.map((r) => ({ ...toState(r), targetSchema: r.target_schema, table: r.target_table }));
    },

    async write(db: Queryable, s: StreamStateUpdate): Promise<void> {
      await db.query(
        `INSERT INTO ${streams} (target_schema, target_table, source_table, mode, cursor_column, high_water, cursor_holes, binlog_file, binlog_position, binlog_gtid, last_run_id, rows_total, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $12::jsonb, $7, $8, $9, $10, $11, now())
         ON CONFLICT (target_schema, target_table) DO UPDATE SET
           source_table = EXCLUDED.source_table, mode = EXCLUDED.mode, cursor_column = EXCLUDED.cursor_column,
           high_water = EXCLUDED.high_water, cursor_holes = EXCLUDED.cursor_holes, binlog_file = EXCLUDED.binlog_file, binlog_position = EXCLUDED.binlog_position,
           binlog_gtid = EXCLUDED.binlog_gtid, last_run_id = EXCLUDED.last_run_id,
           rows_total = COALESCE(EXCLUDED.rows_total, ${streams}.rows_total), last_error = NULL, updated_at = now()`,
        [
          s.targetSchema,
          s.table,
          s.sourceTable,
          s.mode,
          s.cursorColumn,
          s.highWater,
          s.binlog.file,
          s.binlog.position,
          s.binlog.gtid,
          s.runId,
          s.rowsTotal,
          JSON.stringify(s.holes ?? []),
        ],
      );
    },

    /**
     * Moves the checkpoint of change-data-capture streams: the source position their tables now
     * reflect, in the transaction that applied the changes up to it.
     */
    async advance(
      db: Queryable,
      targetSchema: string,
      tables: readonly string[],
      to: { position: SnapshotPosition; lastEventAt: Date | null; runId: number },
    ): Promise<void> {
      if (tables.length === 0) return;
      await db.query(
        `UPDATE ${streams} SET binlog_file = $3, binlog_position = $4, binlog_gtid = $5,
                last_event_at = coalesce($6, last_event_at), last_run_id = $7, last_error = NULL, updated_at = now()
          WHERE target_schema = $1 AND target_table = ANY($2::text[])`,
        [
          targetSchema,
          tables,
          to.position.file,
          to.position.position,
          to.position.gtid,
          to.lastEventAt,
          to.runId,
        ],
      );
    },

    /** Records why a stream stopped (shown by ferry status until it runs again). */
    async recordError(db: Queryable, key: StreamKey, error: string): Promise<void> {
      await db.query(
        `UPDATE ${streams} SET last_error = $3, updated_at = now() WHERE target_schema = $1 AND target_table = $2`,
        [key.targetSchema, key.table, error],
      );
    },

    /** Forgets a stream's state, so its next sync starts over. */
    async forget(db: Queryable, key: StreamKey): Promise<boolean> {
      const { rowCount } = await db.query(
        `DELETE FROM ${streams} WHERE target_schema = $1 AND target_table = $2`,
        [key.targetSchema, key.table],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}

interface RawStream {
  target_schema: string;
  target_table: string;
  source_table: string;
  mode: string;
  cursor_column: string | null;
  high_water: string | null;
  cursor_holes: CursorHole[] | null;
  binlog_file: string | null;
  binlog_position: string | null;
  binlog_gtid: string | null;
  last_run_id: string | null;
  rows_total: string | null;
  updated_at: Date;
  last_event_at?: Date | null;
  last_error?: string | null;
}

const toState = (r: RawStream): StreamState => ({
  mode: r.mode,
  sourceTable: r.source_table,
  cursorColumn: r.cursor_column,
  highWater: r.high_water,
  holes: r.cursor_holes ?? [],
  binlog: {
    file: r.binlog_file,
    position: r.binlog_position === null ? null : Number(r.binlog_position),
    gtid: r.binlog_gtid,
  },
  lastRunId: r.last_run_id === null ? null : Number(r.last_run_id),
  rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
  updatedAt: r.updated_at,
  lastEventAt: r.last_event_at ?? null,
  lastError: r.last_error ?? null,
});
