// Delete detection for incremental streams: the source's primary keys (read in the run's snapshot)
// are copied into a temporary table, and target rows whose key is gone are marked or deleted.
import { copyRows } from './copy-rows.js';
import type { StreamPlan } from './stream-plan.js';
import type { RunContext } from './stream-context.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { DELETED_AT, qualifiedPg, quotePg } from '../schema/identifiers.js';
import type { ConnectionPair } from './pair-pool.js';

/** Inside the caller's transaction; returns the number of rows marked or deleted. */
export async function detectDeletes(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  mappings: ColumnMapping[],
): Promise<number> {
  const keyMappings = plan.table.primaryKey.map((k) => mappings.find((m) => m.column.name === k)!);
  const temp = 'ferry_source_keys';
  const key = keyMappings.map((m) => quotePg(m.targetName));
  await pair.target.query(
    `CREATE TEMP TABLE ${quotePg(temp)} (${keyMappings.map((m) => `${quotePg(m.targetName)} ${m.pgType}`).join(', ')}) ON COMMIT DROP`,
  );
  await copyRows({
    source: pair.source,
    target: pair.target,
    table: plan.table,
    mappings: keyMappings,
    // Rows that left the stream's filter are gone from the stream as deleted ones are.
    filter: plan.where,
    targetSchema: 'pg_temp',
    targetTable: temp,
    stream: plan.name,
    policies: { zero_dates: 'null', invalid_values: 'quarantine' },
    batchRows: 20_000,
    signal: ctx.signal,
  });
  await pair.target.query(`CREATE INDEX ON ${quotePg(temp)} (${key.join(', ')})`);
  await pair.target.query(`ANALYZE ${quotePg(temp)}`);
  const target = qualifiedPg(plan.targetSchema, plan.targetTable);
  const gone = `NOT EXISTS (SELECT 1 FROM ${quotePg(temp)} k WHERE ${key.map((c) => `k.${c} = t.${c}`).join(' AND ')})`;
  const result =
    plan.deletes === 'hard'
      ? await pair.target.query(`DELETE FROM ${target} t WHERE ${gone}`)
      : await pair.target.query(
          `UPDATE ${target} t SET ${quotePg(DELETED_AT)} = now() WHERE t.${quotePg(DELETED_AT)} IS NULL AND ${gone}`,
        );
  return result.rowCount ?? 0;
}
