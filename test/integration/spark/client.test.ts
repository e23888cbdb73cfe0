// The Spark Connect client against a real Spark Connect server: every type ferry decodes, schemas,
// configuration, errors, plan builders, and session release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkError } from '../../../src/spark/spark-errors.js';
import {
  add,
  aggregate,
  and,
  as,
  asc,
  cast,
  col,
  decimalLit,
  desc,
  eq,
  filter,
  fn,
  gt,
  ident,
  join,
  limit,
  lit,
  over,
  project,
  range,
  sort,
  sql,
  subqueryAlias,
  withColumns,
} from '../../../src/spark/index.js';
import { connectSpark, type SparkSession } from '../../../src/spark/session.js';
import { requireSpark, SPARK_URL } from './spark-server.js';

let spark: SparkSession;

beforeAll(async () => {
  await requireSpark();
  spark = connectSpark(SPARK_URL);
});

afterAll(async () => {
  await spark?.close();
});

describe('a SQL round trip', () => {
  it('decodes every Spark type ferry maps, with exact values', async () => {
    const result = await spark.sql(`
      SELECT true AS bool_col, CAST(-128 AS TINYINT) AS byte_col, CAST(-32768 AS SMALLINT) AS short_col,
             2147483647 AS int_col, -9223372036854775808L AS long_col, CAST(1.5 AS FLOAT) AS float_col,
             CAST(0.1 AS DOUBLE) AS double_col,
             CAST('-12345678901234567890.123456789012345678' AS DECIMAL(38,18)) AS decimal_col,
             CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)) AS decimal_max,
             'héllo, wörld ✓' AS string_col, X'00FF10' AS binary_col, DATE'2024-02-29' AS date_col,
             TIMESTAMP'2024-01-02 03:04:05.123456' AS timestamp_col,
             TIMESTAMP_NTZ'1969-12-31 23:59:59.999999' AS timestamp_ntz_col,
             array(1, NULL, 3) AS array_col, map('a', 1, 'b', NULL) AS map_col,
             named_struct('x', 1, 'y', 'z', 'inner', named_struct('d', DATE'2000-01-01')) AS struct_col,
             NULL AS null_col, CAST(NULL AS DECIMAL(10,2)) AS null_decimal, CAST(NULL AS TIMESTAMP) AS null_timestamp
    `);
    expect(result.rows).toEqual([
      {
        bool_col: true,
        byte_col: -128,
        short_col: -32768,
        int_col: 2147483647,
        long_col: -9223372036854775808n,
        float_col: 1.5,
        double_col: 0.1,
        decimal_col: '-12345678901234567890.123456789012345678',
        decimal_max: '99999999999999999999999999999999999999',
        string_col: 'héllo, wörld ✓',
        binary_col: Buffer.from([0x00, 0xff, 0x10]),
        date_col: '2024-02-29',
        timestamp_col: '2024-01-02T03:04:05.123456Z',
        timestamp_ntz_col: '1969-12-31T23:59:59.999999',
        array_col: [1, null, 3],
        map_col: new Map([
          ['a', 1],
          ['b', null],
        ]),
        struct_col: { x: 1, y: 'z', inner: { d: '2000-01-01' } },
        null_col: null,
        null_decimal: null,
        null_timestamp: null,
      },
    ]);
    expect(result.fields.map((f) => [f.name, f.type])).toEqual([
      ['bool_col', 'boolean'],
      ['byte_col', 'tinyint'],
      ['short_col', 'smallint'],
      ['int_col', 'int'],
      ['long_col', 'bigint'],
      ['float_col', 'float'],
      ['double_col', 'double'],
      ['decimal_col', 'decimal(38,18)'],
      ['decimal_max', 'decimal(38,0)'],
      ['string_col', 'string'],
      ['binary_col', 'binary'],
      ['date_col', 'date'],
      ['timestamp_col', 'timestamp'],
      ['timestamp_ntz_col', 'timestamp_ntz'],
      ['array_col', 'array<int>'],
      ['map_col', 'map<string,int>'],
      ['struct_col', 'struct<x:int,y:string,inner:struct<d:date>>'],
      ['null_col', 'void'],
      ['null_decimal', 'decimal(10,2)'],
      ['null_timestamp', 'timestamp'],
    ]);
  });

  it('returns no rows, with the schema, for an empty result', async () => {
    const result = await spark.collect(sql('SELECT CAST(1 AS BIGINT) AS id WHERE false'));
    expect(result.rows).toEqual([]);
    expect(result.fields).toEqual([{ name: 'id', type: 'bigint', nullable: false }]);
  });

  it('streams a result larger than one Arrow batch, in order and complete', async () => {
    await spark.setConfig({ 'spark.sql.execution.arrow.maxRecordsPerBatch': '1000' });
    let batches = 0;
    let next = 0n;
    for await (const batch of spark.stream(range(0, 25_000, 1, 2))) {
      batches++;
      for (const row of batch.rows) expect(row.id).toBe(next++);
    }
    expect(next).toBe(25_000n);
    expect(batches).toBeGreaterThan(1);
    await spark.unsetConfig(['spark.sql.execution.arrow.maxRecordsPerBatch']);
  });

  it('runs literals of every kind through Spark unchanged', async () => {
    const result = await spark.collect(
      project(undefined, [
        as(lit(null), 'n'),
        as(lit(true), 'b'),
        as(lit(42), 'i'),
        as(lit(2n ** 62n), 'l'),
        as(lit(0.25), 'd'),
        as(lit('text'), 's'),
        as(lit(new Date('2024-05-06T07:08:09.123Z')), 'ts'),
        as(lit(Buffer.from('ab')), 'bin'),
        as(decimalLit('-0.005'), 'dec'),
      ]),
    );
    expect(result.rows).toEqual([
      {
        n: null,
        b: true,
        i: 42,
        l: 2n ** 62n,
        d: 0.25,
        s: 'text',
        ts: '2024-05-06T07:08:09.123000Z',
        bin: Buffer.from('ab'),
        dec: '-0.005',
      },
    ]);
  });
});

