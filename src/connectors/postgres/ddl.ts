// CREATE TABLE / INDEX statements for replicated tables, and reading what a target table has now.
import type { Queryable } from './connect.js';
import { DELETED_AT, PG_NAME_BYTES, SYNCED_AT, qualifiedPg, quotePg } from '../../schema/identifiers.js';

export interface TargetColumn {
  name: string;
  pgType: string;
}

export interface TargetIndex {
  name: string;
  unique: boolean;
  columns: string[];
}

/** ferry's own columns on every replicated table. */
export const FERRY_COLUMNS: readonly TargetColumn[] = [
  { name: SYNCED_AT, pgType: 'timestamp with time zone NOT NULL DEFAULT now()' },
  { name: DELETED_AT, pgType: 'timestamp with time zone' },
];

/**
 * Names reach DDL already mapped to fit (identifier()); PostgreSQL would cut a longer one without a
 * word, and two cut names could then collide, so one that does not fit is a bug in ferry.
 */
function fitting(name: string): string {
  if (Buffer.byteLength(name) > PG_NAME_BYTES)
    throw new Error(`name ${name} is longer than ${PG_NAME_BYTES} bytes; it should have been mapped`);
  return name;
}

export function createTableSql(
  schema: string,
  table: string,
  columns: readonly TargetColumn[],
  primaryKey: readonly string[],
): string {
  for (const name of [table, ...columns.map((c) => c.name)]) fitting(name);
  const parts = [...columns, ...FERRY_COLUMNS].map((c) => `${quotePg(c.name)} ${c.pgType}`);
  if (primaryKey.length > 0) parts.push(`PRIMARY KEY (${primaryKey.map(quotePg).join(', ')})`);
  return `CREATE TABLE ${qualifiedPg(schema, table)} (\n  ${parts.join(',\n  ')}\n)`;
}

export function createIndexSql(schema: string, table: string, indexName: string, index: TargetIndex): string {
  fitting(indexName);
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quotePg(indexName)} ON ${qualifiedPg(schema, table)} (${index.columns.map(quotePg).join(', ')})`;
}

/** Columns of an existing table with their formatted types, or undefined when the table is missing. */
export async function readTargetColumns(
  client: Queryable,
  schema: string,
  table: string,
): Promise<TargetColumn[] | undefined> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  return rows.length === 0 ? undefined : rows.map((r) => ({ name: r.name, pgType: r.type }));
}

export async function tableExists(client: Queryable, schema: string, table: string): Promise<boolean> {
  const { rows } = await client.query(
    'SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
    [schema, table],
  );
  return rows.length > 0;
}

/** Views and other objects that depend on a table (a rename swap would leave them on the old one). */
export async function hasDependentViews(client: Queryable, schema: string, table: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_depend d
       JOIN pg_rewrite r ON r.oid = d.objid
       JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.refobjid = to_regclass($1) AND v.oid <> d.refobjid LIMIT 1`,
    [qualifiedPg(schema, table)],
  );
  return rows.length > 0;
}

/** 'r' table, 'v' view, 'm' materialized view, or undefined. */
export async function relationKind(
  client: Queryable,
  schema: string,
  name: string,
): Promise<string | undefined> {
  const { rows } = await client.query<{ relkind: string }>(
    'SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
    [schema, name],
  );
  return rows[0]?.relkind;
}
