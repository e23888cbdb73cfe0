// Reading and settling entries of _ferry.quarantine: the filters `ferry quarantine` offers, and the
// move of settled entries to _ferry.quarantine_log (replayed, discarded), which keeps a record of each.
import type { PgClient } from '../connectors/postgres/connect.js';
import { LOG_COLUMNS } from './resolve.js';
import type { Failure } from '../schema/row-outcome.js';

export interface QuarantineFilter {
  schema: string;
  stream?: string | undefined;
  runId?: number | undefined;
  /** A reason code (not_null, zero_date, duplicate, ...) or a check name (email.unique). */
  reason?: string | undefined;
  ids?: readonly number[] | undefined;
}

export interface QuarantineEntry {
  id: number;
  stream: string;
  runId: number;
  primaryKey: Record<string, unknown> | null;
  row: Record<string, unknown>;
  reason: string;
  failures: Failure[];
  rowForm: 'source' | 'target';
  replayAttempts: number;
  quarantinedAt: Date;
}

/** WHERE clause over alias q and its parameters, starting at $start. */
export function filterSql(filter: QuarantineFilter, start = 1): { where: string; params: unknown[] } {
  const parts = [`q.target_schema = $${start}`];
  const params: unknown[] = [filter.schema];
  const next = () => `$${start + params.length}`;
  if (filter.stream !== undefined) {
    parts.push(`q.stream = ${next()}`);
    params.push(filter.stream);
  }
  if (filter.runId !== undefined) {
    parts.push(`q.run_id = ${next()}`);
    params.push(filter.runId);
  }
  if (filter.reason !== undefined) {
    const p = next();
    parts.push(
      `(q.failures @> jsonb_build_array(jsonb_build_object('code', ${p}::text)) OR q.failures @> jsonb_build_array(jsonb_build_object('check', ${p}::text)))`,
    );
    params.push(filter.reason);
  }
  if (filter.ids !== undefined) {
    parts.push(`q.id = ANY(${next()}::bigint[])`);
    params.push(filter.ids);
  }
  return { where: parts.join(' AND '), params };
}

interface EntryRow {
  id: string;
  stream: string;
  run_id: string;
  primary_key: Record<string, unknown> | null;
  row: Record<string, unknown>;
  reason: string;
  failures: Failure[];
  row_form: 'source' | 'target';
  replay_attempts: number;
  quarantined_at: Date;
}

const toEntry = (r: EntryRow): QuarantineEntry => ({
  id: Number(r.id),
  stream: r.stream,
  runId: Number(r.run_id),
  primaryKey: r.primary_key,
  row: r.row,
  reason: r.reason,
  failures: r.failures,
  rowForm: r.row_form,
  replayAttempts: r.replay_attempts,
  quarantinedAt: r.quarantined_at,
});

export async function listEntries(
  client: PgClient,
  filter: QuarantineFilter,
  options: { limit?: number; forUpdate?: boolean } = {},
): Promise<QuarantineEntry[]> {
  const { where, params } = filterSql(filter);
  const { rows } = await client.query<EntryRow>(
    `SELECT q.id, q.stream, q.run_id, q.primary_key, q."row", q.reason, q.failures, q.row_form, q.replay_attempts, q.quarantined_at
       FROM "_ferry"."quarantine" q WHERE ${where} ORDER BY q.id${options.limit ? ` LIMIT ${Math.floor(options.limit)}` : ''}${options.forUpdate ? ' FOR UPDATE' : ''}`,
    params,
  );
  return rows.map(toEntry);
}

export interface QuarantineCount {
  stream: string;
  code: string;
  rows: number;
}

/** Entries per stream and reason code (an entry with two codes counts under both). */
export async function countEntries(client: PgClient, filter: QuarantineFilter): Promise<QuarantineCount[]> {
  const { where, params } = filterSql(filter);
  const { rows } = await client.query<{ stream: string; code: string; n: string }>(
    `SELECT q.stream, f->>'code' AS code, count(DISTINCT q.id) AS n
       FROM "_ferry"."quarantine" q CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_array_length(q.failures) = 0 THEN '[{"code":"unknown"}]'::jsonb ELSE q.failures END) f
      WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  return rows.map((r) => ({ stream: r.stream, code: r.code, rows: Number(r.n) }));
}

/** Moves entries to the log with a resolution; returns how many. */
export async function settleEntries(
  client: PgClient,
  ids: readonly number[],
  resolution: 'replayed' | 'discarded',
  runId: number | null,
  note: string | null,
): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await client.query(
    `WITH gone AS (DELETE FROM "_ferry"."quarantine" WHERE id = ANY($1::bigint[]) RETURNING *)
     INSERT INTO "_ferry"."quarantine_log" (${LOG_COLUMNS}, resolution, resolved_run_id, note)
     SELECT ${LOG_COLUMNS}, $2, $3, $4 FROM gone`,
    [ids, resolution, runId, note],
  );
  return rowCount ?? 0;
}

/** Discards the entries a filter selects, each kept in the log with the note. */
export async function discardEntries(
  client: PgClient,
  filter: QuarantineFilter,
  note: string | null,
): Promise<number> {
  const { where, params } = filterSql(filter, 2);
  const { rowCount } = await client.query(
    `WITH gone AS (DELETE FROM "_ferry"."quarantine" q WHERE ${where} RETURNING q.*)
     INSERT INTO "_ferry"."quarantine_log" (${LOG_COLUMNS}, resolution, note)
     SELECT ${LOG_COLUMNS}, 'discarded', $1 FROM gone`,
    [note, ...params],
  );
  return rowCount ?? 0;
}

/** A replay found the entry still failing: its failures now, and one more attempt. */
export async function updateFailures(
  client: PgClient,
  updates: readonly { id: number; reason: string; failures: readonly Failure[] }[],
): Promise<void> {
  if (updates.length === 0) return;
  await client.query(
    `UPDATE "_ferry"."quarantine" q SET reason = u.reason, failures = u.failures, replay_attempts = q.replay_attempts + 1, last_replay_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, reason text, failures jsonb) WHERE q.id = u.id`,
    [JSON.stringify(updates)],
  );
}
