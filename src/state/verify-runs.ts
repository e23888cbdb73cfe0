// Verify history (table family verify_runs + verify_streams): one row per `ferry verify` run and one
// per stream it compared, with the sample keys and notes, for `ferry status` and the web UI.
import type { PgSession, Queryable } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { qualifiedPg } from '../schema/identifiers.js';

export interface VerifyStreamRecord {
  stream: string;
  status: string;
  sourceRows: number;
  targetRows: number;
  missing: number;
  extra: number;
  different: number;
  expected: number;
  inFlight: number;
  samples: unknown;
  notes: unknown;
}

export interface VerifyRunRecord {
  targetSchema: string;
  inSync: boolean;
  seconds: number;
  streams: readonly VerifyStreamRecord[];
}

export interface VerifyRunRow {
  runId: number;
  targetSchema: string;
  finishedAt: Date;
  inSync: boolean;
  seconds: number;
}

export type VerifyRunsTables = ReturnType<typeof verifyRunsTables>;

export function verifyRunsTables(schema: string) {
  const runs = qualifiedPg(schema, 'verify_runs');
  const streams = qualifiedPg(schema, 'verify_streams');
  return {
    /** Stores a finished verify run and its streams in one transaction; returns its id. */
    async store(db: PgSession, run: VerifyRunRecord): Promise<number> {
      return inTransaction(db, async () => {
        const { rows } = await db.query<{ run_id: string }>(
          `INSERT INTO ${runs} (target_schema, in_sync, seconds) VALUES ($1, $2, $3) RETURNING run_id`,
          [run.targetSchema, run.inSync, run.seconds],
        );
        const runId = Number(rows[0]!.run_id);
        for (const s of run.streams) {
          await db.query(
            `INSERT INTO ${streams} (run_id, stream, status, source_rows, target_rows, missing, extra, different, expected, in_flight, samples, notes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [
              runId,
              s.stream,
              s.status,
              s.sourceRows,
              s.targetRows,
              s.missing,
              s.extra,
              s.different,
              s.expected,
              s.inFlight,
              JSON.stringify(s.samples),
              JSON.stringify(s.notes),
            ],
          );
        }
        return runId;
      });
    },

    async read(db: Queryable, targetSchema: string, runId: number): Promise<VerifyRunRow | undefined> {
      const { rows } = await db.query<RawVerifyRun>(
        `SELECT * FROM ${runs} WHERE target_schema = $1 AND run_id = $2`,
        [targetSchema, runId],
      );
      return rows[0] ? toVerifyRun(rows[0]) : undefined;
    },

    async recent(db: Queryable, targetSchema: string, limit: number): Promise<VerifyRunRow[]> {
      const { rows } = await db.query<RawVerifyRun>(
        `SELECT * FROM ${runs} WHERE target_schema = $1 ORDER BY run_id DESC LIMIT $2`,
        [targetSchema, limit],
      );
      return rows.map(toVerifyRun);
    },

    async streamsOf(db: Queryable, runId: number): Promise<(VerifyStreamRecord & { runId: number })[]> {
      const { rows } = await db.query<RawCounts & { samples: unknown; notes: unknown }>(
        `SELECT * FROM ${streams} WHERE run_id = $1 ORDER BY stream`,
        [runId],
      );
      return rows.map((r) => ({ ...toCounts(r), samples: r.samples, notes: r.notes }));
    },

    /** The streams of these runs with their counts, without samples and notes (the history matrix). */
    async streamStatuses(db: Queryable, runIds: readonly number[]): Promise<VerifyStreamCounts[]> {
      const { rows } = await db.query<RawCounts>(
        `SELECT run_id, stream, status, source_rows, target_rows, missing, extra, different, expected, in_flight
           FROM ${streams} WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, stream`,
        [runIds],
      );
      return rows.map(toCounts);
    },
  };
}

interface RawVerifyRun {
  run_id: string;
  target_schema: string;
  finished_at: Date;
  in_sync: boolean;
  seconds: number;
}

const toVerifyRun = (r: RawVerifyRun): VerifyRunRow => ({
  runId: Number(r.run_id),
  targetSchema: r.target_schema,
  finishedAt: r.finished_at,
  inSync: r.in_sync,
  seconds: r.seconds,
});

/** A stream of a verify run without its samples and notes. */
export type VerifyStreamCounts = Omit<VerifyStreamRecord, 'samples' | 'notes'> & { runId: number };

interface RawCounts {
  run_id: string;
  stream: string;
  status: string;
  source_rows: string;
  target_rows: string;
  missing: string;
  extra: string;
  different: string;
  expected: string;
  in_flight: string;
}

const toCounts = (r: RawCounts): VerifyStreamCounts => ({
  runId: Number(r.run_id),
  stream: r.stream,
  status: r.status,
  sourceRows: Number(r.source_rows),
  targetRows: Number(r.target_rows),
  missing: Number(r.missing),
  extra: Number(r.extra),
  different: Number(r.different),
  expected: Number(r.expected),
  inFlight: Number(r.in_flight),
});
