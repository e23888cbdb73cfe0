// Every row of the type mapping lands the same through the binlog as through the snapshot: a cdc
// stream's target table (its rows all arrived as change events) is compared value by value with a
// full refresh of the same source table into another schema, after inserts, after an update of
// every column of every row, and after deletes; with the value policies' outcomes (zero dates set
// to NULL and recorded, NUL bytes and TINYINT(1) values other than 0/1 quarantined) equal too: the
// same quarantine entries (keys, reasons, failures, the rows as read) and the same value changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import { everyTypeSql, TYPE_CASES } from '../../support/type-cases.js';
import { EDGES, insertSql, MORE_COLUMNS, shiftRows } from '../binlog/value-cases.js';

let db: TestDatabases;
const TABLES = ['every_type', 'more_types'];
const names = TYPE_CASES.map((_, i) => `c${i}`);
const more = MORE_COLUMNS.map((_, i) => `m${i}`);
const streams = (mode: string) =>
  `streams:\n${TABLES.map((t) => `  - { table: ${t}, mode: ${mode} }`).join('\n')}\n`;
// The policies both ways: the defaults (zero dates NULL, invalid values quarantined), and the opposite.
const PAIRS = [
  { cdc: 'cdc', snap: 'snap', settings: '' },
  { cdc: 'cdc_q', snap: 'snap_q', settings: 'sync: { zero_dates: quarantine, invalid_values: "null" }\n' },
];
const config = (mode: string, schema: string, settings: string) =>
  testConfig(db, streams(mode) + settings, schema);

beforeAll(async () => {
  db = await createTestDatabases('cdc_types');
  const s = db.source;
  await s.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
  await s.query('SET SESSION time_zone = "+00:00"');
  await s.query(everyTypeSql('every_type')[0]!);
  await s.query(
    `CREATE TABLE more_types (id int PRIMARY KEY, ${MORE_COLUMNS.map(([type], i) => `m${i} ${type}`).join(', ')})`,
  );
  // The cdc streams start from empty tables: every row below reaches them through the binlog.
  for (const pair of PAIRS) {
    const first = await runSync(config('cdc', pair.cdc, pair.settings));
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
  }
});

afterAll(async () => {
  await db?.drop();
});

/** Both schemas' state of the tables: the rows, the waiting quarantine and the value changes. */
async function landed(schema: string) {
  const tables = Object.fromEntries(
    await Promise.all(TABLES.map(async (t) => [t, await targetRows(db, schema, t)] as const)),
  );
  const { rows: quarantine } = await db.target.query<Record<string, unknown>>(
    `SELECT stream, primary_key::text AS key, reason, failures::text AS failures, "row"::text AS row
       FROM _ferry.quarantine WHERE target_schema = $1 ORDER BY stream, primary_key::text, reason`,
    [schema],
  );
  const { rows: valueChanges } = await db.target.query<Record<string, unknown>>(
    `SELECT DISTINCT stream, primary_key::text AS key, "column", original, action, reason
       FROM _ferry.value_changes WHERE target_schema = $1 ORDER BY 1, 2, 3, 4`,
    [schema],
  );
  return { tables, quarantine, valueChanges };
}

async function syncBoth(): Promise<void> {
  for (const pair of PAIRS) {
    const viaBinlog = await runSync(config('cdc', pair.cdc, pair.settings));
    const viaSnapshot = await runSync(config('full_refresh', pair.snap, pair.settings), {
      fullRefresh: true,
    });
    expect(viaBinlog.status, JSON.stringify(viaBinlog.streams)).toBe('succeeded');
    expect(viaSnapshot.status, JSON.stringify(viaSnapshot.streams)).toBe('succeeded');
  }
}

