// The byte-level COPY encoder must write exactly what the row encoder writes for the same values,
// and hand every row a policy must judge to the row encoder.
import { describe, expect, it } from 'vitest';
import { sourceColumn } from '../../support/source-column.js';
import { createPacketEncoder } from '../../../src/schema/copy-bytes.js';
import { createRowEncoder } from '../../../src/schema/row-encoder.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import type { RowGate } from '../../../src/schema/row-outcome.js';

function column(name: string, dataType: string, columnType = dataType) {
  return sourceColumn(name, dataType, columnType, {
    unsigned: false,
    maxLength: 255,
    precision: 12,
    scale: 2,
    fsp: 0,
  });
}

const COLUMNS = [
  column('id', 'bigint'),
  column('flag', 'tinyint', 'tinyint(1)'),
  column('amount', 'decimal'),
  column('born', 'date'),
  column('seen', 'datetime'),
  column('stamp', 'timestamp'),
  column('name', 'varchar'),
  column('data', 'blob'),
  column('doc', 'json'),
  column('tags', 'set', "set('a','b')"),
];
const mappings = COLUMNS.map((c) => mapColumn(c, 't'));

/** A text-protocol row packet: each value length-encoded, NULL as 0xFB. */
function packet(values: (string | Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    const n = bytes.length;
    if (n < 0xfb) parts.push(Buffer.from([n]));
    else if (n < 0x10000) parts.push(Buffer.from([0xfc, n & 0xff, n >> 8]));
    else parts.push(Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]));
    parts.push(bytes);
  }
  return Buffer.concat([Buffer.alloc(3), ...parts]); // 3 bytes of "header" before the row starts
}

type Policies = {
  zero_dates: 'null' | 'quarantine' | 'fail';
  invalid_values: 'null' | 'quarantine' | 'fail';
};
const POLICIES: Policies = { zero_dates: 'null', invalid_values: 'quarantine' };

function viaPackets(rows: (string | Buffer | null)[][], policies = POLICIES) {
  const encoder = createPacketEncoder(mappings, createRowEncoder('t', mappings, ['id'], policies));
  for (const row of rows) {
    const p = packet(row);
    encoder.add(p, 3, p.length);
  }
  const batch = encoder.take();
  return { ...batch, text: batch.bytes.toString('utf8') };
}

function viaRows(rows: (string | Buffer | null)[][], policies = POLICIES) {
  const encoder = createRowEncoder('t', mappings, ['id'], policies);
  // the row encoder sees bytes only for binary columns, as the reader delivers them
  for (const row of rows)
    encoder.add(row.map((v, i) => (i === 7 || v === null || typeof v === 'string' ? v : v.toString('utf8'))));
  return encoder.take();
}

const plain = (id: number): (string | Buffer | null)[] => [
  String(id),
  id % 2 ? '1' : '0',
  '-12.50',
  '2024-02-29',
  '2024-01-01 10:00:00',
  '2024-01-01 10:00:00',
  `name ${id}`,
  Buffer.from([0, 1, 254, 255]),
  '{"a": [1, "x"]}',
  'a,b',
];

