// The Spark SQL dialect: DataFrame plans and SQL models compiled for Spark (backticks, Spark's types
// and functions, temporary views for sources and models), Spark result types as PostgreSQL columns,
// the read partitions of a source table, and Spark errors summarised for a model.
import { describe, expect, it } from 'vitest';
import { SparkError } from '../../../src/spark/spark-errors.js';
import { modelSql } from '../../../src/transform/engines/transform-engine.js';
import { sparkErrorSummary, sparkModelFailure } from '../../../src/transform/engines/spark/failure.js';
import { sourceView, sparkResolver } from '../../../src/transform/engines/spark/relations.js';
import { readPartitions } from '../../../src/transform/engines/spark/sources.js';
import { pgTypeOf } from '../../../src/transform/engines/spark/spark-result-types.js';
import { unportableIn } from '../../../src/transform/engines/sql/portability.js';
import type { Model } from '../../../src/transform/models/model.js';
import { parseSqlModel } from '../../../src/transform/models/sql-template.js';
import {
  Window,
  col,
  countDistinct,
  dateDiffDays,
  rank,
  ref,
  round,
  rowNumber,
  source,
  sum,
  truncDate,
  year,
} from '../../../src/transform/plan/index.js';
import { type RelationResolver, compilePlan } from '../../../src/transform/engines/sql/compile-plan.js';
import { DIALECTS } from '../../../src/transform/engines/engine-dialects.js';
import { type PlanNode } from '../../../src/transform/plan/nodes.js';

const sqlModel = (sql: string): Model => {
  const parsed = parseSqlModel(sql, 'marts/m.sql');
  return {
    name: 'm',
    path: 'marts/m.sql',
    kind: 'sql',
    sql: parsed.body,
    plan: null,
    refs: parsed.refs,
    sources: parsed.sources,
    config: { materialized: 'table', unique_key: [], cursor: null, engines: null },
    tests: [],
    description: '',
  };
};

describe('DataFrame plans compiled for Spark', () => {
  it('quote identifiers with backticks and read sources and models from temporary views', () => {
    const frame = source('shop', 'orders')
      .filter(col('status').eq('paid'))
      .groupBy('customer_id')
      .agg(sum('amount').as('revenue'), countDistinct('id').as('orders'));
    expect(compileSpark(frame.plan, sparkResolver)).toBe(
      "SELECT `customer_id`, sum(`amount`) AS `revenue`, count(DISTINCT `id`) AS `orders` FROM `src__shop__orders` AS `t1` WHERE (`status` = 'paid') GROUP BY `customer_id`",
    );
    expect(compileSpark(ref('we`ird').select(col('a`b')).plan, sparkResolver)).toBe(
      'SELECT `a``b` FROM `we``ird` AS `t1`',
    );
    expect(sourceView('shop', 'orders')).toBe('src__shop__orders');
  });

  it("use Spark's types and functions where they differ", () => {
    const sql = compileSpark(
      ref('stg_orders').select(
        col('total').div(col('items')).as('per_item'),
        round(col('total'), 2).as('r'),
        dateDiffDays('placed_at', 'shipped_at').as('days'),
        truncDate('month', col('placed_at')).as('month'),
        year(col('placed_at')).as('y'),
        col('total').cast('decimal(12,2)').as('d'),
        col('n').cast('text').as('t'),
        col('at').cast('timestamp').as('wall'),
        col('at').cast('timestamptz').as('instant'),
        col('n').cast('integer').as('i'),
      ).plan,
      sparkResolver,
    );
    expect(sql).toContain('(CAST(`total` AS DOUBLE) / `items`)');
    expect(sql).toContain('round(CAST(`total` AS DECIMAL(38,10)), 2)');
    expect(sql).toContain('datediff(CAST(`shipped_at` AS DATE), CAST(`placed_at` AS DATE))');
    expect(sql).toContain("CAST(date_trunc('month', `placed_at`) AS date)");
    expect(sql).toContain('CAST(extract(year FROM `placed_at`) AS integer)');
    expect(sql).toContain('CAST(`total` AS DECIMAL(12,2))');
    expect(sql).toContain('CAST(`n` AS STRING)');
    expect(sql).toContain('CAST(`at` AS TIMESTAMP_NTZ)');
    expect(sql).toContain('CAST(`at` AS TIMESTAMP) AS `instant`');
    expect(sql).toContain('CAST(`n` AS INT)');
  });

  it('cast ranking window functions to bigint, as row_number() is on PostgreSQL and DuckDB', () => {
    const sql = compileSpark(
      ref('m')
        .withColumn('n', rowNumber().over(Window.partitionBy('c').orderBy(col('v').desc())))
        .withColumn('r', rank().over(Window.orderBy('v'))).plan,
      sparkResolver,
    );
    expect(sql).toContain(
      'CAST(row_number() OVER (PARTITION BY `c` ORDER BY `v` DESC NULLS FIRST) AS BIGINT) AS `n`',
    );
    expect(sql).toContain('CAST(rank() OVER (ORDER BY `v` ASC NULLS LAST) AS BIGINT) AS `r`');
  });
});

