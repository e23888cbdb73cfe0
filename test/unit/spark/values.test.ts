// Exact text for Spark's decimals, dates and timestamps, and the names of Spark types.
import { describe, expect, it } from 'vitest';
import { formatDays, formatDecimal, formatMicros } from '../../../src/spark/arrow-rows.js';
import { fieldsOf, sparkTypeName } from '../../../src/spark/data-type.js';

describe('formatDecimal', () => {
  it.each([
    [12345n, 2, '123.45'],
    [-5n, 3, '-0.005'],
    [0n, 2, '0.00'],
    [7n, 0, '7'],
    [99999999999999999999999999999999999999n, 38, '0.99999999999999999999999999999999999999'],
    [-99999999999999999999999999999999999999n, 0, '-99999999999999999999999999999999999999'],
    [15n, -2, '1500'],
  ])('%s with scale %s is %s', (unscaled, scale, text) => {
    expect(formatDecimal(unscaled, scale)).toBe(text);
  });
});

describe('formatMicros and formatDays', () => {
  it('keeps every microsecond, before and after the epoch', () => {
    expect(formatMicros(0n)).toBe('1970-01-01T00:00:00.000000');
    expect(formatMicros(-1n)).toBe('1969-12-31T23:59:59.999999');
    expect(formatMicros(1_704_164_645_123_456n)).toBe('2024-01-02T03:04:05.123456');
    expect(formatMicros(-62_135_596_800_000_000n)).toBe('0001-01-01T00:00:00.000000');
  });

  it('prints days since the epoch as dates', () => {
    expect(formatDays(0)).toBe('1970-01-01');
    expect(formatDays(-1)).toBe('1969-12-31');
    expect(formatDays(19_782)).toBe('2024-02-29');
  });
});

describe('sparkTypeName', () => {
  it('names simple and nested types as Spark SQL does', () => {
    expect(sparkTypeName({ kind: 'long', long: {} })).toBe('bigint');
    expect(sparkTypeName({ kind: 'decimal', decimal: { precision: 38, scale: 10 } })).toBe('decimal(38,10)');
    expect(
      sparkTypeName({
        kind: 'map',
        map: {
          key_type: { kind: 'string', string: {} },
          value_type: {
            kind: 'array',
            array: { element_type: { kind: 'timestamp_ntz', timestamp_ntz: {} } },
          },
        },
      }),
    ).toBe('map<string,array<timestamp_ntz>>');
  });

  it('lists the fields of a result schema', () => {
    expect(
      fieldsOf({
        kind: 'struct',
        struct: {
          fields: [
            { name: 'id', data_type: { kind: 'integer', integer: {} }, nullable: false },
            { name: 'at', data_type: { kind: 'date', date: {} }, nullable: true },
          ],
        },
      }),
    ).toEqual([
      { name: 'id', type: 'int', nullable: false },
      { name: 'at', type: 'date', nullable: true },
    ]);
  });
});