/** Each pair of schemas holds the same values; returns what the default pair's snapshot holds. */
async function expectSame() {
  const held = [];
  for (const pair of PAIRS) {
    const [binlog, snap] = [await landed(pair.cdc), await landed(pair.snap)];
    for (const table of TABLES) {
      const a = binlog.tables[table]!;
      const b = snap.tables[table]!;
      expect(a.length, `${pair.cdc}.${table}`).toBe(b.length);
      const diffs: string[] = [];
      a.forEach((row, i) => {
        for (const [column, value] of Object.entries(row))
          if (value !== b[i]![column])
            diffs.push(`${pair.cdc}.${table} ${row.id} ${column}: cdc ${value}, snapshot ${b[i]![column]}`);
      });
      expect(diffs).toEqual([]);
    }
    // keys and reasons first (readable when they differ), then every field of the entries
    const entry = (q: Record<string, unknown>) => `${String(q.stream)} ${String(q.key)}: ${String(q.reason)}`;
    expect(binlog.quarantine.map(entry)).toEqual(snap.quarantine.map(entry));
    expect(
      binlog.quarantine.every((q, i) => JSON.stringify(q) === JSON.stringify(snap.quarantine[i])),
      pair.cdc,
    ).toBe(true);
    expect(binlog.valueChanges).toEqual(snap.valueChanges);
    held.push(snap);
  }
  return held;
}

describe('a cdc stream over every row of the type mapping', () => {
  it('lands inserted rows as a snapshot lands them, policies included', async () => {
    const s = db.source;
    for (const sql of everyTypeSql('every_type').slice(1)) await s.query(sql);
    for (const sql of insertSql(
      'every_type',
      names,
      TYPE_CASES.map(([type]) => EDGES[type] ?? []),
      4,
    ))
      await s.query(sql);
    // one value that only the NUL-byte policy sets aside (the edge rows fail on TINYINT(1) first)
    const [[{ n }]] = (await s.query('SELECT COUNT(*) AS n FROM every_type')) as unknown as [[{ n: number }]];
    await s.query(`INSERT INTO every_type (id, c25) VALUES (${Number(n) + 1}, 'a\\0b')`);
    for (const sql of insertSql(
      'more_types',
      more,
      MORE_COLUMNS.map(([, v]) => v),
      1,
    ))
      await s.query(sql);
    await syncBoth();
    const [snap, opposite] = await expectSame();
    // The rows arrived as change events, and the policies did something to compare: rows
    // quarantined for NUL bytes and TINYINT(1) values, zero dates stored as NULL (and the opposite).
    const ledger = await db.target.query(
      "SELECT count(*)::int AS n FROM _ferry.cdc_ledger WHERE target_schema = 'cdc'",
    );
    expect(ledger.rows[0].n).toBeGreaterThan(10);
    const codes = new Set(
      snap!.quarantine.flatMap((q) => [...String(q.failures).matchAll(/"code": "(\w+)"/g)].map((m) => m[1])),
    );
    expect([...codes].sort()).toEqual(expect.arrayContaining(['nul_byte', 'not_boolean']));
    expect(snap!.valueChanges.some((v) => String(v.reason).includes('zero date'))).toBe(true);
    expect(snap!.tables.every_type!.length).toBeGreaterThan(10);
    const quarantined = opposite!.quarantine.map((q) => String(q.failures)).join();
    expect(quarantined).toMatch(/"code": "zero_date"/);
    expect(quarantined).not.toMatch(/"code": "nul_byte"/);
    expect(opposite!.valueChanges.some((v) => String(v.reason).includes('NUL byte'))).toBe(true);
  });

  it('lands an update of every column of every row as a snapshot lands it', async () => {
    await shiftRows(db.source, 'every_type', names);
    await shiftRows(db.source, 'more_types', more);
    await syncBoth();
    await expectSame();
  });

  it('lands deletes as a snapshot lands them, quarantined keys included', async () => {
    await db.source.query('DELETE FROM every_type WHERE id % 2 = 0');
    await db.source.query('DELETE FROM more_types WHERE id = 1');
    await syncBoth();
    await expectSame();
    await db.source.query('DELETE FROM every_type');
    await syncBoth();
    const [snap] = await expectSame();
    expect(snap!.tables.every_type).toEqual([]);
  });
});
