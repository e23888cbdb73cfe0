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
  /** Compared inside a sync's own source snapshot: what the target was then (ferry sync --verify). */
  proof?: VerifyProof | undefined;
}

/** What a verify inside a sync's snapshot saw of the target: it equalled the source then when in sync. */
export interface VerifyProof {
  syncRunId: number;
  /** pg_current_snapshot() of the transaction that read the target. */
  targetSnapshot: string;
  /** Every row of the target table then (soft-deleted ones too). */
  targetTotal: number;
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
            `INSERT INTO ${streams} (run_id, stream, status, source_rows, target_rows, missing, extra, different, expected, in_flight, samples, notes,
                                     sync_run_id, target_snapshot, target_total)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
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
              s.proof?.syncRunId ?? null,
              s.proof?.targetSnapshot ?? null,
              s.proof?.targetTotal ?? null,
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

    /**
     * The proof that a stream was in sync at the snapshot of this sync run (the latest, when verified
     * more than once), or undefined.
     */
    async proofOf(
      db: Queryable,
      targetSchema: string,
      stream: string,
      syncRunId: number,
    ): Promise<VerifyProof | undefined> {
      const { rows } = await db.query<{ target_snapshot: string; target_total: string }>(
        `SELECT s.target_snapshot, s.target_total FROM ${streams} s JOIN ${runs} r USING (run_id)
          WHERE r.target_schema = $1 AND s.stream = $2 AND s.sync_run_id = $3 AND s.status = 'in_sync'
          ORDER BY s.run_id DESC LIMIT 1`,
        [targetSchema, stream, syncRunId],
      );
      const r = rows[0];
      return r
        ? { syncRunId, targetSnapshot: r.target_snapshot, targetTotal: Number(r.target_total) }
        : undefined;
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
