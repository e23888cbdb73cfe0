// Lag and throughput over time (table family stream_samples): a raw sample per stream every few
// seconds while change data capture runs, rolled up into one sample a minute once older than a day
// and dropped after the retention, for `ferry status`, /metrics and the web UI's charts.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';

export interface StreamSample {
  targetSchema: string;
  table: string;
  sampledAt: Date;
  /** Seconds the applied data trails the source; 0 when caught up. */
  lagSeconds: number;
  /** Row changes applied since the previous sample. */
  changes: number;
  intervalSeconds: number;
}

export type StreamSamples = ReturnType<typeof streamSamples>;

export function streamSamples(schema: string) {
  const samples = qualifiedPg(schema, 'stream_samples');
  return {
    async add(db: Queryable, rows: readonly StreamSample[]): Promise<void> {
      if (rows.length === 0) return;
      await db.query(
        `INSERT INTO ${samples} (target_schema, target_table, sampled_at, lag_seconds, changes, interval_seconds)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::bigint[], $6::float8[])
         ON CONFLICT DO NOTHING`,
        [
          rows.map((r) => r.targetSchema),
          rows.map((r) => r.table),
          rows.map((r) => r.sampledAt),
          rows.map((r) => r.lagSeconds),
          rows.map((r) => r.changes),
          rows.map((r) => r.intervalSeconds),
        ],
      );
    },

    /** A stream's samples since a time, oldest first: raw ones, and minute rollups before them. */
    async since(db: Queryable, targetSchema: string, table: string, since: Date): Promise<StreamSample[]> {
      const { rows } = await db.query<{
        sampled_at: Date;
        lag_seconds: number;
        changes: string;
        interval_seconds: number;
      }>(
        `SELECT sampled_at, lag_seconds, changes, interval_seconds FROM ${samples}
          WHERE target_schema = $1 AND target_table = $2 AND sampled_at >= $3 ORDER BY sampled_at`,
        [targetSchema, table, since],
      );
      return rows.map((r) => ({
        targetSchema,
        table,
        sampledAt: r.sampled_at,
        lagSeconds: r.lag_seconds,
        changes: Number(r.changes),
        intervalSeconds: r.interval_seconds,
      }));
    },

    /** The newest sample of each stream of a target schema. */
    async latest(db: Queryable, targetSchema: string): Promise<StreamSample[]> {
      const { rows } = await db.query<{
        target_table: string;
        sampled_at: Date;
        lag_seconds: number;
        changes: string;
        interval_seconds: number;
      }>(
        `SELECT DISTINCT ON (target_table) target_table, sampled_at, lag_seconds, changes, interval_seconds
           FROM ${samples} WHERE target_schema = $1 ORDER BY target_table, sampled_at DESC`,
        [targetSchema],
      );
      return rows.map((r) => ({
        targetSchema,
        table: r.target_table,
        sampledAt: r.sampled_at,
        lagSeconds: r.lag_seconds,
        changes: Number(r.changes),
        intervalSeconds: r.interval_seconds,
      }));
    },

    /**
     * Raw samples older than a day become one per minute (the largest lag, the changes summed);
     * everything older than `retentionDays` goes. Returns the raw samples rolled up.
     */
    async compact(db: Queryable, retentionDays: number): Promise<number> {
      const { rowCount } = await db.query(
        `WITH old AS (
           DELETE FROM ${samples} WHERE grain = 'raw' AND sampled_at < now() - interval '1 day' RETURNING *)
         INSERT INTO ${samples} (target_schema, target_table, sampled_at, lag_seconds, changes, interval_seconds, grain)
         SELECT target_schema, target_table, date_trunc('minute', sampled_at), max(lag_seconds), sum(changes), sum(interval_seconds), 'minute'
           FROM old GROUP BY 1, 2, 3
         ON CONFLICT (target_schema, target_table, grain, sampled_at) DO UPDATE SET
           lag_seconds = greatest(${samples}.lag_seconds, EXCLUDED.lag_seconds),
           changes = ${samples}.changes + EXCLUDED.changes,
           interval_seconds = ${samples}.interval_seconds + EXCLUDED.interval_seconds`,
      );
      await db.query(`DELETE FROM ${samples} WHERE sampled_at < now() - make_interval(days => $1)`, [
        retentionDays,
      ]);
      return rowCount ?? 0;
    },
  };
}
