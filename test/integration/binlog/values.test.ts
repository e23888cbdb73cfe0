// Every value the binlog reader decodes equals, byte for byte, what the snapshot path's select list
// reads for the same stored value: every row of the type mapping, inserted, updated and deleted,
// with edge values (extremes, NULLs, zero dates, NUL bytes, 4-byte characters, trailing zeros).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectTables } from '../../../src/connectors/mysql/introspect.js';
import type { SourceTable } from '../../../src/schema/source-table.js';
import { tableMapDifferences } from '../../../src/connectors/mysql/binlog/table-shape.js';
import type { BinlogEvent, TableMap } from '../../../src/connectors/mysql/binlog/events.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { everyTypeSql, TYPE_CASES } from '../../support/type-cases.js';
import { differences, gtidFrom, gtidNow, readUntil, snapshotRows } from './support.js';
import type { SourceRow } from '../../../src/schema/row-outcome.js';

// More values per column of every_type, as MySQL literals (a missing one is NULL).
const EDGES: Record<string, string[]> = {
  tinyint: ['0', '-1'],
  'tinyint unsigned': ['1', '128'],
  'tinyint(1)': ['127', '-128'],
  smallint: ['0', '-1'],
  'smallint unsigned': ['32768'],
  mediumint: ['0', '-1'],
  'mediumint unsigned': ['8388608'],
  int: ['0', '-1'],
  'int unsigned': ['2147483648'],
  bigint: ['0', '-1', '9007199254740993', '-9007199254740993', '4294967296', '-2097152'],
  'bigint unsigned': ['9223372036854775808', '9007199254740992', '4294967295', '9007199254740993'],
  'decimal(65,30)': [
    '0',
    '-99999999999999999999999999999999999.999999999999999999999999999999',
    '0.000000000000000000000000000001',
    '1',
    '-123456789.5',
  ],
  'decimal(10,2) unsigned': ['0.01', '10.50'],
  float: ['0', '-0', '3.4028234e38', '1.17549435e-38', '0.1', '16777217', '-1.5', '1e-40', '123456789'],
  double: [
    '0',
    '-0e0',
    '5e-324',
    '2.2250738585072014e-308',
    '0.1',
    '1e15',
    '1e16',
    '1234567890123456.7',
    '1e-14',
    '1e-15',
    '123456789012345678e0',
    '-1e300',
    '100000000000000',
    '0.30000000000000004',
  ],
  'bit(1)': [],
  'bit(64)': ["b'1111111111111111111111111111111111111111111111111111111111111111'", "b'1'", "b'10000000'"],
  date: ["'0000-00-00'", "'2024-00-10'", "'2024-02-30'", "'0001-01-01'"],
  datetime: ["'0000-00-00 00:00:00'", "'2024-02-30 12:00:00'", "'2000-01-00 23:59:59'"],
  'datetime(6)': ["'0000-00-00 00:00:00.000000'", "'9999-12-31 23:59:59.999999'", "'2000-01-01 00:00:00.5'"],
  'timestamp(6) NULL': ["'0000-00-00 00:00:00'", "'2000-02-29 12:34:56.123456'", "'2038-01-19 03:14:07'"],
  time: ["'00:00:00'", "'-00:00:01'", "'100:00:00'", "'-838:59:58'", "'-12:00:00'"],
  'time(6)': [
    "'-838:59:59.000000'",
    "'838:59:59.000000'",
    "'-00:00:00.000001'",
    "'-12:34:56.5'",
    "'-01:00:00.999999'",
    "'00:00:00'",
  ],
  year: ['0', '2000', '1970', "'69'"],
  'char(5) CHARACTER SET latin1': ["'a\\0b'", "X'80A4E9FF'", "'a  '", "' b'"],
  'varchar(40) CHARACTER SET utf8mb4': ["'a\\0b'", "'𝄞 x'", "'trailing  '", "'\\\\'"],
  text: ["'\\0'", "REPEAT('é', 30000)", "'\\t\\n'"],
  // every byte, in latin1: MySQL's latin1 is cp1252 with five C1 controls
  'longtext CHARACTER SET latin1': [
    `UNHEX('${Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join('')}')`,
  ],
  'binary(4)': ['0x01', '0x00000001', '0x01000000'],
  'varbinary(10)': ['0x0000', "''", '0x00FF00'],
  blob: ['0x00', "UNHEX(REPEAT('00', 300))", "UNHEX(REPEAT('FF', 70000 DIV 2))"],
  "enum('small','medium','large')": ["''", "'medium'"],
  "set('a','b','c d')": ["'c d'", "'a,b,c d'", "'b,a'"],
  json: ['\'{"k": "\\\\u00e9\\\\u0000", "n": [1.0, -0.0, 1e10]}\'', '\'"str"\'', "'null'", "' [ ]'"],
  point: ["ST_GeomFromText('POINT(0 0)')", "ST_GeomFromText('POINT(1e300 -1e-300)', 4326)"],
  // every UUID version and variant (MariaDB orders some of them differently in its indexes)
  uuid: [
    "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'",
    "'f47ac10b-58cc-4372-a567-0e02b2c3d479'",
    "'1ef21d2f-1207-6660-8c4f-419efbd44d48'",
    "'01890a5d-ac96-774b-bcce-b302099a8057'",
    "'123e4567-e89b-12d3-7456-426655440000'",
    "'123e4567-e89b-f2d3-c456-426655440000'",
    "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
    "'00000000-0000-0000-0000-000000000001'",
    "'10000000-0000-0000-0000-000000000000'",
  ],
  inet4: ["'255.255.255.255'", "'1.2.3.4'", "'10.0.0.0'"],
  inet6: [
    "'::'",
    "'::1'",
    "'::2'",
    "'::100'",
    "'::1.2.3.4'",
    "'::ffff:1.2.3.4'",
    "'::fffe:1.2.3.4'",
    "'::ffff:0.0.0.0'",
    "'::0.1.0.0'",
    "'1::'",
    "'1:0:1:1:1:1:1:1'",
    "'1:0:0:1:0:0:0:1'",
    "'1:0:0:1:1:0:0:1'",
    "'fe80::1:0:0:0'",
    "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
    "'2001:db8:0:0:1:0:0:1'",
  ],
  geometry: [
    "ST_GeomFromText('POINT(1 2)')",
    "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 2147483649)",
    "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))', 4326)",
    "ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', 3857)",
    "ST_GeomFromText('POINT(3 4)', 1)",
  ],
};

