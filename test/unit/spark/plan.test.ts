// Plan builders: frozen nodes in the protocol's shape, inputs shared and never changed.
import { describe, expect, it } from 'vitest';
import { write } from '../../../src/spark/plan/commands.js';
import {
  asc,
  col,
  dateLit,
  decimalLit,
  desc,
  eq,
  fn,
  ident,
  lit,
  over,
  star,
} from '../../../src/spark/plan/expressions.js';
import {
  aggregate,
  filter,
  join,
  limit,
  project,
  sql,
  withColumns,
} from '../../../src/spark/plan/relations.js';

describe('expressions', () => {
  it('picks the literal type from the JavaScript value', () => {
    expect(lit(1)).toEqual({ literal: { integer: 1 } });
    expect(lit(2 ** 40)).toEqual({ literal: { long: String(2 ** 40) } });
    expect(lit(2n ** 63n - 1n)).toEqual({ literal: { long: '9223372036854775807' } });
    expect(lit(0.5)).toEqual({ literal: { double: 0.5 } });
    expect(lit(null)).toEqual({ literal: { null: { null: {} } } });
    expect(lit(new Date('1970-01-01T00:00:01.5Z'))).toEqual({ literal: { timestamp: '1500000' } });
    expect(decimalLit('-012.340')).toEqual({
      literal: { decimal: { value: '-012.340', precision: 5, scale: 3 } },
    });
    expect(dateLit('1970-01-02')).toEqual({ literal: { date: 1 } });
    expect(() => decimalLit('1e5')).toThrow(/not a decimal/);
    expect(() => dateLit('2024-13-01')).toThrow(/not a date/);
  });

  it('quotes identifier parts and qualified stars', () => {
    expect(ident('o', 'order `id`')).toEqual({
      unresolved_attribute: { unparsed_identifier: '`o`.`order ``id```' },
    });
    expect(star('o')).toEqual({ unresolved_star: { unparsed_target: '`o`.*' } });
  });

  it('builds window specifications with frames', () => {
    const w = over(fn('sum', col('x')), {
      partitionBy: [col('g')],
      orderBy: [desc(col('t'))],
      frame: { type: 'rows', lower: -2, upper: 'current' },
    });
    expect(w.window?.frame_spec).toEqual({
      frame_type: 'FRAME_TYPE_ROW',
      lower: { value: { literal: { integer: -2 } } },
      upper: { current_row: true },
    });
    expect(w.window?.order_spec[0]).toEqual({
      child: col('t'),
      direction: 'SORT_DIRECTION_DESCENDING',
      null_ordering: 'SORT_NULLS_LAST',
    });
    expect(asc(col('t')).null_ordering).toBe('SORT_NULLS_FIRST');
  });
});

describe('relations', () => {
  it('returns frozen nodes and leaves their inputs as they were', () => {
    const base = sql('SELECT 1 AS a');
    const snapshot = JSON.stringify(base);
    const next = limit(filter(withColumns(base, { b: lit(2) }), eq(col('a'), lit(1))), 5);
    expect(JSON.stringify(base)).toBe(snapshot);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.limit)).toBe(true);
    expect(next.limit?.input.filter?.input.with_columns?.aliases).toEqual([{ expr: lit(2), name: ['b'] }]);
  });

  it('maps join kinds to the protocol and refuses both on and using', () => {
    const l = sql('SELECT 1 AS id');
    const r = sql('SELECT 1 AS id');
    expect(join(l, r, { how: 'left', using: ['id'] }).join).toMatchObject({
      join_type: 'JOIN_TYPE_LEFT_OUTER',
      using_columns: ['id'],
    });
    expect(join(l, r, { how: 'anti', on: eq(col('a'), col('b')) }).join?.join_type).toBe(
      'JOIN_TYPE_LEFT_ANTI',
    );
    expect(() => join(l, r, { on: lit(true), using: ['id'] })).toThrow(/either "on" or "using"/);
  });

  it('builds an aggregate, a projection without input, and a write', () => {
    const agg = aggregate(sql('SELECT 1 AS g'), [col('g')], [fn('count', lit(1))]);
    expect(agg.aggregate?.group_type).toBe('GROUP_TYPE_GROUPBY');
    expect(project(undefined, [lit(1)])).toEqual({ project: { expressions: [lit(1)] } });
    expect(
      write(agg, { format: 'jdbc', mode: 'overwrite', options: { dbtable: 't' } }).write_operation,
    ).toMatchObject({
      source: 'jdbc',
      mode: 'SAVE_MODE_OVERWRITE',
      options: { dbtable: 't' },
    });
    expect(() => limit(agg, -1)).toThrow(/non-negative/);
  });
});
