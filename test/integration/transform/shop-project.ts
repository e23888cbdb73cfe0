// A seeded, synced shop in per-test databases, and helpers to run the example models and read them.
import { expect } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { FerryConfig } from '../../../src/config/schema.js';
import { connectMysql } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import type { EngineName } from '../../../src/transform/plan/functions.js';
import { runTransform, type TransformSummary } from '../../../src/transform/run.js';
import { REPO_ROOT } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testProject } from '../../support/sync.js';

export const EXAMPLE_MODELS = `${REPO_ROOT}models`;

/** The example project's models, each compared across engines. */
export const EXAMPLE_MODEL_NAMES = [
  'stg_customers',
  'stg_orders',
  'stg_order_items',
  'stg_payments',
  'stg_products',
  'fct_orders',
  'fct_order_items',
  'dim_customers',
  'dim_products',
  'daily_revenue',
  'product_performance',
  'cohort_retention',
];

export function transformConfig(
  db: TestDatabases,
  schema: string,
  models = EXAMPLE_MODELS,
  extra = '',
): FerryConfig {
  return parseConfig(
    `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw_shop }
streams:
  - { table: orders, mode: incremental, cursor: updated_at }
  - { table: '*' }
transform:
  models: "${models}"
  schema: ${schema}
  sources: { shop: raw_shop }
  threads: 2
${extra}`,
    'test.yaml',
    { env: {} },
  );
}

/** Test databases with the demo shop seeded in MySQL (nothing replicated yet). */
export async function seededSource(label: string, scale = 0.02): Promise<TestDatabases> {
  const db = await createTestDatabases(label);
  const mysql = await connectMysql(db.mysql);
  try {
    await seedShop(mysql, { scale, seed: 7, logger: silentLogger() });
  } finally {
    await mysql.end();
  }
  return db;
}

/** The seeded shop, synced into raw_shop. */
export async function seededShop(label: string, scale = 0.02): Promise<TestDatabases> {
  const db = await seededSource(label, scale);
  const summary = await runSync(transformConfig(db, 'analytics'));
  if (summary.status !== 'succeeded') throw new Error(`sync failed: ${JSON.stringify(summary.streams)}`);
  return db;
}

export function transform(
  config: FerryConfig,
  options: { engine?: EngineName; select?: string; fullRefresh?: boolean; skipTests?: boolean } = {},
): Promise<TransformSummary> {
  return runTransform({
    ...testProject(config),
    logger: silentLogger(),
    signal: new AbortController().signal,
    ...options,
  });
}

/** Canonical text of a value: numbers without trailing zeros (doubles to 12 digits), timestamps in UTC. */
function canonical(value: string | null, type: string): string {
  if (value === null) return '∅';
  if (type === 'numeric' || /^(int|numeric|bigint|smallint)/.test(type)) {
    const [whole = '', frac = ''] = value.split('.');
    const trimmed = frac.replace(/0+$/, '');
    return trimmed ? `${whole}.${trimmed}` : whole;
  }
  if (type === 'float8' || type === 'float4') return Number(value).toPrecision(12);
  return value;
}

/** Every row of schema.table, canonical, sorted, as one string per row. */
export async function canonicalRows(db: TestDatabases, schema: string, table: string): Promise<string[]> {
  const { rows: columns } = await db.target.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, t.typname AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`"${schema}"."${table}"`],
  );
  if (columns.length === 0) throw new Error(`${schema}.${table} does not exist`);
  await db.target.query("SET TimeZone = 'UTC'");
  const list = columns.map((c) => `"${c.name}"::text AS "${c.name}"`).join(', ');
  const { rows } = await db.target.query<Record<string, string | null>>(
    `SELECT ${list} FROM "${schema}"."${table}"`,
  );
  return rows
    .map((r) => columns.map((c) => `${c.name}=${canonical(r[c.name] ?? null, c.type)}`).join(' | '))
    .sort();
}

/** Asserts that a model has the same rows (canonical, sorted) in two schemas, showing the first difference. */
export async function expectSameRows(db: TestDatabases, model: string, expected: string, actual: string) {
  const want = await canonicalRows(db, expected, model);
  const got = await canonicalRows(db, actual, model);
  expect(want.length).toBeGreaterThan(0);
  expect(got.length).toBe(want.length);
  const first = want.findIndex((row, i) => row !== got[i]);
  expect(first === -1 ? null : { [expected]: want[first], [actual]: got[first] }).toBeNull();
}