// Columns the type cases do not cover: length prefixes of 2 bytes, wide ENUM/SET, every fsp, other
// character sets, the signedness bit of a YEAR before an unsigned column, more geometry.
const MORE_COLUMNS: [string, string[]][] = [
  ['tinytext', ["'t'", "''"]],
  ['mediumtext', ["REPEAT('ü', 40000)"]],
  ['tinyblob', ['0x00']],
  ['mediumblob', ["UNHEX(REPEAT('AB', 70000))"]],
  ['longblob', ['0x0102']],
  ['char(255) CHARACTER SET utf8mb4', ["REPEAT('😀', 255)", "'x'"]],
  ['varchar(300) CHARACTER SET utf8mb4', ["REPEAT('a', 300)", "''"]],
  ['binary(255)', ['0x01', "''"]],
  ['varbinary(300)', ["UNHEX(REPEAT('00', 300))"]],
  [`enum(${Array.from({ length: 300 }, (_, i) => `'m${i}'`).join(',')})`, ["'m0'", "'m299'", "'m255'"]],
  [
    `set(${Array.from({ length: 64 }, (_, i) => `'s${i}'`).join(',')})`,
    ["'s0,s63'", "'s7,s8,s31,s32'", "''"],
  ],
  ['bit(3)', ["b'101'", "b'0'"]],
  ['bit(9)', ["b'100000001'"]],
  ['decimal(5,0)', ['-99999', '0']],
  ['decimal(18,9)', ['-123456789.123456789', '0.000000001']],
  ['decimal(19,10)', ['123456789.0123456789']],
  ['decimal(9,9)', ['0.999999999', '-0.000000001']],
  ['decimal(30,0) unsigned', ['123456789012345678901234567890']],
  ['time(1)', ["'-00:00:00.1'", "'12:00:00.9'"]],
  ['time(2)', ["'-838:59:59.99'", "'-00:00:00.01'"]],
  ['time(3)', ["'-00:00:01.001'"]],
  ['time(4)', ["'-10:00:00.9999'"]],
  ['time(5)', ["'00:00:00.00001'"]],
  ['datetime(1)', ["'2020-01-01 00:00:00.1'"]],
  ['datetime(3)', ["'2020-01-01 00:00:00.999'", "'0000-00-00 00:00:00'"]],
  ['timestamp(2) NULL', ["'2020-01-01 00:00:00.99'"]],
  ['timestamp(5) NULL', ["'2020-01-01 00:00:00.00001'"]],
  ['timestamp NULL', ["'1970-01-01 00:00:01'"]],
  ['year', ['1901']],
  ['int unsigned', ['4294967295']],
  ['smallint unsigned', ['65535']],
  ['float(7,2)', ['12345.67', '-0.5']],
  ['double unsigned', ['1e308']],
  ['double(10,2)', ['1.5', '-12345678.91']],
  ['varchar(20) CHARACTER SET utf8mb3', ["'ñ€'"]],
  ['varchar(20) CHARACTER SET ascii', ["'plain'"]],
  ['varchar(20) CHARACTER SET ucs2', ["'ñ€Ω'"]],
  ['varchar(20) CHARACTER SET utf16', ["'𝄞ñ'"]],
  ['varchar(20) CHARACTER SET utf16le', ["'𝄞ñ'"]],
  ['varchar(20) CHARACTER SET utf32', ["'𝄞ñ'"]],
  ['char(4) CHARACTER SET utf16', ["'ab'"]],
  ['linestring', ["ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)')"]],
  ['polygon', ["ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')"]],
  ['geometry', ["ST_GeomFromText('MULTIPOINT(1 1, 2 2)')"]],
  ['json', ['\'{"a": {"b": [true, false, null]}}\'']],
  ['linestring', ["ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326)"]],
  ['multipoint', ["ST_GeomFromText('MULTIPOINT(1 1, 2 2)', 3857)", "ST_GeomFromText('MULTIPOINT(1 1)')"]],
  // NOT NULL: a value in each of the table's three rows
  [
    'uuid NOT NULL',
    ["'00000000-0000-0000-0000-000000000000'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'0-0-0-0-1'"],
  ],
  ['inet6 NOT NULL', ["'::'", "'::ffff:255.255.255.255'", "'1:2:3:4:5:6:7:8'"]],
  ['inet4 NOT NULL', ["'0.0.0.0'", "'127.0.0.1'", "'0.0.0.1'"]],
  ['tinyint unsigned', ['255']],
];

