// The example models build on the spark engine (against the Spark Connect server scripts/spark.sh
// starts), pass their data tests, and give the same rows as the postgres engine; a model's SQL error
// names the model file and Spark's error class.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { runTransform, type TransformSummary } from '../../../src/transform/run.js';
import { planPartitioning } from '../../../src/transform/engines/spark/sources.js';
import { runFerry } from '../../support/cli.js';
import { requireSpark, SPARK_URL } from '../spark/spark-server.js';
import type { TestDatabases } from '../../support/databases.js';
import {
  EXAMPLE_MODEL_NAMES,
  expectSameRows,
  EXAMPLE_MODELS,
  seededShop,
  transform,
  transformConfig,
} from './shop-project.js';
import { testProject } from '../../support/sync.js';

/** The transform section's spark settings and the top-level spark section (the test server). */
// rows_per_partition at its minimum, so the bigger source tables are read over several partitions.
const onSparkServer = (loadViews: boolean) =>
  `  spark: { load_views: ${loadViews} }\nspark: { url: "${SPARK_URL}", rows_per_partition: 1000 }\n`;

let db: TestDatabases;
let dir: string;
let onPostgres: TransformSummary;
let onSpark: TransformSummary;

beforeAll(async () => {
  await requireSpark();
  dir = mkdtempSync(join(tmpdir(), 'ferry-spark-models-'));
  db = await seededShop('tfspark');
  onPostgres = await transform(transformConfig(db, 'analytics_pg'), { engine: 'postgres' });
  // View models stay inside Spark unless load_views; load them here to compare them too.
  onSpark = await transform(transformConfig(db, 'analytics_spark', undefined, onSparkServer(true)), {
    engine: 'spark',
  });
}, 600_000);

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the example project on spark', () => {
  it('builds every model on spark', () => {
    expect(onSpark.models.filter((m) => m.status !== 'built')).toEqual([]);
    expect(onSpark.models.map((m) => m.model).sort()).toEqual([...EXAMPLE_MODEL_NAMES].sort());
    expect(onSpark.models.every((m) => m.loaded)).toBe(true);
  });

  it('passes the same data tests as on postgres', () => {
    expect(onSpark.tests.filter((t) => t.status !== 'pass')).toEqual([]);
    expect(onSpark.tests.map((t) => t.test)).toEqual(onPostgres.tests.map((t) => t.test));
  });

  it.each(EXAMPLE_MODEL_NAMES)('%s has the same rows on spark as on postgres', async (model) => {
    await expectSameRows(db, model, 'analytics_pg', 'analytics_spark');
  });

  it('gives every model the column types the postgres engine gives it, but for two documented cases', async () => {
    // Spark reads varchar(n) as its string type, so a column passed through unchanged is text (as on
    // the duckdb engine), and Spark's sum() of a bigint is a bigint where PostgreSQL widens it to
    // numeric. Everything else (numeric, timestamptz, date, bigint, double ...) is the same; the
    // DataFrame compiler casts Spark's int row_number()/rank() to bigint like the other engines'.
    const { rows } = await db.target.query<{ column: string; pg: string; spark: string }>(
      `SELECT p.table_name || '.' || p.column_name AS column, p.data_type AS pg, s.data_type AS spark
         FROM information_schema.columns p
         JOIN information_schema.columns s
           ON s.table_schema = 'analytics_spark' AND s.table_name = p.table_name AND s.column_name = p.column_name
        WHERE p.table_schema = 'analytics_pg' AND p.data_type <> s.data_type
          AND NOT (p.data_type = 'character varying' AND s.data_type = 'text')
        ORDER BY 1`,
    );
    expect(rows).toEqual([{ column: 'daily_revenue.units', pg: 'numeric', spark: 'bigint' }]);
  });

  it('merges only new rows into an incremental model on the next run', async () => {
    await db.target.query(
      `UPDATE raw_shop.orders SET status = 'delivered', updated_at = updated_at + interval '400 days'
        WHERE id = (SELECT min(id) FROM raw_shop.orders WHERE status = 'shipped')`,
    );
    const again = await transform(transformConfig(db, 'analytics_spark', undefined, onSparkServer(false)), {
      engine: 'spark',
      select: 'fct_orders',
    });
    const run = again.models.find((m) => m.model === 'fct_orders');
    expect(run?.status).toBe('built');
    expect(run?.merged).toBe(1);
    const { rows } = await db.target.query<{ status: string }>(
      `SELECT f.status FROM analytics_spark.fct_orders f
         JOIN raw_shop.orders o ON o.id = f.order_id
        WHERE o.updated_at = (SELECT max(updated_at) FROM raw_shop.orders)`,
    );
    expect(rows.map((r) => r.status)).toEqual(['delivered']);
  });
});

