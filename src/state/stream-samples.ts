// Lag and throughput over time (table family stream_samples): a raw sample per cdc stream every few
// seconds while change data capture runs, rolled up into one sample a minute once older than a day
// and dropped after the retention. Written by the cdc session (replication/cdc/lag.ts); read by
// `ferry status`, /metrics and the web UI's Streams page (rows read as JSON, so a page keeps working
// with a state that lacks a column a later migration adds).
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { StreamKey } from './streams.js';

/** One sample as the session writes it. */
export interface NewSample {
  targetSchema: string;
  table: string;
  sampledAt: Date;
  /** Seconds the applied data trails the source; 0 when caught up. */
  lagSeconds: number;
  /** Row changes applied since the previous sample. */
  changes: number;
  intervalSeconds: number;
  /** The source position applied (GTID position, or binlog file:position). */
  position: string | null;
}

/** One sample as readers get it. */
export interface StreamSample {
  sampledAt: Date;
  /** Seconds the applied data trails the source (0 when caught up). */
  lagSeconds: number | null;
  /** Changes applied since the previous sample. */
  changes: number | null;
  changesPerSecond: number | null;
  /** The source position applied at that time, when recorded. */
  position: string | null;
}

type RawSample = Record<string, unknown>;

const numberOr = (value: unknown): number | null =>
  typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : null;

function toSample(raw: RawSample, previous: RawSample | undefined): StreamSample {
  const sampledAt = new Date(String(raw.sampled_at));
  const changes = numberOr(raw.changes);
  let seconds = numberOr(raw.interval_seconds);
  if (seconds === null && previous)
    seconds = (sampledAt.getTime() - new Date(String(previous.sampled_at)).getTime()) / 1000;
  const position = raw.applied_position ?? null;
  return {
    sampledAt,
    lagSeconds: numberOr(raw.lag_seconds),
    changes,
    changesPerSecond: changes !== null && seconds !== null && seconds > 0 ? changes / seconds : null,
    position: position === null ? null : typeof position === 'string' ? position : JSON.stringify(position),
  };
}

export type StreamSamplesTable = ReturnType<typeof streamSamplesTable>;

export function streamSamplesTable(schema: string) {
  const samples = qualifiedPg(schema, 'stream_samples');
  const present = async (db: Queryable) => {
    const { rows } = await db.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [samples]);
    return rows[0]?.ok === true;
  };

  return {
    async add(db: Queryable, rows: readonly NewSample[]): Promise<void> {
      if (rows.length === 0) return;
      await db.query(
        `INSERT INTO ${samples} (target_schema, target_table, sampled_at, lag_seconds, changes, interval_seconds, applied_position)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::bigint[], $6::float8[], $7::text[])
         ON CONFLICT DO NOTHING`,
        [
          rows.map((r) => r.targetSchema),
          rows.map((r) => r.table),
          rows.map((r) => r.sampledAt),
          rows.map((r) => r.lagSeconds),
          rows.map((r) => r.changes),
          rows.map((r) => r.intervalSeconds),
          rows.map((r) => r.position),
        ],
      );
    },

    /** A stream's samples since a time, oldest first (at most `limit`, the newest); undefined without the table. */
    async samplesOf(
      db: Queryable,
      key: StreamKey,
      since: Date,
      limit: number,
    ): Promise<StreamSample[] | undefined> {
      if (!(await present(db))) return undefined;
      const { rows } = await db.query<{ j: RawSample }>(
        `SELECT to_jsonb(s) AS j FROM ${samples} s
          WHERE s.target_schema = $1 AND s.target_table = $2 AND s.sampled_at >= $3
          ORDER BY s.sampled_at DESC LIMIT $4`,
        [key.targetSchema, key.table, since, limit],
      );
      const raw = rows.map((r) => r.j).reverse();
      return raw.map((r, i) => toSample(r, raw[i - 1]));
    },

    /** The newest sample of each stream of a target schema; undefined without the table. */
    async latest(
      db: Queryable,
      targetSchema: string | readonly string[],
    ): Promise<Map<string, StreamSample> | undefined> {
      if (!(await present(db))) return undefined;
      const { rows } = await db.query<{ j: RawSample }>(
        `SELECT DISTINCT ON (s.target_table) to_jsonb(s) AS j FROM ${samples} s
          WHERE s.target_schema = ANY($1) ORDER BY s.target_table, s.sampled_at DESC`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema],
      );
      return new Map(rows.map((r) => [String(r.j.target_table), toSample(r.j, undefined)]));
    },

    /**
     * Raw samples older than a day become one per minute (the largest lag, the changes summed);
     * everything older than `retentionDays` goes. Returns the raw samples rolled up.
     */
    async compact(db: Queryable, retentionDays: number): Promise<number> {
      const { rowCount } = await db.query(
        `WITH old AS (
           DELETE FROM ${samples} WHERE grain = 'raw' AND sampled_at < now() - interval '1 day' RETURNING *)
         INSERT INTO ${samples} (target_schema, target_table, sampled_at, lag_seconds, changes, interval_seconds, grain, applied_position)
         SELECT target_schema, target_table, date_trunc('minute', sampled_at), max(lag_seconds), sum(changes), sum(interval_seconds), 'minute', max(applied_position)
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