describe('SQL models on Spark', () => {
  it('render ref() and source() as temporary views', () => {
    const m = sqlModel(
      "select o.id from {{ source('shop', 'orders') }} as o join {{ ref('stg_x') }} as x on x.id = o.id",
    );
    expect(modelSql(m, 'spark', sparkResolver)).toBe(
      'select o.id from `src__shop__orders` as o join `stg_x` as x on x.id = o.id',
    );
  });

  it('are refused with the construct and its alternative when they use what Spark SQL lacks', () => {
    expect(
      unportableIn('select * from t qualify row_number() over () = 1', 'spark').map((u) => u.construct),
    ).toEqual(['QUALIFY']);
    expect(unportableIn('select distinct on (a) a, b from t', 'spark').map((u) => u.construct)).toEqual([
      'DISTINCT ON (...)',
    ]);
    expect(
      unportableIn("select to_char(x, 'YYYY'), jsonb_typeof(j) from t", 'spark').map((u) => u.construct),
    ).toEqual(['jsonb_*() functions']);
    expect(() => modelSql(sqlModel('select a // b from t'), 'spark', sparkResolver)).toThrow(
      /marts\/m\.sql: uses \/\/ \(integer division\), which the spark engine lacks/,
    );
    // What Spark SQL has: GROUP BY ALL, PIVOT, ifnull(), date_trunc, extract.
    expect(
      unportableIn(
        "select ifnull(a, 0), date_trunc('month', d), extract(year from d) from t group by all",
        'spark',
      ),
    ).toEqual([]);
  });
});

describe('Spark result columns in PostgreSQL', () => {
  it.each([
    ['decimal(22,2)', 'numeric(22,2)'],
    ['decimal(38,0)', 'numeric(38,0)'],
    ['timestamp', 'timestamp with time zone'],
    ['timestamp_ntz', 'timestamp without time zone'],
    ['int', 'integer'],
    ['bigint', 'bigint'],
    ['tinyint', 'smallint'],
    ['double', 'double precision'],
    ['float', 'real'],
    ['string', 'text'],
    ['varchar(20)', 'text'],
    ['date', 'date'],
    ['boolean', 'boolean'],
    ['binary', 'bytea'],
    ['array<string>', 'text[]'],
    ['array<bigint>', 'bigint[]'],
  ])('%s becomes %s', (spark, pg) => {
    expect(pgTypeOf({ name: 'c', type: spark, nullable: true }, 'marts/m.sql')).toBe(pg);
  });

  it('refuses a type ferry cannot load, naming the model and column and what to do', () => {
    expect(() => pgTypeOf({ name: 'gap', type: 'interval day', nullable: true }, 'marts/m.sql')).toThrow(
      /marts\/m\.sql: column gap has Spark type interval day, which ferry cannot load into PostgreSQL/,
    );
    expect(() => pgTypeOf({ name: 'm', type: 'map<string,int>', nullable: true }, 'marts/m.sql')).toThrow(
      /cannot load/,
    );
  });
});

describe('reading source tables', () => {
  it('uses one read partition per rows_per_partition rows, at least one and at most 64', () => {
    expect(readPartitions(0, 250_000)).toBe(1);
    expect(readPartitions(250_000, 250_000)).toBe(1);
    expect(readPartitions(250_001, 250_000)).toBe(2);
    expect(readPartitions(10_000_000, 250_000)).toBe(40);
    expect(readPartitions(1e9, 250_000)).toBe(64);
  });
});

describe('a Spark error of a model', () => {
  const error = new SparkError(
    'Spark Connect 127.0.0.1:15002: [UNRESOLVED_COLUMN.WITH_SUGGESTION] \n[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved. SQLSTATE: 42703\n== SQL ==\nselect x',
    { errorClass: 'UNRESOLVED_COLUMN.WITH_SUGGESTION' },
    { hint: 'check the column names' },
  );

  it("keeps Spark's error class and first message line, not the plan dump", () => {
    expect(sparkErrorSummary(error)).toBe(
      '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved. SQLSTATE: 42703',
    );
    const failure = sparkModelFailure({ path: 'marts/m.sql' }, error);
    expect(failure.message).toBe(
      'marts/m.sql failed on spark: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved. SQLSTATE: 42703',
    );
    expect(failure.hint).toMatch(/^check the column names; see "Portable SQL"/);
  });

  it('names the error class when the message has no detail line', () => {
    const bare = new SparkError('Spark Connect 127.0.0.1:15002: the query failed', {
      errorClass: 'INTERNAL_ERROR',
    });
    expect(sparkErrorSummary(bare)).toBe('[INTERNAL_ERROR] the query failed');
  });
});

/** The shared compiler with Spark's dialect. */
function compileSpark(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, DIALECTS.spark, resolve);
}
