// SQL one engine lacks is refused before it runs, naming the model, the construct and the alternative.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/transform/engine-error.js';
import { modelSql, relationResolver } from '../../../src/transform/engines/transform-engine.js';
import type { Model } from '../../../src/transform/models/model.js';
import { parseSqlModel } from '../../../src/transform/models/sql-template.js';
import {
  daysFromCivil,
  scaledDecimal,
  timeMicros,
  timestampMicros,
} from '../../../src/transform/engines/duckdb/duckdb-types.js';

const resolve = relationResolver({ shop: 'raw_shop' }, 'analytics');

function model(sql: string, engines: Model['config']['engines'] = null): Model {
  const parsed = parseSqlModel(sql, 'marts/m.sql');
  return {
    name: 'm',
    path: 'marts/m.sql',
    kind: 'sql',
    sql: parsed.body,
    plan: null,
    refs: parsed.refs,
    sources: parsed.sources,
    config: { materialized: 'table', unique_key: [], cursor: null, engines },
    tests: [],
    description: '',
  };
}

describe('portable SQL', () => {
  it('renders ref() and source() into quoted relations', () => {
    expect(
      modelSql(
        model("select * from {{ ref('stg_orders') }} join source('shop', 'customers') using (id)"),
        'postgres',
        resolve,
      ),
    ).toBe('select * from "analytics"."stg_orders" join "raw_shop"."customers" using (id)');
  });

  it('refuses DuckDB-only SQL on postgres, with what to write instead', () => {
    const m = model("select * from {{ ref('x') }} qualify row_number() over (partition by a order by b) = 1");
    try {
      modelSql(m, 'postgres', resolve);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).message).toBe(
        'marts/m.sql: uses QUALIFY, which the postgres engine lacks',
      );
      expect((error as EngineError).hint).toMatch(/filter a window column in an outer SELECT/);
      expect((error as EngineError).exitCode).toBe(1);
    }
    expect(() => modelSql(m, 'duckdb', resolve)).not.toThrow();
  });

  it('refuses PostgreSQL-only SQL on duckdb, ignoring comments and strings', () => {
    expect(() =>
      modelSql(model("select to_char(placed_at, 'YYYY') from {{ ref('x') }}"), 'duckdb', resolve),
    ).toThrow(/uses to_char\(\), which the duckdb engine lacks/);
    expect(() =>
      modelSql(model("-- to_char() is not used\nselect 'age(' as s from {{ ref('x') }}"), 'duckdb', resolve),
    ).not.toThrow();
  });

  it('keeps a model to the engines its config allows', () => {
    expect(() => modelSql(model('select 1', ['postgres']), 'duckdb', resolve)).toThrow(
      /marts\/m.sql: the model runs only on postgres, not on duckdb/,
    );
  });
});

describe('DuckDB value conversion', () => {
  it('counts days from the epoch for any year', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2024, 2, 29)).toBe(19782);
    expect(daysFromCivil(1000, 1, 1)).toBe(-354285);
    expect(daysFromCivil(9999, 12, 31)).toBe(2932896);
  });

  it('reads MySQL datetimes, times and decimals exactly', () => {
    expect(timestampMicros('1970-01-01 00:00:01.000002')).toBe(1_000_002n);
    expect(timestampMicros('2024-02-29 23:59:59')).toBe((19782n * 86400n + 86399n) * 1_000_000n);
    expect(timeMicros('-838:59:59.5')).toBe(-((838n * 3600n + 59n * 60n + 59n) * 1_000_000n + 500_000n));
    expect(scaledDecimal('-123.4', 2)).toBe(-12340n);
    expect(scaledDecimal('99999999.99', 2)).toBe(9999999999n);
    expect(scaledDecimal('18446744073709551615', 0)).toBe(18446744073709551615n);
  });
});
