// The DataFrame API builds frozen plan trees and compiles them for PostgreSQL and DuckDB.
import { describe, expect, it } from 'vitest';
import { relationResolver } from '../../../src/transform/engines/transform-engine.js';
import {
  Window,
  col,
  count,
  countDistinct,
  dateDiffDays,
  lit,
  ref,
  round,
  rowNumber,
  source,
  sum,
  when,
} from '../../../src/transform/plan/index.js';
import { type RelationResolver, compilePlan } from '../../../src/transform/engines/sql/compile-plan.js';
import { DIALECTS } from '../../../src/transform/engines/engine-dialects.js';
import { type PlanNode } from '../../../src/transform/plan/nodes.js';

const resolve = relationResolver({ shop: 'raw_shop' }, 'analytics');

describe('the DataFrame API', () => {
  it('builds an immutable plan: each call returns a new frame over the old one', () => {
    const orders = source('shop', 'orders');
    const paid = orders.filter(col('status').eq('paid'));
    expect(orders.plan).toEqual({ kind: 'Source', source: 'shop', table: 'orders' });
    expect(paid.plan.kind).toBe('Filter');
    expect(Object.isFrozen(paid.plan)).toBe(true);
    expect(Object.isFrozen(paid)).toBe(true);
    expect(() => {
      (paid.plan as { kind: string }).kind = 'Limit';
    }).toThrow(TypeError);
  });

  it('compiles the issue example for PostgreSQL', () => {
    const frame = source('shop', 'orders')
      .filter(col('status').eq('paid'))
      .groupBy('customer_id')
      .agg(sum('amount').as('revenue'));
    expect(compilePostgres(frame.plan, resolve)).toBe(
      'SELECT "customer_id", sum("amount") AS "revenue" FROM "raw_shop"."orders" AS "t1" WHERE ("status" = \'paid\') GROUP BY "customer_id"',
    );
  });

  it('compiles joins on aliases, window functions, order and limit for both engines', () => {
    const frame = source('shop', 'orders')
      .alias('o')
      .join(source('shop', 'customers').alias('c'), col('o.customer_id').eq(col('c.id')), 'left')
      .select(col('o.id').as('order_id'), col('c.email').as('email'), col('o.total').as('total'))
      .withColumn('n', rowNumber().over(Window.partitionBy('email').orderBy(col('total').desc(), 'order_id')))
      .orderBy('order_id')
      .limit(10);
    const pg = compilePostgres(frame.plan, resolve);
    const duck = compileDuckdb(frame.plan, resolve);
    expect(pg).toContain(
      'FROM "raw_shop"."orders" AS "o" LEFT JOIN "raw_shop"."customers" AS "c" ON ("o"."customer_id" = "c"."id")',
    );
    expect(pg).toContain(
      'row_number() OVER (PARTITION BY "email" ORDER BY "total" DESC NULLS FIRST, "order_id" ASC NULLS LAST) AS "n"',
    );
    expect(pg).toMatch(/ORDER BY "order_id" ASC NULLS LAST\) AS "t\d+" LIMIT 10$/);
    expect(duck).toBe(pg); // nothing engine-specific in this plan
  });

  it('spells types and engine-specific functions per engine', () => {
    const frame = ref('stg_orders').select(
      col('total').div(col('items')).as('per_item'),
      round(col('total'), 2).as('r'),
      dateDiffDays('placed_at', 'shipped_at').as('days'),
      col('total').cast('decimal(12,2)').as('d'),
      col('n').cast('text').as('t'),
    );
    const pg = compilePostgres(frame.plan, resolve);
    const duck = compileDuckdb(frame.plan, resolve);
    expect(pg).toContain('(CAST("total" AS double precision) / "items")');
    expect(duck).toContain('(CAST("total" AS DOUBLE) / "items")');
    expect(pg).toContain('round(CAST("total" AS numeric), 2)');
    expect(duck).toContain('round(CAST("total" AS DECIMAL(38,10)), 2)');
    expect(pg).toContain('(CAST("shipped_at" AS date) - CAST("placed_at" AS date))');
    expect(duck).toContain('date_diff(\'day\', CAST("placed_at" AS DATE), CAST("shipped_at" AS DATE))');
    expect(pg).toContain('CAST("total" AS numeric(12,2))');
    expect(duck).toContain('CAST("total" AS DECIMAL(12,2))');
    expect(pg).toContain('CAST("n" AS text)');
    expect(duck).toContain('CAST("n" AS VARCHAR)');
  });

  it('compiles CASE, IN, NULL tests, DISTINCT aggregates and string literals safely', () => {
    const frame = ref('x')
      .filter(col('status').isin('paid', 'shipped').and(col('note').isNotNull()))
      .groupBy(when(col('total').gt(100), 'big').otherwise(lit("o'brien")).as('size'))
      .agg(count().as('n'), countDistinct('customer_id').as('customers'));
    const sql = compilePostgres(frame.plan, resolve);
    expect(sql).toContain("(\"status\" IN ('paid', 'shipped'))");
    expect(sql).toContain('("note" IS NOT NULL)');
    expect(sql).toContain("CASE WHEN (\"total\" > 100) THEN 'big' ELSE 'o''brien' END AS \"size\"");
    expect(sql).toContain('count(*) AS "n", count(DISTINCT "customer_id") AS "customers"');
    expect(sql).toContain("GROUP BY CASE WHEN (\"total\" > 100) THEN 'big' ELSE 'o''brien' END");
  });

  it('withColumn replaces a column of the same name when the frame knows its columns', () => {
    const frame = ref('m')
      .select(col('id'), col('total').as('amount'))
      .withColumn('amount', round(col('amount'), 0))
      .withColumn('flag', lit(true));
    expect(compilePostgres(frame.plan, resolve)).toBe(
      'SELECT *, TRUE AS "flag" FROM (SELECT "id", round(CAST("amount" AS numeric), 0) AS "amount" FROM (SELECT "id", "total" AS "amount" FROM "analytics"."m" AS "t1") AS "t2") AS "t3"',
    );
  });

  it('quotes identifiers, so odd column names cannot break out', () => {
    const sql = compilePostgres(ref('m').select(col('we"ird')).plan, resolve);
    expect(sql).toBe('SELECT "we""ird" FROM "analytics"."m" AS "t1"');
  });

  it('rejects over() on anything but a function call', () => {
    expect(() => col('x').over(Window.orderBy('y'))).toThrow(/over\(\) applies to a function call/);
  });
});

/** The shared compiler with each engine's dialect. */
function compilePostgres(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, DIALECTS.postgres, resolve);
}

function compileDuckdb(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, DIALECTS.duckdb, resolve);
}
