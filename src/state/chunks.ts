// Progress of a full refresh (table family chunks): one row per primary-key range copied into the
// staging table, committed with the range's rows, so a killed load resumes where it stopped.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { StreamKey } from './streams.js';

/** The load a chunk belongs to: the stream and its staging table. */
export interface StagedLoadKey extends StreamKey {
  staging: string;
}

export interface ChunkRecord extends StagedLoadKey {
  chunk: number;
  lower: string | null;
  upper: string | null;
  rows: number;
  runId: number;
  /** The high-water mark of the run's snapshot (incremental streams loaded in full), else null. */
  cursorMark: string | null;
}

export interface DoneChunk {
  chunk: number;
  lower: string | null;
  upper: string | null;
  rows: number;
  runId: number;
}

export type ChunksTable = ReturnType<typeof chunksTable>;

export function chunksTable(schema: string) {
  const chunks = qualifiedPg(schema, 'chunks');
  return {
    async done(db: Queryable, load: StagedLoadKey): Promise<DoneChunk[]> {
      const { rows } = await db.query<{
        chunk: number;
        lower_bound: string | null;
        upper_bound: string | null;
        rows: string;
        run_id: string;
      }>(
        `SELECT chunk, lower_bound, upper_bound, rows, run_id FROM ${chunks}
          WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3 ORDER BY chunk`,
        [load.targetSchema, load.table, load.staging],
      );
      return rows.map((r) => ({
        chunk: r.chunk,
        lower: r.lower_bound,
        upper: r.upper_bound,
        rows: Number(r.rows),
        runId: Number(r.run_id),
      }));
    },

    async record(db: Queryable, c: ChunkRecord): Promise<void> {
      await db.query(
        `INSERT INTO ${chunks} (target_schema, target_table, staging_table, chunk, lower_bound, upper_bound, rows, run_id, cursor_mark)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [c.targetSchema, c.table, c.staging, c.chunk, c.lower, c.upper, c.rows, c.runId, c.cursorMark],
      );
    },

    /**
     * The cursor mark of the oldest run whose chunks a resumed load kept: rows changed after that
     * run's snapshot may sit in those chunks with their older values, so the next incremental run
     * starts there. undefined when no chunk is recorded.
     */
    async earliestMark(db: Queryable, load: StagedLoadKey): Promise<string | null | undefined> {
      const { rows } = await db.query<{ cursor_mark: string | null }>(
        `SELECT cursor_mark FROM ${chunks} WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3 ORDER BY run_id LIMIT 1`,
        [load.targetSchema, load.table, load.staging],
      );
      return rows.length === 0 ? undefined : rows[0]!.cursor_mark;
    },

    /** The runs whose chunks the stream's current load holds (a resumed load spans several). */
    async runsOf(db: Queryable, key: StreamKey): Promise<number[]> {
      const { rows } = await db.query<{ run_id: string }>(
        `SELECT DISTINCT run_id FROM ${chunks} WHERE target_schema = $1 AND target_table = $2`,
        [key.targetSchema, key.table],
      );
      return rows.map((r) => Number(r.run_id));
    },

    async forget(db: Queryable, key: StreamKey): Promise<void> {
      await db.query(`DELETE FROM ${chunks} WHERE target_schema = $1 AND target_table = $2`, [
        key.targetSchema,
        key.table,
      ]);
    },
  };
}
