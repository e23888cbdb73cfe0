// Puts a model's result in place in PostgreSQL: views replaced, tables built aside and swapped in
// within one transaction (connectors/postgres/swap.ts), incremental deltas merged by their unique
// key (delete + insert, connectors/postgres/merge.ts).
import { type PgClient } from '../../connectors/postgres/connect.js';
import { hasDependentViews, readTargetColumns, relationKind } from '../../connectors/postgres/ddl.js';
import { mergeRows } from '../../connectors/postgres/merge.js';
import { swapTable } from '../../connectors/postgres/swap.js';
import { inTransaction } from '../../connectors/postgres/transaction.js';
import { EngineError } from '../engine-error.js';
import { qualifiedPg, quotePg } from '../../schema/identifiers.js';

async function dropExisting(client: PgClient, schema: string, name: string, model: string): Promise<void> {
  const kind = await relationKind(client, schema, name);
  if (kind === undefined) return;
  if (await hasDependentViews(client, schema, name))
    throw new EngineError(`${model}: ${schema}.${name} cannot be replaced because views depend on it`, {
      hint: 'make the depending models tables, or drop those views; ferry does not drop objects it did not build',
    });
  if (kind === 'v') await client.query(`DROP VIEW ${qualifiedPg(schema, name)}`);
  else if (kind === 'r') await client.query(`DROP TABLE ${qualifiedPg(schema, name)}`);
  else
    throw new EngineError(`${model}: ${schema}.${name} exists and is neither a table nor a view`, {
      hint: 'rename or drop it, or choose another transform.schema',
    });
}

/** CREATE OR REPLACE VIEW, or (when the columns changed, or a table was there) drop and create. */
export async function replaceView(
  client: PgClient,
  schema: string,
  name: string,
  sql: string,
  model: string,
) {
  await inTransaction(client, async () => {
    const kind = await relationKind(client, schema, name);
    if (kind === 'v') {
      await client.query('SAVEPOINT replace_view');
      try {
        await client.query(`CREATE OR REPLACE VIEW ${qualifiedPg(schema, name)} AS\n${sql}`);
        return;
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT replace_view');
      }
    }
    await dropExisting(client, schema, name, model);
    await client.query(`CREATE VIEW ${qualifiedPg(schema, name)} AS\n${sql}`);
  });
}

/**
 * Swaps a finished staging table in for schema.name in one transaction (the shared swap). When views
 * depend on the table, its rows are replaced instead (the columns must not change), so the views
 * keep working; a view model of the same name is replaced unless views depend on it.
 */
export async function swapIn(client: PgClient, schema: string, name: string, staging: string, model: string) {
  await inTransaction(client, () =>
    swapTable(client, {
      schema,
      table: name,
      staging,
      primaryKey: [],
      indexes: [],
      keepChangedColumns: false,
      replaceView: true,
      refuse: (why) =>
        new EngineError(`${model}: ${why}`, {
          hint: why.includes('columns changed')
            ? 'drop the depending views, run ferry transform, then build them again'
            : 'make the depending models tables, or drop those views; ferry does not drop objects it did not build',
        }),
    }),
  );
}

/** The high-water mark of an incremental model: max(cursor) of what is loaded, as text; null when empty. */
export async function highWaterMark(client: PgClient, schema: string, name: string, cursor: string) {
  const { rows } = await client.query<{ hwm: string | null }>(
    `SELECT max(${quotePg(cursor)})::text AS hwm FROM ${qualifiedPg(schema, name)}`,
  );
  return rows[0]?.hwm ?? null;
}

/** Merges the rows of `delta` into schema.name by uniqueKey (delete, then insert) in one transaction. */
export async function mergeDelta(
  client: PgClient,
  schema: string,
  name: string,
  delta: string,
  uniqueKey: readonly string[],
  model: string,
): Promise<number> {
  return inTransaction(client, async () => {
    const target = (await readTargetColumns(client, schema, name)) ?? [];
    const incoming = (
      await client.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [delta],
      )
    ).rows.map((r) => r.name);
    const missing = incoming.filter((c) => !target.some((t) => t.name === c));
    if (missing.length > 0)
      throw new EngineError(`${model}: the model now has columns its table lacks: ${missing.join(', ')}`, {
        hint: 'run `ferry transform --full-refresh --select ' + model + '` to rebuild it',
      });
    const { rows: dupes } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT 1 FROM ${delta} GROUP BY ${uniqueKey.map(quotePg).join(', ')} HAVING count(*) > 1) d`,
    );
    if (Number(dupes[0]?.n ?? 0) > 0)
      throw new EngineError(`${model}: the new rows repeat values of unique_key (${uniqueKey.join(', ')})`, {
        hint: 'unique_key must identify one row of the model; fix the model or the key',
      });
    return mergeRows(client, {
      schema,
      table: name,
      from: delta,
      columns: incoming,
      key: uniqueKey,
      how: 'replace',
      ferryColumns: false,
    });
  });
}
