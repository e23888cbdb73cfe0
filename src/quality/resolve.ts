// A row fixed in the source is picked up by the next sync that reads it; its earlier quarantine
// entries then move to _ferry.quarantine_log as resolved (loaded now) or superseded (quarantined
// again by this run, or gone from the source after a full refresh).
import type { LoadedRows, SetCheckScope } from './set-checks.js';
import { quotePg } from '../schema/identifiers.js';

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
  const keyed = scope.primaryKey.length > 0;
  // Keys loaded by this run, and keys this run quarantined again. Joined, not tested with IN inside
  // an expression: with a million entries an IN subplan outgrows memory and is run once per row.
  const loadedKeys = keyed
    ? `SELECT DISTINCT ${keyJson(scope.primaryKey, 'l')} AS k FROM ${published.relation} l`
    : 'SELECT NULL::jsonb AS k WHERE false';
  const againKeys = `SELECT DISTINCT primary_key AS k FROM "_ferry"."quarantine" WHERE target_schema = $1 AND stream = $2 AND run_id = $3 AND primary_key IS NOT NULL`;
  // A full refresh replaces the whole table: every earlier entry is settled by it.
  // Entries of chunks resumed from an interrupted run belong to this load, not an earlier one.
  const which = published.whole
    ? `q.run_id NOT IN (SELECT run_id FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = ${literal(scope.targetTable)})`
    : keyed
      ? `q.primary_key IN (${loadedKeys} UNION ${againKeys})`
      : 'false';
  const { rowCount } = await client.query(
    `WITH gone AS (
       DELETE FROM "_ferry"."quarantine" q WHERE q.target_schema = $1 AND q.stream = $2 AND q.run_id <> $3 AND ${which}
       RETURNING q.*)
     INSERT INTO "_ferry"."quarantine_log" (${LOG_COLUMNS}, resolution, resolved_run_id, note)
     SELECT ${LOG_COLUMNS.split(', ')
       .map((c) => `g.${c}`)
       .join(', ')},
            CASE WHEN lk.k IS NOT NULL THEN 'resolved_by_sync' ELSE 'superseded' END, $3,
            CASE WHEN lk.k IS NOT NULL THEN 'loaded by sync run ' || $3
                 WHEN ak.k IS NOT NULL THEN 'quarantined again by sync run ' || $3
                 ELSE 'not in the source any more (full refresh run ' || $3 || ')' END
       FROM gone g
       LEFT JOIN (${loadedKeys}) lk ON lk.k = g.primary_key
       LEFT JOIN (${againKeys}) ak ON ak.k = g.primary_key`,
    [scope.targetSchema, scope.stream, runId],
  );
  return rowCount ?? 0;
}