let db: TestDatabases;
let events: BinlogEvent[];
const before = new Map<string, Map<string, SourceRow>>();
const after = new Map<string, Map<string, SourceRow>>();
const introspected = new Map<string, SourceTable>();

function insertSql(table: string, columns: string[], values: string[][], firstId: number): string[] {
  const rows = Math.max(...values.map((v) => v.length));
  return Array.from(
    { length: rows },
    (_, r) =>
      `INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (${firstId + r}, ${values.map((v) => v[r] ?? 'NULL').join(', ')})`,
  );
}

/** Every column of row i takes the values of row i+1 (the last takes the first's): each value moves. */
async function shiftRows(table: string, columns: string[]): Promise<void> {
  await db.source.query(`CREATE TABLE ${table}_copy AS SELECT * FROM ${table}`);
  const [[{ n }]] = (await db.source.query(`SELECT COUNT(*) AS n FROM ${table}`)) as unknown as [
    [{ n: number }],
  ];
  await db.source.query(
    `UPDATE ${table} a JOIN ${table}_copy b ON b.id = a.id % ${n} + 1 SET ${columns.map((c) => `a.${c} = b.${c}`).join(', ')}`,
  );
}

beforeAll(async () => {
  db = await createTestDatabases('binlog_values');
  const s = db.source;
  await s.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
  await s.query('SET SESSION time_zone = "+00:00"');
  const start = await gtidNow(s);
  const [create, ...rows] = everyTypeSql('every_type');
  await s.query(create!);
  for (const sql of rows) await s.query(sql);
  const names = TYPE_CASES.map((_, i) => `c${i}`);
  for (const sql of insertSql(
    'every_type',
    names,
    TYPE_CASES.map(([type]) => EDGES[type] ?? []),
    4,
  ))
    await s.query(sql);
  const more = MORE_COLUMNS.map((_, i) => `m${i}`);
  await s.query(
    `CREATE TABLE more_types (id int PRIMARY KEY, ${MORE_COLUMNS.map(([type], i) => `m${i} ${type}`).join(', ')})`,
  );
  for (const sql of insertSql(
    'more_types',
    more,
    MORE_COLUMNS.map(([, v]) => v),
    1,
  ))
    await s.query(sql);
  for (const table of ['every_type', 'more_types']) before.set(table, await snapshotRows(s, db.name, table));
  for (const table of await introspectTables(s, db.name, ['every_type', 'more_types'])) {
    introspected.set(table.name, table);
  }
  await shiftRows('every_type', names);
  await shiftRows('more_types', more);
  for (const table of ['every_type', 'more_types']) after.set(table, await snapshotRows(s, db.name, table));
  await s.query('DELETE FROM every_type');
  await s.query('DELETE FROM more_types');
  events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(s), {
    tables: [
      { schema: db.name, table: 'every_type' },
      { schema: db.name, table: 'more_types' },
    ],
    // the tables as ferry expects them: MariaDB's UUID and INET columns are BINARY in the binlog
    expect: (schema, table) => (schema === db.name ? introspected.get(table) : undefined),
  });
});

