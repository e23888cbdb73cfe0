// Shared by the tests of real-world schemas: a config file for the CLI, and what the target holds
// (tables, indexes with their definitions, ferry's leftovers in the user's schema).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabases } from '../../support/databases.js';

/** Writes a ferry.yaml for the test's databases (target schema `schema`) and returns its path. */
export function writeConfig(db: TestDatabases, body: string, schema = 'raw'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ferry-tables-')), 'ferry.yaml');
  writeFileSync(
    file,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${body}`,
  );
  return file;
}

/** Tables of a target schema, sorted. */
export async function tablesOf(db: TestDatabases, schema: string): Promise<string[]> {
  const { rows } = await db.target.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.t);
}

/** Index name -> its definition (pg_indexes.indexdef) for one target table. */
export async function indexDefinitions(
  db: TestDatabases,
  schema: string,
  table: string,
): Promise<Record<string, string>> {
  const { rows } = await db.target.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1`,
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
}

/** Relations ferry named in the user's schema (staging tables left behind, ...). */
export async function ferryLeftovers(db: TestDatabases, schema: string): Promise<string[]> {
  const { rows } = await db.target.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE '\\_ferry%' ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.relname);
}

/** A string of `n` random characters outside the Basic Multilingual Plane (4 bytes each in UTF-8) that does not compress. */
export function incompressible(n: number, seed = 1): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String.fromCodePoint(0x20000 + (x % 0xa6d0));
  }
  return out;
}
