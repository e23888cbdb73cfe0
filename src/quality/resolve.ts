// A row fixed in the source is picked up by the next sync that reads it; its earlier quarantine
// entries then move to _ferry.quarantine_log as resolved (loaded now) or superseded (quarantined
// again by this run, or gone from the source after a full refresh).
import { quotePg } from '../connectors/postgres/connect.js';
import type { LoadedRows, SetCheckScope } from './set-checks.js';

/** The primary key of a row of `alias` as stored in _ferry.quarantine.primary_key. */
export function keyJson(primaryKey: readonly string[], alias: string): string {
  return `jsonb_build_object(${primaryKey.map((k) => `'${k.replace(/'/g, "''")}', ${alias}.${quotePg(k)}::text`).join(', ')})`;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const LOG_COLUMNS =
  'id, stream, target_schema, run_id, primary_key, "row", reason, failures, row_form, quarantined_at';

export async function resolveEarlierEntries(
  scope: SetCheckScope,
  published: LoadedRows,
  runId: number,
): Promise<number> {
  const { client } = scope;
  const loaded =
    scope.primaryKey.length === 0
      ? 'false'
      : `g.primary_key IN (SELECT ${keyJson(scope.primaryKey, 'l')} FROM ${published.relation} l)`;
  const again = `g.primary_key IN (SELECT primary_key FROM "_ferry"."quarantine" WHERE target_schema = $1 AND stream = $2 AND run_id = $3 AND primary_key IS NOT NULL)`;
  // A full refresh replaces the whole table: every earlier entry is settled by it.
  // Entries of chunks resumed from an interrupted run belong to this load, not an earlier one.
  const which = published.whole
    ? `q.run_id NOT IN (SELECT run_id FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = ${literal(scope.targetTable)})`
    : scope.primaryKey.length === 0
      ? 'false'
      : `(q.primary_key IN (SELECT ${keyJson(scope.primaryKey, 'l')} FROM ${published.relation} l) OR q.primary_key IN (SELECT primary_key FROM "_ferry"."quarantine" WHERE target_schema = $1 AND stream = $2 AND run_id = $3 AND primary_key IS NOT NULL))`;
  const { rowCount } = await client.query(
    `WITH gone AS (
       DELETE FROM "_ferry"."quarantine" q WHERE q.target_schema = $1 AND q.stream = $2 AND q.run_id <> $3 AND ${which}
       RETURNING q.*)
     INSERT INTO "_ferry"."quarantine_log" (${LOG_COLUMNS}, resolution, resolved_run_id, note)
     SELECT ${LOG_COLUMNS.split(', ')
       .map((c) => `g.${c}`)
       .join(', ')},
            CASE WHEN ${loaded} THEN 'resolved_by_sync' ELSE 'superseded' END, $3,
            CASE WHEN ${loaded} THEN 'loaded by sync run ' || $3 WHEN ${again} THEN 'quarantined again by sync run ' || $3 ELSE 'not in the source any more (full refresh run ' || $3 || ')' END
       FROM gone g`,
    [scope.targetSchema, scope.stream, runId],
  );
  return rowCount ?? 0;
}
