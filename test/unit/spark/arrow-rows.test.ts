// Arrow IPC batches built with apache-arrow (as Spark sends them) decode into exact ferry values,
// including NULLs, negative decimals, both timestamp kinds and sliced (offset) data.
import {
  DateDay,
  Decimal,
  makeData,
  RecordBatch,
  Schema,
  Field,
  Struct,
  tableToIPC,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  Int64,
  type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeArrowBatch } from '../../../src/spark/arrow-rows.js';

/** A 128-bit little-endian two's complement integer as four 32-bit words. */
function words(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(128, value);
  for (let i = 0; i < 4; i++) {
    out.push(Number(v & 0xffffffffn));
    v >>= 32n;
  }
  return out;
}

/** A validity bitmap for the given flags. */
function validity(flags: boolean[]): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((ok, i) => {
    if (ok) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return bitmap;
}

function ipcOf(columns: Record<string, Data>): Uint8Array {
  const fields = Object.entries(columns).map(([name, data]) => new Field(name, data.type, true));
  const length = Object.values(columns)[0]!.length;
  const struct = makeData({ type: new Struct(fields), length, children: Object.values(columns) });
  return tableToIPC(new Table([new RecordBatch(new Schema(fields), struct)]), 'stream');
}

describe('decodeArrowBatch', () => {
  it('reads decimals, dates and both kinds of timestamps exactly, with NULLs', () => {
    const present = [true, true, false];
    const decimal = makeData({
      type: new Decimal(3, 38, 128),
      length: 3,
      nullCount: 1,
      nullBitmap: validity(present),
      data: new Uint32Array([...words(-5n), ...words(10n ** 38n - 1n), ...words(0n)]),
    });
    const date = makeData({
      type: new DateDay(),
      length: 3,
      nullCount: 1,
      nullBitmap: validity(present),
      data: new Int32Array([-1, 19_782, 0]),
    });
    const micros = new BigInt64Array([-1n, 1_704_164_645_123_456n, 0n]);
    const zoned = makeData({
      type: new TimestampMicrosecond('UTC'),
      length: 3,
      nullCount: 1,
      nullBitmap: validity(present),
      data: micros,
    });
    const local = makeData({
      type: new TimestampMicrosecond(null),
      length: 3,
      nullCount: 1,
      nullBitmap: validity(present),
      data: micros,
    });
    const text = vectorFromArray(['a', 'ü ✓', null], new Utf8()).data[0]!;
    const big = vectorFromArray([-(2n ** 63n), 2n ** 63n - 1n, null], new Int64()).data[0]!;

    const { columns, rows } = decodeArrowBatch(ipcOf({ decimal, date, zoned, local, text, big }));
    expect(columns).toEqual(['decimal', 'date', 'zoned', 'local', 'text', 'big']);
    expect(rows).toEqual([
      {
        decimal: '-0.005',
        date: '1969-12-31',
        zoned: '1969-12-31T23:59:59.999999Z',
        local: '1969-12-31T23:59:59.999999',
        text: 'a',
        big: -(2n ** 63n),
      },
      {
        decimal: '99999999999999999999999999999999999.999',
        date: '2024-02-29',
        zoned: '2024-01-02T03:04:05.123456Z',
        local: '2024-01-02T03:04:05.123456',
        text: 'ü ✓',
        big: 2n ** 63n - 1n,
      },
      { decimal: null, date: null, zoned: null, local: null, text: null, big: null },
    ]);
  });

  it('reads a slice of a larger batch', () => {
    const full = makeData({
      type: new Decimal(2, 10, 128),
      length: 4,
      data: new Uint32Array([...words(100n), ...words(-250n), ...words(7n), ...words(1n)]),
    });
    const { rows } = decodeArrowBatch(ipcOf({ amount: full.slice(1, 2) }));
    expect(rows).toEqual([{ amount: '-2.50' }, { amount: '0.07' }]);
  });

  it('refuses a result with two columns of the same name', () => {
    const a = vectorFromArray([1n], new Int64()).data[0]!;
    const fields = [new Field('id', a.type, true), new Field('id', a.type, true)];
    const struct = makeData({ type: new Struct(fields), length: 1, children: [a, a] });
    const ipc = tableToIPC(new Table([new RecordBatch(new Schema(fields), struct)]), 'stream');
    expect(() => decodeArrowBatch(ipc)).toThrow(/more than one column named id/);
  });
});