describe('the byte-level COPY encoder', () => {
  it('writes the same COPY text as the row encoder for plain rows and NULLs', () => {
    const rows = [plain(1), plain(2), [String(3), null, null, null, null, null, null, null, null, null]];
    const fast = viaPackets(rows);
    expect(fast.text).toBe(viaRows(rows).text);
    expect(fast.rows).toBe(3);
  });

  it('escapes backslash, tab, newline and carriage return, and keeps UTF-8 as is', () => {
    const row = plain(1);
    row[6] = 'a\\b\tc\nd\re ü 日本 🎉';
    row[8] = '{"k": "line\\nbreak", "t": "tab\\there"}';
    expect(viaPackets([row]).text).toBe(viaRows([row]).text);
    expect(viaPackets([row]).text).toContain('a\\\\b\\tc\\nd\\re ü 日本 🎉');
  });

  it('reads 2- and 3-byte length prefixes of long values', () => {
    const row = plain(1);
    row[6] = 'x'.repeat(300);
    row[7] = Buffer.alloc(70_000, 7);
    const fast = viaPackets([row]);
    expect(fast.text).toBe(viaRows([row]).text);
  });

  it('hands zero dates, NUL bytes, non-boolean TINYINT(1), \\u0000 in JSON and invalid UTF-8 to the policies', () => {
    const zero = plain(1);
    zero[3] = '0000-00-00';
    const nul = plain(2);
    nul[6] = 'a\u0000b';
    const two = plain(3);
    two[1] = '2';
    const json = plain(4);
    json[8] = '{"a": "\\u0000"}';
    const latin = plain(5);
    latin[6] = Buffer.from([0x61, 0xe9, 0x62]); // not UTF-8
    const rows = [zero, nul, two, json, latin, plain(6)];
    const fast = viaPackets(rows);
    const slow = viaRows(rows);
    expect(fast.text).toBe(slow.text);
    expect(fast.rows).toBe(6);
    expect(fast.quarantined.map((q) => q.reason)).toEqual(slow.quarantined.map((q) => q.reason));
    expect(fast.quarantined).toHaveLength(3); // NUL, 2, \u0000
    expect(fast.nulled.map((n) => n.column)).toEqual(['born']);
  });

  it('fails the stream when the policy says fail', () => {
    const zero = plain(1);
    zero[5] = '0000-00-00 00:00:00';
    expect(() => viaPackets([zero], { zero_dates: 'fail', invalid_values: 'quarantine' })).toThrow(
      /t\.stamp: zero date/,
    );
  });

  it('writes what the row encoder writes for random rows: every value shape next to every other', () => {
    // The fast path copies runs of packet bytes and patches lengths into tabs: NULLs, long length
    // prefixes, escapes, TINYINT(1) and timestamps in every position and next to each other.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(options: T[]): T => options[next(options.length)]!;
    const text = () =>
      pick([
        '',
        'a',
        'plain text',
        'tab\there',
        'a\\b',
        'ü 日本',
        'x'.repeat(250 + next(10)),
        'y'.repeat(70_000),
      ]);
    const shapes: (() => string | Buffer | null)[] = [
      () => String(next(1_000_000)),
      () => pick(['0', '1']),
      () => pick(['-12.50', '0.00', '99999.99']),
      () => pick(['2024-02-29', '1999-12-31']),
      () => pick(['2024-01-01 10:00:00', '2020-06-30 23:59:59.123456']),
      () => pick(['2024-01-01 10:00:00', '1970-01-01 00:00:01']),
      text,
      () => pick([Buffer.alloc(0), Buffer.from([0, 1, 254, 255]), Buffer.alloc(300, 9)]),
      () => pick(['{}', '{"a": [1, "x"]}', '{"k": "line\\nbreak"}']),
      () => pick(['', 'a', 'a,b']),
    ];
    const rows = Array.from({ length: 2_000 }, () => shapes.map((shape) => (next(4) === 0 ? null : shape())));
    const fast = viaPackets(rows);
    const slow = viaRows(rows);
    expect(fast.rows).toBe(rows.length);
    expect(fast.quarantined).toHaveLength(0);
    expect(fast.text).toBe(slow.text);
  });

  it("decodes nothing for the checks when their screen on the packet's bytes passes the row", () => {
    const checked: string[] = [];
    const gate: RowGate = {
      columns: [0, 6],
      presence: [],
      // passes rows whose id is one byte long, as the packet holds it
      screen: (_buffer, _at, length) => length[0] === 1,
      check: (row) => {
        checked.push(String(row[0]));
        return undefined;
      },
      noteValueFailure: () => undefined,
    };
    const encoder = createPacketEncoder(
      mappings,
      createRowEncoder('t', mappings, ['id'], POLICIES, { gate }),
      {
        gate,
      },
    );
    for (const row of [plain(1), plain(22), plain(3)]) {
      const p = packet(row);
      encoder.add(p, 3, p.length);
    }
    expect(checked).toEqual(['22']);
    expect(encoder.take().rows).toBe(3);
  });

  it('decodes only the columns the quality checks read; a failing row is set aside whole', () => {
    const seen: (string | Buffer | null)[][] = [];
    const gate: RowGate = {
      columns: [0],
      presence: [],
      check: (row) => {
        seen.push([...row]); // the encoder reuses one array for every row's check
        return row[0] === '2'
          ? [
              {
                check: 'id.min',
                code: 'min',
                column: 'id',
                severity: 'quarantine',
                message: 'id 2 is not welcome',
              },
            ]
          : undefined;
      },
      noteValueFailure: () => undefined,
    };
    const rowEncoder = createRowEncoder('t', mappings, ['id'], POLICIES, { gate });
    const encoder = createPacketEncoder(mappings, rowEncoder, { gate });
    for (const row of [plain(1), plain(2)]) {
      const p = packet(row);
      encoder.add(p, 3, p.length);
    }
    const batch = encoder.take();
    expect(seen.map((r) => r[0])).toEqual(['1', '2']);
    expect(seen[0]![7]).toBeNull(); // not read by a check: not decoded
    expect(batch.rows).toBe(2);
    expect(batch.quarantined.map((q) => q.reason)).toEqual(['id: id 2 is not welcome']);
    expect(Object.keys(batch.quarantined[0]!.row)).toHaveLength(mappings.length); // the whole row is kept
    expect(batch.bytes.toString().split('\n').filter(Boolean)).toHaveLength(1);
  });
});