describe('source tables on spark', () => {
  it('are read over partitions of their integer primary key when they have more rows than rows_per_partition', async () => {
    const { rows } = await db.target.query<{ n: string; lo: string; hi: string }>(
      'SELECT count(*)::text AS n, min(id)::text AS lo, max(id)::text AS hi FROM raw_shop.order_items',
    );
    const { n, lo, hi } = rows[0]!;
    expect(Number(n)).toBeGreaterThan(2000);
    const partitioning = await planPartitioning(db.target, 'raw_shop', 'order_items', 1000);
    expect(partitioning).toMatchObject({ column: 'id', lowerBound: BigInt(lo), upperBound: BigInt(hi) });
    expect(partitioning!.partitions).toBeGreaterThanOrEqual(2);
    expect(await planPartitioning(db.target, 'raw_shop', 'order_items', 1_000_000)).toBeUndefined();
  });
});

describe('ferry transform --engine spark', () => {
  it('builds the selected models and their ancestors on spark and prints what stayed inside Spark', async () => {
    const config = join(dir, 'cli.yaml');
    writeFileSync(
      config,
      `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw_shop }
spark: { url: "${SPARK_URL}" }
transform: { models: "${EXAMPLE_MODELS}", schema: spark_cli, sources: { shop: raw_shop }, threads: 2 }
`,
    );
    const result = await runFerry([
      '--config',
      config,
      'transform',
      '--engine',
      'spark',
      '--select',
      'stg_orders+',
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stg_orders\s+│ view\s+│ built in Spark only/);
    expect(result.stdout).toMatch(/daily_revenue\s+│ table\s+│ built/);
    expect(result.stdout).toMatch(/transform on spark into schema spark_cli succeeded/);
    const { rows } = await db.target.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM spark_cli.daily_revenue',
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });
});

describe('a spark run that is cancelled', () => {
  it('stops, leaves no staging table behind and keeps the tables already swapped in', async () => {
    const controller = new AbortController();
    const config = transformConfig(db, 'spark_abort', undefined, onSparkServer(false));
    const run = runTransform({
      ...testProject(config),
      engine: 'spark',
      logger: silentLogger(),
      signal: controller.signal,
      onModel: (m) => {
        if (m.status === 'built' && m.loaded) controller.abort(new Error('stopped by the test'));
      },
    });
    await expect(run).rejects.toThrow(/stopped by the test/);
    const { rows } = await db.target.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'spark_abort' AND c.relkind = 'r' ORDER BY 1`,
    );
    const tables = rows.map((r) => r.relname);
    expect(tables.filter((t) => t.startsWith('_ferry_'))).toEqual([]);
    expect(tables.length).toBeGreaterThanOrEqual(1);
    expect(tables.length).toBeLessThan(7);
  });
});

describe('a model that fails on spark', () => {
  function modelsFolder(files: Record<string, string>): string {
    const folder = mkdtempSync(join(dir, 'models-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(folder, path, '..'), { recursive: true });
      writeFileSync(join(folder, path), text);
    }
    return folder;
  }

  it("reports the model file and Spark's error class, and skips the models that depend on it", async () => {
    const folder = modelsFolder({
      'staging/broken.sql':
        "select o.id, o.no_such_column from {{ source('shop', 'orders') }} as o where o._ferry_deleted_at is null",
      'marts/after.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('broken') }}",
    });
    const summary = await transform(transformConfig(db, 'spark_broken', folder, onSparkServer(false)), {
      engine: 'spark',
    });
    const broken = summary.models.find((m) => m.model === 'broken');
    expect(broken?.status).toBe('failed');
    expect(broken?.error).toMatch(/staging\/broken\.sql failed on spark: \[UNRESOLVED_COLUMN[A-Z_.]*\]/);
    expect(broken?.error).toContain('no_such_column');
    expect(summary.models.find((m) => m.model === 'after')?.status).toBe('skipped');
    expect(summary.status).toBe('failed');
  });

  it('names a construct Spark SQL lacks before anything runs', async () => {
    const folder = modelsFolder({
      'staging/latest.sql':
        "{{ config(materialized='table') }}\nselect distinct on (customer_id) customer_id, id from {{ source('shop', 'orders') }} order by customer_id, id desc",
    });
    const summary = await transform(transformConfig(db, 'spark_unportable', folder, onSparkServer(false)), {
      engine: 'spark',
    });
    const latest = summary.models.find((m) => m.model === 'latest');
    expect(latest?.status).toBe('failed');
    expect(latest?.error).toMatch(/latest\.sql: uses DISTINCT ON \(\.\.\.\), which the spark engine lacks/);
    expect(latest?.hint).toMatch(/row_number\(\)/);
  });
});
