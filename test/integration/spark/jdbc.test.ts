// Spark's JDBC data source through ferry's client, against the real MariaDB, PostgreSQL and Spark:
// a partitioned read, a write checked in PostgreSQL, and a whole-table copy with ferry's type mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../../../src/observability/redact.js';
import { copyTableWithSpark } from '../../../src/replication/spark-copy.js';
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

describe('copying a table through Spark', () => {
  beforeAll(async () => {
    await db.source.query(`CREATE TABLE typed (
        id BIGINT UNSIGNED PRIMARY KEY,
        flag TINYINT(1), tiny TINYINT UNSIGNED, small SMALLINT, medium MEDIUMINT UNSIGNED, regular INT UNSIGNED,
        big BIGINT, huge BIGINT UNSIGNED, exact DECIMAL(65,30), money DECIMAL(12,2), f FLOAT, d DOUBLE,
        bits BIT(5), day DATE, wall DATETIME(6), moment TIMESTAMP(3) NULL, span TIME(6), yr YEAR,
        code CHAR(3), label VARCHAR(40), body TEXT, raw VARBINARY(8), kind ENUM('a','b c'), tags SET('x','yz','w'),
        doc JSON)`);
    await db.source.query(`INSERT INTO typed VALUES
      (1, 1, 255, -32768, 16777215, 4294967295, -9223372036854775808, 18446744073709551615,
       '12345678901234567890123456789012345.123456789012345678901234567890', '-0.01', 1.5, 0.1,
       b'10101', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-06-01 10:00:00.250', '-838:59:59.000000', 2155,
       'abc', 'héllo ✓ "quoted"', 'line1\\nline2', X'00FF00', 'b c', 'x,w', '{"b": 2, "a": [1, null]}'),
      (2, 0, 0, 0, 0, 0, 0, 0, '0', '0', 0, 0, b'0', '1000-01-01', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '00:00:00', 1901,
       '', '', '', X'', 'a', '', '[]'),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  });

  it('creates the table with ferry types and copies every value exactly', async () => {
    const result = await copyTableWithSpark({
      session: spark,
      source: db.mysql,
      target: db.postgres,
      table: 'typed',
      targetSchema: 'spark_copy',
      mode: 'overwrite',
      partitions: 2,
    });
    expect(result).toMatchObject({
      sourceRows: 3,
      targetRows: 3,
      partitions: 2,
      partitionColumn: 'id',
      bounds: ['1', '3'],
    });

    const { rows: types } = await db.target.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = 'spark_copy.typed'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toMatchObject({
      id: 'numeric(20,0)',
      flag: 'boolean',
      exact: 'numeric(65,30)',
      moment: 'timestamp(3) with time zone',
      span: 'interval(6)',
      tags: 'text[]',
      doc: 'jsonb',
      bits: 'bit(5)',
    });

    const { rows } = await db.target.query<Record<string, string | null>>(
      `SELECT id::text, flag::text, tiny::text, small::text, medium::text, regular::text, big::text, huge::text,
              exact::text, money::text, f::text, d::text, bits::text, day::text, wall::text, moment::text, span::text,
              yr::text, code, label, body, encode(raw, 'hex') AS raw, kind, tags::text, doc::text
         FROM spark_copy.typed ORDER BY id`,
    );
    expect(rows[0]).toEqual({
      id: '1',
      flag: 'true',
      tiny: '255',
      small: '-32768',
      medium: '16777215',
      regular: '4294967295',
      big: '-9223372036854775808',
      huge: '18446744073709551615',
      exact: '12345678901234567890123456789012345.123456789012345678901234567890',
      money: '-0.01',
      f: '1.5',
      d: '0.1',
      bits: '10101',
      day: '2024-02-29',
      wall: '2024-01-02 03:04:05.123456',
      moment: '2024-06-01 10:00:00.25+00',
      span: '-838:59:59',
      yr: '2155',
      code: 'abc',
      label: 'héllo ✓ "quoted"',
      body: 'line1\nline2',
      raw: '00ff00',
      kind: 'b c',
      tags: '{x,w}',
      doc: '{"a": [1, null], "b": 2}',
    });
    expect(rows[1]).toMatchObject({
      flag: 'false',
      bits: '00000',
      day: '1000-01-01',
      tags: '{}',
      raw: '',
      doc: '[]',
      yr: '1901',
    });
    expect(Object.entries(rows[2]!).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });

  it('replaces the rows on a second overwrite, leaving the same count', async () => {
    await db.source.query(`UPDATE typed SET label = 'changed' WHERE id = 2`);
    const result = await copyTableWithSpark({
      session: spark,
      source: db.mysql,
      target: db.postgres,
      table: 'typed',
      targetSchema: 'spark_copy',
      mode: 'overwrite',
    });
    expect(result.targetRows).toBe(3);
    const { rows } = await db.target.query<{ label: string }>(
      `SELECT label FROM spark_copy.typed WHERE id = 2`,
    );
    expect(rows).toEqual([{ label: 'changed' }]);
  });

  it('appends into an existing table, and keeps the old rows when the copy fails', async () => {
    const first = await copyTableWithSpark({
      session: spark,
      source: db.mysql,
      target: db.postgres,
      table: 'customers',
      targetSchema: 'spark_copy',
      mode: 'append',
      partitions: 3,
    });
    expect(first).toMatchObject({ sourceRows: CUSTOMERS, targetRows: CUSTOMERS, partitions: 3 });
    // A second append collides with the primary key: Spark fails, PostgreSQL keeps what it had.
    const error = await copyTableWithSpark({
      session: spark,
      source: db.mysql,
      target: db.postgres,
      table: 'customers',
      targetSchema: 'spark_copy',
      mode: 'append',
      partitions: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkError);
    expect((error as SparkError).message).toMatch(/duplicate key/);
    const { rows } = await db.target.query<{ n: string }>(`SELECT count(*) AS n FROM spark_copy.customers`);
    expect(rows[0]!.n).toBe(String(CUSTOMERS));
  });
});