afterAll(async () => {
  await db?.drop();
});

function collect(table: string) {
  const inserted = new Map<string, SourceRow>();
  const updatedBefore = new Map<string, SourceRow>();
  const updatedAfter = new Map<string, SourceRow>();
  const deleted = new Map<string, SourceRow>();
  let map: TableMap | undefined;
  for (const e of events) {
    if (e.kind === 'error') throw new Error(`${e.code}: ${e.message}`);
    if ((e.kind === 'insert' || e.kind === 'update' || e.kind === 'delete') && e.table.table === table) {
      map = e.table;
      if (e.kind === 'update') {
        for (const { before: b, after: a } of e.rows) {
          updatedBefore.set(String(b[0]), b);
          updatedAfter.set(String(a[0]), a);
        }
      } else for (const row of e.rows) (e.kind === 'insert' ? inserted : deleted).set(String(row[0]), row);
    }
  }
  return {
    inserted,
    updatedBefore,
    updatedAfter,
    deleted,
    names: map?.columns.map((c) => c.name ?? '?') ?? [],
  };
}

describe.each(['every_type', 'more_types'])(
  'the binlog rows of %s equal the snapshot select list',
  (table) => {
    it('for inserted rows', () => {
      const { inserted, names } = collect(table);
      expect(inserted.size).toBe(before.get(table)!.size);
      expect(inserted.size).toBeGreaterThan(2);
      expect(differences(inserted, before.get(table)!, names)).toEqual([]);
    });

    it('for both images of updated rows', () => {
      const { updatedBefore, updatedAfter, names } = collect(table);
      expect([updatedBefore.size, updatedAfter.size]).toEqual([
        before.get(table)!.size,
        after.get(table)!.size,
      ]);
      expect(differences(updatedBefore, before.get(table)!, names)).toEqual([]);
      expect(differences(updatedAfter, after.get(table)!, names)).toEqual([]);
    });

    it('for deleted rows', () => {
      const { deleted, names } = collect(table);
      expect(deleted.size).toBe(after.get(table)!.size);
      expect(differences(deleted, after.get(table)!, names)).toEqual([]);
    });
  },
);

describe('the table map', () => {
  it('carries the column names, key, signedness and members of the table', () => {
    const map = events.find((e) => e.kind === 'table' && e.table.table === 'every_type');
    expect(map?.kind).toBe('table');
    const table = (map as { table: TableMap }).table;
    expect(table.columns.map((c) => c.name)).toEqual([
      'id',
      ...TYPE_CASES.map((_, i) => `c${i}`),
      'gen_v',
      'gen_s',
    ]);
    expect(table.primaryKey).toEqual([0]);
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    expect(byName.get('c1')).toMatchObject({ type: 'tinyint', unsigned: true });
    expect(byName.get('c0')).toMatchObject({ type: 'tinyint', unsigned: false });
    expect(byName.get('c24')).toMatchObject({ type: 'char', charset: 'latin1' });
    expect(byName.get('c31')?.members).toEqual(['small', 'medium', 'large']);
    expect(table.undecodable).toBeUndefined();
  });

  it.each(['every_type', 'more_types'])('of %s matches the table as introspection reads it', (name) => {
    const map = events.find((e) => e.kind === 'table' && e.table.table === name) as { table: TableMap };
    expect(tableMapDifferences(map.table, introspected.get(name)!)).toEqual([]);
  });
});

