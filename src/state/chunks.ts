// Progress of a full refresh (table family chunks): the load's chunk plan, recorded when its staging
// table is made, so a rerun cuts the same ranges; and one row per primary-key range copied into the
// staging table, committed with the range's rows, so a killed load resumes where it stopped.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { CursorHole, StreamKey } from './streams.js';

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
  /** Holes of a numeric cursor the chunk's snapshot had in its range (see CursorHole). */
  holes?: readonly CursorHole[] | undefined;
}

/** One planned range: key >= lower and key < upper (null: unbounded). */
export interface PlannedChunk {
  index: number;
  lower: string | null;
  upper: string | null;
}

export interface ChunkPlan {
  /** The run that planned it. */
  runId: number;
  chunks: PlannedChunk[];
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
  const plans = qualifiedPg(schema, 'chunk_plans');
  return {
    /** The chunk plan recorded for a staged load, if any. */
    async plan(db: Queryable, load: StagedLoadKey): Promise<ChunkPlan | undefined> {
      const { rows } = await db.query<{ run_id: string; chunks: PlannedChunk[] }>(
        `SELECT run_id, chunks FROM ${plans} WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3`,
        [load.targetSchema, load.table, load.staging],
      );
      return rows[0] ? { runId: Number(rows[0].run_id), chunks: rows[0].chunks } : undefined;
    },

    /** Records the plan of a load whose staging table was just made (replacing any earlier one). */
    async savePlan(db: Queryable, load: StagedLoadKey, plan: ChunkPlan): Promise<void> {
      await db.query(
        `INSERT INTO ${plans} (target_schema, target_table, staging_table, run_id, chunks) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (target_schema, target_table, staging_table) DO UPDATE SET run_id = EXCLUDED.run_id, chunks = EXCLUDED.chunks, planned_at = now()`,
        [load.targetSchema, load.table, load.staging, plan.runId, JSON.stringify(plan.chunks)],
      );
    },

    /** The holes the finished chunks of a load recorded. */
    async holes(db: Queryable, load: StagedLoadKey): Promise<CursorHole[]> {
      const { rows } = await db.query<{ h: CursorHole }>(
        `SELECT jsonb_array_elements(cursor_holes) AS h FROM ${chunks}
          WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3 ORDER BY chunk`,
        [load.targetSchema, load.table, load.staging],
      );
      return rows.map((r) => r.h);
    },

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
        `INSERT INTO ${chunks} (target_schema, target_table, staging_table, chunk, lower_bound, upper_bound, rows, run_id, cursor_mark, cursor_holes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
        [
          c.targetSchema,
          c.table,
          c.staging,
          c.chunk,
          c.lower,
          c.upper,
          c.rows,
          c.runId,
          c.cursorMark,
          JSON.stringify(c.holes ?? []),
        ],
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

    /** The streams of these schemas with a load in progress: chunks copied or a chunk plan. */
    async inProgress(
      db: Queryable,
      schemas: readonly string[],
    ): Promise<Array<StreamKey & { chunks: number; rows: number }>> {
      const { rows } = await db.query<{ target_schema: string; target_table: string; n: number; r: string }>(
        `SELECT target_schema, target_table, count(c.chunk)::int AS n, coalesce(sum(c.rows), 0)::text AS r
           FROM (SELECT target_schema, target_table FROM ${plans} UNION SELECT target_schema, target_table FROM ${chunks}) k
           LEFT JOIN ${chunks} c USING (target_schema, target_table)
          WHERE target_schema = ANY($1)
          GROUP BY target_schema, target_table ORDER BY target_schema, target_table`,
        [schemas],
      );
      return rows.map((r) => ({
        targetSchema: r.target_schema,
        table: r.target_table,
        chunks: r.n,
        rows: Number(r.r),
      }));
    },

    /** Forgets a stream's load progress and chunk plan (the load was put in place, or starts over). */
    async forget(db: Queryable, key: StreamKey): Promise<void> {
      for (const table of [chunks, plans])
        await db.query(`DELETE FROM ${table} WHERE target_schema = $1 AND target_table = $2`, [
          key.targetSchema,
          key.table,
        ]);
    },
  };
}