describe('analysis and configuration', () => {
  it('tells the schema of a plan without running it', async () => {
    const fields = await spark.schema(
      withColumns(sql('SELECT 1 AS id, CAST(2.5 AS DECIMAL(12,2)) AS amount'), {
        doubled: add(col('amount'), col('amount')),
      }),
    );
    expect(fields).toEqual([
      { name: 'id', type: 'int', nullable: false },
      { name: 'amount', type: 'decimal(12,2)', nullable: false },
      { name: 'doubled', type: 'decimal(13,2)', nullable: false },
    ]);
  });

  it('explains a plan', async () => {
    const text = await spark.explain(filter(range(0, 10), gt(col('id'), lit(5))), 'extended');
    expect(text).toMatch(/Physical Plan/);
    expect(text).toMatch(/Filter/);
  });

  it('reports the Spark version', async () => {
    expect(await spark.sparkVersion()).toMatch(/^4\.\d+\.\d+/);
  });

  it('sets, reads and unsets session configuration', async () => {
    await spark.setConfig({ 'spark.sql.shuffle.partitions': '7', 'ferry.test.key': 'value with spaces' });
    expect(
      await spark.getConfig(['spark.sql.shuffle.partitions', 'ferry.test.key', 'ferry.test.missing']),
    ).toEqual({
      'spark.sql.shuffle.partitions': '7',
      'ferry.test.key': 'value with spaces',
      'ferry.test.missing': undefined,
    });
    await spark.unsetConfig(['ferry.test.key']);
    expect((await spark.getConfig(['ferry.test.key']))['ferry.test.key']).toBeUndefined();
  });
});

