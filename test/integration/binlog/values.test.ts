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
import { EDGES, insertSql, MORE_COLUMNS, shiftRows } from './value-cases.js';
import type { SourceRow } from '../../../src/schema/row-outcome.js';

let db: TestDatabases;
let events: BinlogEvent[];
const before = new Map<string, Map<string, SourceRow>>();
const after = new Map<string, Map<string, SourceRow>>();
const introspected = new Map<string, SourceTable>();

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
  await shiftRows(s, 'every_type', names);
  await shiftRows(s, 'more_types', more);
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
