// Deduplication by key: of loaded rows with the same key, the one with the largest cursor stays and
// the others move to _ferry.quarantine (reason `duplicate`, the loaded row as jsonb), so none is lost.
import type { DedupConfig } from '../config/schema.js';
import type { LoadedRows, SetCheckScope } from './set-checks.js';
import type { Failure } from '../schema/row-outcome.js';
import { DELETED_AT, SYNCED_AT, quotePg } from '../schema/identifiers.js';

export function duplicateFailure(dedup: DedupConfig): Failure {
  return {
    check: 'dedup',
    code: 'duplicate',
    column: null,
    severity: 'dedup',
    message: `superseded by a later row with the same ${dedup.key.join(', ')}`,
  };
}

/** Removes the superseded duplicates from the loaded table and records them; returns how many. */
export async function removeDuplicates(
  scope: SetCheckScope,
  loaded: LoadedRows,
  dedup: DedupConfig & { cursor: string },
  runId: number,
): Promise<number> {
  const key = dedup.key.map((k) => `l.${quotePg(k)}`).join(', ');
  const order = [
    `l.${quotePg(dedup.cursor)} DESC NULLS LAST`,
    ...scope.primaryKey.map((k) => `l.${quotePg(k)} DESC`),
  ];
  const pk =
    scope.primaryKey.length === 0
      ? 'NULL::jsonb'
      : `jsonb_build_object(${scope.primaryKey.map((k) => `'${k.replace(/'/g, "''")}', g.${quotePg(k)}::text`).join(', ')})`;
  const failure = duplicateFailure(dedup);
  const { rowCount } = await scope.client.query(
    `WITH gone AS (
       DELETE FROM ${loaded.relation} d WHERE d.ctid IN (
         SELECT ctid FROM (SELECT l.ctid, row_number() OVER (PARTITION BY ${key} ORDER BY ${order.join(', ')}) AS n FROM ${loaded.relation} l) x WHERE x.n > 1)
       RETURNING d.*)
     INSERT INTO "_ferry"."quarantine" (stream, target_schema, run_id, primary_key, "row", reason, failures, row_form)
     SELECT $1, $2, $3, ${pk}, to_jsonb(g) - '${SYNCED_AT}' - '${DELETED_AT}', $4, $5::jsonb, 'target' FROM gone g`,
    [scope.stream, scope.targetSchema, runId, `dedup: ${failure.message}`, JSON.stringify([failure])],
  );
  return rowCount ?? 0;
}
