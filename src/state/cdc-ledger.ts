// The change-data-capture ledger (table family cdc_ledger): one row per source transaction applied,
// written in the transaction that applies it. Its primary key refuses a transaction applied twice, so
// exactly-once is enforced by PostgreSQL, not only tested; old rows are pruned after a retention.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';

export interface AppliedTransaction {
  /** The transaction's GTID (or binlog file:position where the source has no GTIDs). */
  gtid: string;
  /** Row changes of tracked tables it held. */
  rows: number;
  /** When the source committed it (binlog event time, whole seconds). */
  committedAt: Date;
}

export interface LedgerRow extends AppliedTransaction {
  batchId: number;
  runId: number;
  appliedAt: Date;
}

export type CdcLedger = ReturnType<typeof cdcLedger>;

export function cdcLedger(schema: string) {
  const ledger = qualifiedPg(schema, 'cdc_ledger');
  return {
    async record(
      db: Queryable,
      targetSchema: string,
      batch: { batchId: number; runId: number },
      transactions: readonly AppliedTransaction[],
    ): Promise<void> {
      if (transactions.length === 0) return;
      await db.query(
        `INSERT INTO ${ledger} (target_schema, gtid, batch_id, run_id, rows, committed_at)
         SELECT $1, t.gtid, $2, $3, t.rows, t.committed_at
           FROM unnest($4::text[], $5::bigint[], $6::timestamptz[]) AS t(gtid, rows, committed_at)`,
        [
          targetSchema,
          batch.batchId,
          batch.runId,
          transactions.map((t) => t.gtid),
          transactions.map((t) => t.rows),
          transactions.map((t) => t.committedAt),
        ],
      );
    },

    /** The next batch number of a target schema (batches are numbered across sessions). */
    async lastBatch(db: Queryable, targetSchema: string): Promise<number> {
      const { rows } = await db.query<{ n: string | null }>(
        `SELECT max(batch_id)::text AS n FROM ${ledger} WHERE target_schema = $1`,
        [targetSchema],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async list(db: Queryable, targetSchema: string): Promise<LedgerRow[]> {
      const { rows } = await db.query<{
        gtid: string;
        rows: string;
        committed_at: Date;
        batch_id: string;
        run_id: string;
        applied_at: Date;
      }>(`SELECT * FROM ${ledger} WHERE target_schema = $1 ORDER BY batch_id, gtid`, [targetSchema]);
      return rows.map((r) => ({
        gtid: r.gtid,
        rows: Number(r.rows),
        committedAt: r.committed_at,
        batchId: Number(r.batch_id),
        runId: Number(r.run_id),
        appliedAt: r.applied_at,
      }));
    },

    /** Drops ledger rows applied more than `seconds` ago; returns how many. */
    async prune(db: Queryable, targetSchema: string, seconds: number): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM ${ledger} WHERE target_schema = $1 AND applied_at < now() - make_interval(secs => $2)`,
        [targetSchema, seconds],
      );
      return rowCount ?? 0;
    },
  };
}