describe('errors', () => {
  it('turns a failed query into a SparkError with the error class, SQLSTATE and a hint', async () => {
    const error = await spark.sql('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkError);
    const spark_error = error as SparkError;
    expect(spark_error.errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
    expect(spark_error.sqlState).toBe('42P01');
    expect(spark_error.kind).toBe('engine');
    expect(spark_error.message).toContain('`no_such_table` cannot be found');
    expect(spark_error.hint).toMatch(/table name/);
  });

  it('names an unknown column and the columns that exist', async () => {
    const error = (await spark
      .collect(project(sql('SELECT 1 AS known'), [col('unknown')]))
      .catch((e: unknown) => e)) as SparkError;
    expect(error.errorClass).toMatch(/^UNRESOLVED_COLUMN/);
    expect(error.message).toContain('`unknown`');
    expect(error.message).toContain('`known`');
  });

  it('reports a failure raised while the query runs (not at analysis)', async () => {
    const error = (await spark
      .sql("SELECT assert_true(id < 5, 'id reached five') FROM range(10)")
      .catch((e: unknown) => e)) as SparkError;
    expect(error).toBeInstanceOf(SparkError);
    expect(error.message).toContain('id reached five');
  });

  it('says the server is unreachable, and what to do', async () => {
    const nowhere = connectSpark('sc://127.0.0.1:1', {
      retry: { attempts: 0, initialDelayMs: 1, maxDelayMs: 1 },
    });
    const error = (await nowhere.sparkVersion().catch((e: unknown) => e)) as SparkError;
    expect(error).toBeInstanceOf(SparkError);
    expect(error.hint).toMatch(/scripts\/spark.sh start/);
    expect(error.transient).toBe(true);
    await nowhere.close().catch(() => undefined);
  });
});

describe('plan builders', () => {
  const orders = sql(`SELECT * FROM VALUES
      (1, 10, CAST(12.50 AS DECIMAL(10,2)), 'paid'), (2, 10, CAST(7.25 AS DECIMAL(10,2)), 'paid'),
      (3, 20, CAST(100.00 AS DECIMAL(10,2)), 'cancelled'), (4, 30, CAST(1.00 AS DECIMAL(10,2)), 'paid')
      AS t(id, customer_id, amount, status)`);
  const customers = sql(`SELECT * FROM VALUES (10, 'Ada'), (20, 'Grace'), (30, 'Edsger') AS t(id, name)`);

  it('compiles filter, join, aggregate, sort and limit into a plan Spark runs', async () => {
    const paid = filter(subqueryAlias(orders, 'o'), eq(col('o.status'), lit('paid')));
    const joined = join(paid, subqueryAlias(customers, 'c'), {
      on: eq(col('o.customer_id'), col('c.id')),
      how: 'inner',
    });
    const totals = aggregate(
      joined,
      [col('c.name')],
      [as(fn('sum', col('o.amount')), 'total'), as(fn('count', lit(1)), 'orders')],
    );
    const result = await spark.collect(limit(sort(totals, [desc(col('total'))]), 2));
    expect(result.rows).toEqual([
      { name: 'Ada', total: '19.75', orders: 2n },
      { name: 'Edsger', total: '1.00', orders: 1n },
    ]);
  });

  it('compiles window functions with partitions, ordering and frames', async () => {
    const ranked = withColumns(orders, {
      rank_in_customer: over(fn('row_number'), {
        partitionBy: [col('customer_id')],
        orderBy: [asc(col('id'))],
      }),
      running: over(fn('sum', col('amount')), {
        orderBy: [asc(col('id'))],
        frame: { type: 'rows', lower: 'unbounded', upper: 'current' },
      }),
      previous: over(fn('lag', col('id'), lit(1)), { orderBy: [asc(col('id'))] }),
    });
    const result = await spark.collect(
      sort(project(ranked, [col('id'), col('rank_in_customer'), col('running'), col('previous')]), [
        asc(col('id')),
      ]),
    );
    expect(result.rows).toEqual([
      { id: 1, rank_in_customer: 1, running: '12.50', previous: null },
      { id: 2, rank_in_customer: 2, running: '19.75', previous: 1 },
      { id: 3, rank_in_customer: 1, running: '119.75', previous: 2 },
      { id: 4, rank_in_customer: 1, running: '120.75', previous: 3 },
    ]);
  });

  it('quotes odd column names and casts types', async () => {
    const odd = sql('SELECT 1 AS `order id`, 2 AS `a.b`');
    const result = await spark.collect(
      project(odd, [
        as(cast(ident('order id'), 'decimal(5,1)'), 'x'),
        as(and(gt(ident('a.b'), lit(1)), lit(true)), 'y'),
      ]),
    );
    expect(result.rows).toEqual([{ x: '1.0', y: true }]);
  });

  it('leaves a shared input unchanged when building on it', async () => {
    const base = range(0, 3);
    const frozen = JSON.stringify(base);
    const plus = withColumns(base, { two: lit(2) });
    expect(JSON.stringify(base)).toBe(frozen);
    expect(Object.isFrozen(plus)).toBe(true);
    expect((await spark.collect(base)).fields.map((f) => f.name)).toEqual(['id']);
  });
});

describe('session release', () => {
  it('releases the server-side session; its id can no longer run anything', async () => {
    const session = connectSpark(SPARK_URL);
    await session.sql('SELECT 1');
    await session.close();
    const again = connectSpark(`${SPARK_URL}/;session_id=${session.sessionId}`);
    const error = (await again.sql('SELECT 1').catch((e: unknown) => e)) as SparkError;
    expect(error).toBeInstanceOf(SparkError);
    expect(error.errorClass).toMatch(/^INVALID_HANDLE\.SESSION_CLOSED/);
    await again.close().catch(() => undefined);
    await expect(session.sql('SELECT 1')).rejects.toThrow(/session was closed/);
  });
});

describe('duplicate column names', () => {
  it('refuses to collect two columns of the same name, saying how to fix it', async () => {
    const error = await spark.sql('SELECT 1 AS id, 2 AS id').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DuplicateColumnError', kind: 'schema' });
    expect((error as Error).message).toMatch(/more than one column named id/);
  });
});
