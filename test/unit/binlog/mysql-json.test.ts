// MySQL's binary JSON, built by hand after the layout in MySQL's json_binary.h, printed as MySQL
// prints JSON. (No MySQL server runs here: these documents stand in for the binlog of one.)
import { describe, expect, it } from 'vitest';
import { mysqlJsonText } from '../../../src/connectors/mysql/binlog/mysql-json.js';

const u16 = (n: number) => [n & 0xff, n >> 8];
const text = (bytes: number[]) => mysqlJsonText(Buffer.from(bytes), 0, bytes.length);
const double = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...b];
};

describe('MySQL binary JSON', () => {
  it('prints literals, numbers and strings', () => {
    expect(text([0x04, 0x01])).toBe('true');
    expect(text([0x04, 0x00])).toBe('null');
    expect(text([0x05, ...u16(0xfffe)])).toBe('-2');
    expect(text([0x0b, ...double(1)])).toBe('1.0');
    expect(text([0x0b, ...double(1e300)])).toBe('1e300');
    expect(text([0x0b, ...double(-2.5)])).toBe('-2.5');
    const s = [...Buffer.from('a"\\\n\u0001é')];
    expect(text([0x0c, s.length, ...s])).toBe('"a\\"\\\\\\n\\u0001é"');
    expect(text([])).toBe('null');
  });

  it('prints a small array with inlined and referenced values', () => {
    // count 4, size 27; entries: int16 1 (inline), string at 16, null (inline), double at 19
    const doc = [
      0x02,
      ...u16(4),
      ...u16(27),
      0x05,
      ...u16(1),
      0x0c,
      ...u16(16),
      0x04,
      ...u16(0),
      0x0b,
      ...u16(19),
      0x02,
      ...Buffer.from('ab'),
      ...double(2.5),
    ];
    expect(text(doc)).toBe('[1, "ab", null, 2.5]');
  });

  it('prints a small object with its keys in stored order and a nested array', () => {
    // count 2, size 28; keys at 18 ("a") and 19 ("bb"); values: int16 1 inline, array at 21
    const doc = [
      0x00,
      ...u16(2),
      ...u16(28),
      ...u16(18),
      ...u16(1),
      ...u16(19),
      ...u16(2),
      0x05,
      ...u16(1),
      0x02,
      ...u16(21),
      ...Buffer.from('abb'),
      ...u16(1),
      ...u16(7),
      0x04,
      ...u16(1),
    ];
    expect(text(doc)).toBe('{"a": 1, "bb": [true]}');
  });

  it('prints a DECIMAL and a DATETIME kept as opaque values', () => {
    // DECIMAL(5,2) 123.45: precision, scale, then the row format's binary DECIMAL
    expect(text([0x0f, 246, 5, 5, 2, 0x80, 0x7b, 0x2d])).toBe('123.45');
    // DATETIME 2024-02-29 12:34:56.5 as MySQL's packed longlong
    const ymd = ((2024 * 13 + 2) << 5) | 29;
    const hms = (12 << 12) | (34 << 6) | 56;
    const packed = ((BigInt(ymd) << 17n) | BigInt(hms)) * 16777216n + 500000n;
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(packed);
    expect(text([0x0f, 12, 8, ...b])).toBe('"2024-02-29 12:34:56.500000"');
  });
});