describe('random doubles and floats', () => {
  it('print as the server prints them, for 4000 random bit patterns of each', async () => {
    const bits = new DataView(new ArrayBuffer(8));
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const doubles: string[] = [];
    const floats: string[] = [];
    while (doubles.length < 4000) {
      bits.setUint32(0, next());
      bits.setUint32(4, next());
      const d = bits.getFloat64(0);
      if (Number.isFinite(d)) doubles.push(d.toPrecision(17));
      const f = bits.getFloat32(0);
      if (Number.isFinite(f) && Math.abs(f) > 1.2e-38) floats.push(f.toPrecision(9));
    }
    await db.source.query('CREATE TABLE numbers (id int PRIMARY KEY, d double, f float)');
    const start = await gtidNow(db.source);
    await db.source.query(
      `INSERT INTO numbers VALUES ${doubles.map((d, i) => `(${i + 1}, ${d}, ${floats[i % floats.length]})`).join(', ')}`,
    );
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: [{ schema: db.name, table: 'numbers' }],
    });
    const binlog = new Map<string, SourceRow>();
    for (const e of events)
      if (e.kind === 'insert') for (const row of e.rows) binlog.set(String(row[0]), row);
    const snapshot = await snapshotRows(db.source, db.name, 'numbers');
    expect(binlog.size).toBe(4000);
    expect(differences(binlog, snapshot, ['id', 'd', 'f'])).toEqual([]);
  });
});

describe('random INET6 addresses and UUIDs', () => {
  it('print as the server prints them, for 3000 random values with runs of zero words', async () => {
    let seed = 424242;
    // the high bits of a 32-bit LCG (its low bits repeat with a short period)
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    const addresses: string[] = [];
    const uuids: string[] = [];
    for (let i = 0; i < 3000; i++) {
      // each word zero with probability 1/2, 0xffff with 1/8: many runs, ties, mapped prefixes
      const words = Array.from({ length: 8 }, () => {
        const r = next() % 8;
        return r < 4 ? 0 : r === 4 ? 0xffff : next() & 0xffff;
      });
      addresses.push(words.map((w) => w.toString(16)).join(':'));
      const bytes = Array.from({ length: 16 }, () => (next() % 3 === 0 ? 0 : next() & 0xff));
      const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
      uuids.push(
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      );
    }
    await db.source.query('CREATE TABLE addresses (id int PRIMARY KEY, a inet6, u uuid, b inet4)');
    const start = await gtidNow(db.source);
    await db.source.query(
      `INSERT INTO addresses VALUES ${addresses.map((a, i) => `(${i + 1}, '${a}', '${uuids[i]}', '${next() % 256}.${i % 256}.0.${next() % 256}')`).join(', ')}`,
    );
    const [table] = await introspectTables(db.source, db.name, ['addresses']);
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: [{ schema: db.name, table: 'addresses' }],
      expect: (schema, name) => (name === 'addresses' ? table : undefined),
    });
    const binlog = new Map<string, SourceRow>();
    for (const e of events)
      if (e.kind === 'insert') for (const row of e.rows) binlog.set(String(row[0]), row);
    const snapshot = await snapshotRows(db.source, db.name, 'addresses');
    expect(binlog.size).toBe(3000);
    expect(differences(binlog, snapshot, ['id', 'a', 'u', 'b'])).toEqual([]);
    // the random addresses cover the forms: IPv4-mapped or -compatible, a run of zeros, none
    const texts = [...snapshot.values()].map((row) => String(row[1]));
    expect(texts.filter((t) => t.includes('.')).length).toBeGreaterThan(5);
    expect(texts.filter((t) => t.includes('::')).length).toBeGreaterThan(1000);
    expect(texts.filter((t) => !t.includes('::')).length).toBeGreaterThan(5);
  });

  it('are bytes when the reader is not told the table (the binlog says BINARY)', async () => {
    const start = await gtidNow(db.source);
    await db.source.query(
      "INSERT INTO addresses VALUES (5000, '::1', '00000000-0000-0000-0000-00000000000a', '1.2.3.4')",
    );
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: [{ schema: db.name, table: 'addresses' }],
    });
    const row = events.flatMap((e) => (e.kind === 'insert' ? e.rows : []))[0]!;
    expect(row.slice(1).map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).toEqual([
      '00000000000000000000000000000001',
      '0000000000000000000000000000000a',
      '01020304',
    ]);
  });
});
