// A stream's `primary_key:` stands in for the key a table does not declare, so nothing in the source
// enforces it. Before loaded rows are put in place (a full load) or merged (an incremental run), the
// key is checked on them: a repeated key fails the stream with an example value, instead of
// PostgreSQL's unique-index error or, in a merge, two source rows silently becoming one.
import type { Queryable } from '../connectors/postgres/connect.js';
import { SchemaError } from '../errors.js';
import { quotePg } from '../schema/identifiers.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import type { StreamPlan } from './stream-plan.js';

/** The values of one key that more than one row of `relation` (quoted) has, or undefined. */
async function repeatedKey(
  db: Queryable,
  relation: string,
  key: readonly string[],
): Promise<string[] | undefined> {
  const columns = key.map(quotePg);
  const { rows } = await db.query<Record<string, string | null>>(
    `SELECT ${columns.map((c, i) => `${c}::text AS k${i}`).join(', ')} FROM ${relation}
      GROUP BY ${columns.join(', ')} HAVING count(*) > 1 LIMIT 1`,
  );
  const row = rows[0];
  return row ? key.map((_, i) => row[`k${i}`] ?? 'NULL') : undefined;
}

/** Fails the stream when the rows of `relation` repeat its configured key (a no-op for a declared key). */
export async function checkConfiguredKey(
  db: Queryable,
  plan: StreamPlan,
  mappings: readonly ColumnMapping[],
  relation: string,
): Promise<void> {
  const key = plan.configuredKey;
  if (!key) return;
  const columns = key.map((k) => targetNameOf(mappings, k));
  const named = key.length === 1 ? key[0]! : `(${key.join(', ')})`;
  const hint = `primary_key: must name columns that identify each row of ${plan.table.name}: choose others, fix the rows in the source, or set dedup: on the stream to keep one row of each key (docs/quality.md)`;
  const { rows } = await db.query<{ n: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${relation} WHERE ${columns.map((c) => `${quotePg(c)} IS NULL`).join(' OR ')}) AS n`,
  );
  if (rows[0]?.n)
    throw new SchemaError(`primary_key ${named} of ${plan.table.name} has NULL values`, { hint });
  const values = await repeatedKey(db, relation, columns);
  if (!values) return;
  throw new SchemaError(
    `primary_key ${named} of ${plan.table.name} is not unique (e.g. value${values.length === 1 ? '' : 's'} ${values.join(', ')})`,
    { hint },
  );
}
