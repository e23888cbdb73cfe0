// Lag and throughput samples of change-data-capture streams (table stream_samples), read side: the
// web UI's Streams page and /metrics. The table comes with change data capture; until it exists every
// read answers "no samples" (undefined), and rows are read as JSON so a column added or missing
// later (the applied position) does not break the page.
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { StreamKey } from './streams.js';

export interface StreamSample {
  sampledAt: Date;
  /** Seconds the applied data trails the source (0 when caught up). */
  lagSeconds: number | null;
  /** Changes applied since the previous sample. */
  changes: number | null;
  changesPerSecond: number | null;
  /** The source position applied at that time (binlog file:position or GTID set), when recorded. */
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
  const position = raw.applied_position ?? raw.position ?? null;
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
    async latest(db: Queryable, targetSchema: string): Promise<Map<string, StreamSample> | undefined> {
      if (!(await present(db))) return undefined;
      const { rows } = await db.query<{ j: RawSample }>(
        `SELECT DISTINCT ON (s.target_table) to_jsonb(s) AS j FROM ${samples} s
          WHERE s.target_schema = $1 ORDER BY s.target_table, s.sampled_at DESC`,
        [targetSchema],
      );
      return new Map(rows.map((r) => [String(r.j.target_table), toSample(r.j, undefined)]));
    },
  };
}
