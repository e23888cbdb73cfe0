// The example models build on both engines, pass their data tests, and give identical rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabases } from '../../support/databases.js';
import type { TransformSummary } from '../../../src/transform/run.js';
import {
  EXAMPLE_MODEL_NAMES,
  expectSameRows,
  seededShop,
  transform,
  transformConfig,
} from './shop-project.js';

let db: TestDatabases;
let onPostgres: TransformSummary;
let onDuckdb: TransformSummary;

beforeAll(async () => {
  db = await seededShop('tfagree');
  onPostgres = await transform(transformConfig(db, 'analytics_pg'), { engine: 'postgres' });
  // View models stay inside DuckDB unless load_views; load them here to compare them too.
  onDuckdb = await transform(
    transformConfig(db, 'analytics_duck', undefined, '  duckdb: { load_views: true }\n'),
    { engine: 'duckdb' },
  );
}, 300_000);

afterAll(async () => {
  await db?.drop();
});

describe('the example project', () => {
  it('builds every model on postgres', () => {
    expect(onPostgres.models.filter((m) => m.status !== 'built')).toEqual([]);
    expect(onPostgres.models.map((m) => m.model).sort()).toEqual([...EXAMPLE_MODEL_NAMES].sort());
  });

  it('builds every model on duckdb, extracting only the source tables the models read', () => {
    expect(onDuckdb.models.filter((m) => m.status !== 'built')).toEqual([]);
    expect(onDuckdb.extract?.tables).toBe(6);
    expect(onDuckdb.extract?.rows).toBeGreaterThan(1000);
  });

  it('passes its data tests on both engines', () => {
    const failing = (s: TransformSummary) => s.tests.filter((t) => t.status !== 'pass');
    expect(failing(onPostgres)).toEqual([]);
    expect(failing(onDuckdb)).toEqual([]);
    expect(onPostgres.tests.length).toBeGreaterThan(20);
    expect(onDuckdb.tests.map((t) => t.test)).toEqual(onPostgres.tests.map((t) => t.test));
  });

  it.each(EXAMPLE_MODEL_NAMES)('%s has the same rows on both engines', async (model) => {
    await expectSameRows(db, model, 'analytics_pg', 'analytics_duck');
  });
});
