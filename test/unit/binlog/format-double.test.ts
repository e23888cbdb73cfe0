// Doubles print as MariaDB prints a DOUBLE column: the pairs below were read from MariaDB 10.11
// (SELECT of a DOUBLE, or CAST(FLOAT AS DOUBLE)); the integration tests compare thousands more.
import { describe, expect, it } from 'vitest';
import { formatDouble } from '../../../src/connectors/mysql/binlog/format-double.js';

const PRINTED: [number, string][] = [
  [0, '0'],
  [-0, '0'],
  [1e14, '100000000000000'],
  [1e15, '1e15'],
  [1e16, '1e16'],
  [1.5e15, '1.5e15'],
  [0.0001, '0.0001'],
  [0.00001, '0.00001'],
  [1e-7, '0.0000001'],
  [1.2345678901234566e-7, '0.00000012345678901234566'],
  [1e-14 / 3, '0.0000000000000033333333333333332'],
  [1e-15 / 3, '3.3333333333333336e-16'],
  [1e300, '1e300'],
  [-1e-300, '-1e-300'],
  [5e-324, '5e-324'],
  [-1.7976931348623157e308, '-1.7976931348623157e308'],
  [12345678901234568, '1.2345678901234568e16'],
  [123456789012345.6, '123456789012345.6'],
  [Math.fround(1e15), '999999986991104'],
  [Math.fround(1e-5), '0.000009999999747378752'],
  [Math.fround(3.4e38), '3.3999999521443642e38'],
  [Math.fround(1e-40), '9.99994610111476e-41'],
  [Math.fround(0.1), '0.10000000149011612'],
  [2.5, '2.5'],
  [0.1 + 0.2, '0.30000000000000004'],
];

describe('formatDouble', () => {
  it.each(PRINTED)('prints %d as %s', (value, text) => {
    expect(formatDouble(value)).toBe(text);
  });

  it('keeps 17 digits that reach past the decimal point in fixed notation', () => {
    expect(formatDouble(1234567890123456.8)).toBe('1234567890123456.8');
  });
});
