// ETL on Spark: the spark engine reads the models' sources straight from MySQL (partitioned JDBC
// reads) or from one MySQL snapshot staged in PostgreSQL, and every example model has the same rows
// as on the postgres engine over the replicated tables.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformSummary } from '../../../src/transform/run.js';
import { runFerry } from '../../support/cli.js';
import { requireSpark, SPARK_URL } from '../spark/spark-server.js';
import type { TestDatabases } from '../../support/databases.js';
import {
  EXAMPLE_MODEL_NAMES,
  EXAMPLE_MODELS,
  expectSameRows,
  seededShop,
  transform,
  transformConfig,
} from './shop-project.js';

// rows_per_partition at its minimum, so the bigger source tables are read over several partitions.
const sparkReading = (sources: string) =>
  `  spark: { load_views: true, sources: ${sources} }\nspark: { url: "${SPARK_URL}", rows_per_partition: 1000 }\n`;

let db: TestDatabases;
let onPostgres: TransformSummary;
let fromMysql: TransformSummary;
let fromSnapshot: TransformSummary;

beforeAll(async () => {
  await requireSpark();
  db = await seededShop('tfsparkmy');
  onPostgres = await transform(transformConfig(db, 'analytics_pg'), { engine: 'postgres' });
  fromMysql = await transform(transformConfig(db, 'spark_mysql', undefined, sparkReading('mysql')), {
    engine: 'spark',
  });
  fromSnapshot = await transform(
    transformConfig(db, 'spark_snapshot', undefined, sparkReading('mysql_snapshot')),
    { engine: 'spark', skipTests: true },
  );
}, 600_000);

afterAll(async () => {
  await db?.drop();
});

describe('the spark engine reading MySQL directly', () => {
  it('builds every model and passes the same data tests as on postgres', () => {
    expect(fromMysql.models.filter((m) => m.status !== 'built')).toEqual([]);
    expect(fromMysql.tests.filter((t) => t.status !== 'pass')).toEqual([]);
    expect(fromMysql.tests.map((t) => t.test)).toEqual(onPostgres.tests.map((t) => t.test));
  });

  it('reads only the source tables the models use, every row of them', async () => {
    expect(fromMysql.extract).toMatchObject({ tables: 6, skipped: 0, path: 'from MySQL into Spark' });
    const [rows] = await db.source.query(
      `SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)
            + (SELECT count(*) FROM payments) + (SELECT count(*) FROM products) + (SELECT count(*) FROM categories) AS n`,
    );
    expect(fromMysql.extract?.rows).toBe(Number((rows as { n: string }[])[0]!.n));
  });

  it('warns that the reads are not one snapshot, naming the tables read over several partitions', () => {
    const warning = fromMysql.extract?.warnings?.find((w) => w.startsWith('not one consistent snapshot'));
    expect(warning).toMatch(/order_items \(\d+ partitions\)/);
    expect(warning).toMatch(/orders \(\d+ partitions\)/);
    expect(warning).not.toMatch(/categories/);
    expect(warning).toMatch(/mysql_snapshot/);
  });

  it.each(EXAMPLE_MODEL_NAMES)('%s has the same rows as on postgres', async (model) => {
    await expectSameRows(db, model, 'analytics_pg', 'spark_mysql');
  });
});

describe('the spark engine reading one MySQL snapshot staged in PostgreSQL', () => {
  it('builds every model without a snapshot warning and drops the staging schema afterwards', async () => {
    expect(fromSnapshot.models.filter((m) => m.status !== 'built')).toEqual([]);
    expect(fromSnapshot.extract).toMatchObject({ tables: 6, rows: fromMysql.extract?.rows, skipped: 0 });
    expect(fromSnapshot.extract?.warnings).toEqual([]);
    const { rows } = await db.target.query(
      `SELECT 1 FROM pg_namespace WHERE nspname LIKE '\\_ferry\\_snapshot\\_%'`,
    );
    expect(rows).toEqual([]);
  });

  it.each(EXAMPLE_MODEL_NAMES)('%s has the same rows as on postgres', async (model) => {
    await expectSameRows(db, model, 'analytics_pg', 'spark_snapshot');
  });
});

describe('ferry transform --spark-sources', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-spark-sources-'));
    config = join(dir, 'ferry.yaml');
    writeFileSync(
      config,
      `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw_shop }
spark: { url: "${SPARK_URL}" }
transform: { models: "${EXAMPLE_MODELS}", schema: spark_cli, sources: { shop: raw_shop } }
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the sources from MySQL and says that the reads are not one snapshot', async () => {
    const args = ['--config', config, 'transform', '--engine', 'spark', '--spark-sources', 'mysql'];
    const result = await runFerry([...args, '--select', 'daily_revenue', '--skip-tests']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^read \d+ rows of 3 source table\(s\) from MySQL into Spark in [\d.]+ s$/m,
    );
    expect(result.stdout).toMatch(
      /^warning: not one consistent snapshot: each table read at its own moment/m,
    );
    expect(result.stdout).toMatch(
      /transform on spark into schema spark_cli succeeded: (\d+)\/\1 models built/,
    );
  });

  it('is refused with another engine', async () => {
    const result = await runFerry(['--config', config, 'transform', '--spark-sources', 'mysql']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--spark-sources applies to the spark engine, not to postgres/);
  });
});
