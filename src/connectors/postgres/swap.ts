// Puts a finished staging table in place of a table, inside the caller's transaction, for every
// caller (full refresh, Spark copy, transform models): readers see the old rows or the new ones.
// The staging table gets the key and indexes first (named as the final table's); then it replaces
// the table by rename. When views (the user's, or ferry's own models) depend on the table, a rename
// would leave them on the old one, so the table is kept and its rows are replaced instead: new
// columns are added, columns the staging lacks stay (NULL from now on), the views keep working.
import { identifier, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import type { Queryable } from './connect.js';
import { hasDependentViews, readTargetColumns, relationKind, type TargetColumn } from './ddl.js';

export interface SwapIndex {
  /** The index's name on the final table (the source index name); built on staging under a derived name. */
  name: string;
  unique: boolean;
  columns: readonly string[];
}

export interface SwapSpec {
  schema: string;
  /** The table (or view, for transform models) being replaced; created when missing. */
  table: string;
  staging: string;
  /** Primary key columns, built on staging before the swap ([] for none). */
  primaryKey: readonly string[];
  indexes: readonly SwapIndex[];
  /**
   * When views depend on the table and the staging table's columns differ from it: true adds the
   * new columns and keeps the missing ones (NULL from now on); false refuses.
   */
  keepChangedColumns: boolean;
  /** A view of the same name may be replaced (transform models that were views). */
  replaceView: boolean;
  /** The error to throw when the swap cannot be done, given why (the caller's kind, with a hint). */
  refuse: (why: string) => Error;
}

export interface SwapResult {
  /** rename: the staging table became the table; rows: views depend on it, its rows were replaced. */
  how: 'rename' | 'rows';
  /** Columns added to a kept table. */
  added: string[];
}

/** Built on the staging table; the final name is restored after the rename. */
const stagedName = (staging: string, name: string) => identifier(`${staging}_${name}`);

export async function swapTable(db: Queryable, spec: SwapSpec): Promise<SwapResult> {
  const { schema, table, staging } = spec;
  const kind = await relationKind(db, schema, table);
  if (kind === 'r' && (await hasDependentViews(db, schema, table))) return replaceRows(db, spec);

  if (spec.primaryKey.length > 0)
    await db.query(
      `ALTER TABLE ${qualifiedPg(schema, staging)} ADD CONSTRAINT ${quotePg(stagedName(staging, 'pkey'))} PRIMARY KEY (${spec.primaryKey.map(quotePg).join(', ')})`,
    );
  for (const index of spec.indexes)
    await db.query(
      `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quotePg(stagedName(staging, index.name))} ON ${qualifiedPg(schema, staging)} (${index.columns.map(quotePg).join(', ')})`,
    );
  if (kind === 'v') {
    if (!spec.replaceView) throw spec.refuse(`${schema}.${table} is a view, not a table`);
    if (await hasDependentViews(db, schema, table))
      throw spec.refuse(`${schema}.${table} cannot be replaced because views depend on it`);
    await db.query(`DROP VIEW ${qualifiedPg(schema, table)}`);
  } else if (kind === 'r') await db.query(`DROP TABLE ${qualifiedPg(schema, table)}`);
  else if (kind !== undefined)
    throw spec.refuse(`${schema}.${table} exists and is neither a table nor a view`);
  await db.query(`ALTER TABLE ${qualifiedPg(schema, staging)} RENAME TO ${quotePg(table)}`);
  if (spec.primaryKey.length > 0)
    await db.query(
      `ALTER TABLE ${qualifiedPg(schema, table)} RENAME CONSTRAINT ${quotePg(stagedName(staging, 'pkey'))} TO ${quotePg(identifier(`${table}_pkey`))}`,
    );
  for (const index of spec.indexes)
    await db.query(
      `ALTER INDEX ${qualifiedPg(schema, stagedName(staging, index.name))} RENAME TO ${quotePg(identifier(`${table}_${index.name}`))}`,
    );
  return { how: 'rename', added: [] };
}

async function replaceRows(db: Queryable, spec: SwapSpec): Promise<SwapResult> {
  const { schema, table, staging } = spec;
  const before = (await readTargetColumns(db, schema, table)) ?? [];
  const after = (await readTargetColumns(db, schema, staging)) ?? [];
  const added = after.filter((c) => !before.some((b) => b.name === c.name));
  const missing = before.filter((b) => !after.some((c) => c.name === b.name));
  const retyped = after.filter((c) => before.some((b) => b.name === c.name && b.pgType !== c.pgType));
  const changed = added.length > 0 || missing.length > 0 || retyped.length > 0;
  if ((changed && !spec.keepChangedColumns) || retyped.length > 0)
    throw spec.refuse(
      `views depend on ${schema}.${table} and its columns changed (${describeChange(added, missing, retyped)})`,
    );
  for (const c of added)
    await db.query(`ALTER TABLE ${qualifiedPg(schema, table)} ADD COLUMN ${quotePg(c.name)} ${c.pgType}`);
  const columns = after.map((c) => quotePg(c.name)).join(', ');
  await db.query(`TRUNCATE ${qualifiedPg(schema, table)}`);
  await db.query(
    `INSERT INTO ${qualifiedPg(schema, table)} (${columns}) SELECT ${columns} FROM ${qualifiedPg(schema, staging)}`,
  );
  await db.query(`DROP TABLE ${qualifiedPg(schema, staging)}`);
  return { how: 'rows', added: added.map((c) => c.name) };
}

function describeChange(added: TargetColumn[], missing: TargetColumn[], retyped: TargetColumn[]): string {
  return [
    added.length > 0 ? `new column(s) ${added.map((c) => c.name).join(', ')}` : '',
    missing.length > 0 ? `column(s) gone: ${missing.map((c) => c.name).join(', ')}` : '',
    retyped.length > 0 ? `type changed: ${retyped.map((c) => c.name).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
