// Spark's JDBC data source through ferry's client, against the real MariaDB, PostgreSQL and Spark:
// a partitioned read and a write checked in PostgreSQL (the table copy: copy-policies.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../../../src/observability/redact.js';
import { SparkError } from '../../../src/spark/spark-errors.js';
import { jdbcReadOptions, jdbcWriteOptions, mysqlJdbc, postgresJdbc } from '../../../src/spark/jdbc.js';
import { readMysqlTable, readPostgresTable, writePostgresTable } from '../../../src/spark/jdbc-tables.js';
import { write } from '../../../src/spark/plan/commands.js';
import {
  as,
  asc,
  cast,
  col,
  distinctFn,
  eq,
  fn,
  isNotNull,
  lit,
} from '../../../src/spark/plan/expressions.js';
import {
  aggregate,
  filter,
  join,
  project,
  readSource,
  sort,
  sql,
  subqueryAlias,
  withColumns,
} from '../../../src/spark/plan/relations.js';
import { connectSpark, type SparkSession } from '../../../src/spark/session.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { requireSpark, SPARK_URL } from './spark-server.js';

let db: TestDatabases;
let spark: SparkSession;

const CUSTOMERS = 1000;

beforeAll(async () => {
  await requireSpark();
  db = await createTestDatabases('spark');
  spark = connectSpark(SPARK_URL);
  await db.source.query(`CREATE TABLE customers (
      id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, city VARCHAR(50), created_at DATETIME(6) NOT NULL)`);
  const values = Array.from({ length: CUSTOMERS }, (_, i) => {
    const id = i + 1;
    return `(${id}, 'Customer ${id} ✓', ${id % 7 === 0 ? 'NULL' : `'City ${id % 5}'`}, '2024-01-01 00:00:00' + INTERVAL ${id} SECOND)`;
  });
  await db.source.query(`INSERT INTO customers VALUES ${values.join(',')}`);
});

afterAll(async () => {
  await spark?.close();
  await db?.drop();
  forgetSecrets();
});

describe('a JDBC read from MariaDB', () => {
  it('spreads the table over partitions by key range and returns every row', async () => {
    const read = readSource({
      format: 'jdbc',
      options: jdbcReadOptions(mysqlJdbc(db.mysql), {
        dbtable: '`customers`',
        partitionColumn: 'id',
        lowerBound: 1,
        upperBound: CUSTOMERS,
        numPartitions: 4,
      }),
    });
    const tagged = withColumns(read, { partition: fn('spark_partition_id') });
    const perPartition = await spark.collect(
      sort(aggregate(tagged, [col('partition')], [as(fn('count', col('id')), 'rows')]), [
        asc(col('partition')),
      ]),
    );
    expect(perPartition.rows.map((r) => r.partition)).toEqual([0, 1, 2, 3]);
    expect(perPartition.rows.reduce((sum, r) => sum + Number(r.rows), 0)).toBe(CUSTOMERS);

    const all = await spark.collect(sort(read, [asc(col('id'))]));
    expect(all.rows).toHaveLength(CUSTOMERS);
    expect(all.rows[0]).toEqual({
      id: 1,
      name: 'Customer 1 ✓',
      city: 'City 1',
      created_at: '2024-01-01T00:00:01.000000Z',
    });
    expect(all.rows[6]!.city).toBeNull();
    expect(all.rows.map((r) => r.id)).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => i + 1));
    const distinct = await spark.collect(
      aggregate(read, [], [as(distinctFn('count', col('city')), 'cities')]),
    );
    expect(distinct.rows).toEqual([{ cities: 5n }]);
  });
});

describe('a JDBC write into PostgreSQL', () => {
  it('appends rows to an existing table, checked in PostgreSQL', async () => {
    await db.target.query(
      `CREATE TABLE public.written (id bigint PRIMARY KEY, label text, amount numeric(12,2), at timestamptz)`,
    );
    const rows = sql(`SELECT id, concat('row ', id) AS label, CAST(id * 1.25 AS DECIMAL(12,2)) AS amount,
                             TIMESTAMP'2024-03-01 12:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) AS at
                        FROM range(1, 501)`);
    const options = jdbcWriteOptions(postgresJdbc(db.postgres), '"public"."written"', 2);
    await spark.run(write(rows, { format: 'jdbc', mode: 'append', options }));
    const { rows: check } = await db.target.query<{ n: string; total: string; first: string; last: string }>(
      `SELECT count(*) AS n, sum(amount)::text AS total, min(at)::text AS first, max(label) AS last FROM public.written`,
    );
    expect(check[0]).toEqual({
      n: '500',
      total: '156562.50',
      first: '2024-03-01 12:00:01+00',
      last: 'row 99',
    });
  });

  it('fails with the database error and without the password when the credentials are wrong', async () => {
    const wrong = { ...db.postgres, password: 'not-the-Right-pw-4711' };
    const options = jdbcWriteOptions(postgresJdbc(wrong), '"public"."written"');
    const error = (await spark
      .run(write(sql('SELECT 1 AS id'), { format: 'jdbc', mode: 'append', options }))
      .catch((e: unknown) => e)) as SparkError;
    expect(error).toBeInstanceOf(SparkError);
    expect(error.message).toMatch(/password authentication failed/);
    expect(error.message).not.toContain('not-the-Right-pw-4711');
    expect(error.hint).toMatch(/credentials/);
  });
});

describe('a transformation from MySQL and PostgreSQL tables into PostgreSQL', () => {
  it('joins a replicated table with a source table and overwrites a ferry-made table, keeping its types', async () => {
    await db.target.query(
      `CREATE TABLE public.city_totals (city text, customers bigint, last_signup timestamp(6))`,
    );
    await db.target.query(`INSERT INTO public.city_totals VALUES ('stale row', 0, NULL)`);
    const customers = readMysqlTable(db.mysql, 'customers', {
      column: 'id',
      lowerBound: 1,
      upperBound: CUSTOMERS,
      partitions: 2,
    });
    const written = readPostgresTable(db.postgres, 'public', 'written', {
      column: 'id',
      lowerBound: 1,
      upperBound: 500,
      partitions: 2,
    });
    const joined = join(subqueryAlias(customers, 'c'), subqueryAlias(written, 'w'), {
      on: eq(col('c.id'), col('w.id')),
    });
    const totals = aggregate(
      filter(joined, isNotNull(col('c.city'))),
      [col('c.city')],
      [as(fn('count', lit(1)), 'customers'), as(fn('max', col('c.created_at')), 'last_signup')],
    );
    await spark.run(
      writePostgresTable(
        project(totals, [col('city'), col('customers'), cast(col('last_signup'), 'timestamp_ntz')]),
        db.postgres,
        'public',
        'city_totals',
        { mode: 'overwrite' },
      ),
    );
    const { rows } = await db.target.query<{ city: string; customers: string; last_signup: string }>(
      `SELECT city, customers::text, last_signup::text FROM public.city_totals ORDER BY city`,
    );
    // ids 1..500 joined; every 7th customer has no city: 500 - 71 = 429 rows over 5 cities.
    expect(rows.reduce((sum, r) => sum + Number(r.customers), 0)).toBe(429);
    expect(rows.map((r) => r.city)).toEqual(['City 0', 'City 1', 'City 2', 'City 3', 'City 4']);
    expect(rows[0]).toEqual({ city: 'City 0', customers: '86', last_signup: '2024-01-01 00:08:20' });
    const { rows: type } = await db.target.query<{ t: string }>(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'public.city_totals'::regclass AND attname = 'last_signup'`,
    );
    expect(type[0]!.t).toBe('timestamp(6) without time zone');
  });
});
