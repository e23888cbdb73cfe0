// Deduplication by key: of loaded rows with the same key, the one with the largest cursor stays and
// the others move to the quarantine (state/quarantine.ts; reason `duplicate`, the loaded row as
// jsonb), so none is lost.
import type { LoadedRows, SetCheckScope } from './set-checks.js';
import type { Failure } from '../schema/row-outcome.js';
import { quotePg } from '../schema/identifiers.js';
import type { QuarantineTables } from '../state/quarantine.js';
import type { DedupRule } from './check-rules.js';

export function duplicateFailure(dedup: DedupRule): Failure {
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
  quarantine: QuarantineTables,
  loaded: LoadedRows,
  dedup: DedupRule & { cursor: string },
  runId: number,
): Promise<number> {
  const column = (name: string) => `l.${quotePg(scope.columnOf(name))}`;
  const key = dedup.key.map(column).join(', ');
  const order = [
    `${column(dedup.cursor)} DESC NULLS LAST`,
    ...scope.primaryKey.map((k) => `${column(k)} DESC`),
  ];
  const failure = duplicateFailure(dedup);
  return quarantine.addLoadedRows(scope.client, {
    targetSchema: scope.targetSchema,
    stream: scope.stream,
    runId,
    deleteSql: `DELETE FROM ${loaded.relation} d WHERE d.ctid IN (
         SELECT ctid FROM (SELECT l.ctid, row_number() OVER (PARTITION BY ${key} ORDER BY ${order.join(', ')}) AS n FROM ${loaded.relation} l) x WHERE x.n > 1)
       RETURNING d.*`,
    params: [],
    primaryKey: scope.primaryKey,
    keyColumns: scope.primaryKey.map(scope.columnOf),
    reason: `dedup: ${failure.message}`,
    failures: [failure],
  });
}
