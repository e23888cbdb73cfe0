// Change data capture end to end on the real servers: the first sync snapshots a cdc stream and
// records where the binlog takes over; later syncs apply every insert, update and delete from the
// binlog, whole source transactions at a time, exactly once (the ledger), including a primary-key
// update, unique values swapped between rows in one transaction, and a transaction over two tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferryState } from '../../../src/state/ferry-state.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;

const STREAMS = 'streams:\n  - { table: "*", mode: cdc }\n';

beforeAll(async () => {
  db = await createTestDatabases('cdc_apply');
  await db.source.query(
    `CREATE TABLE items (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, qty INT, note TEXT, seen DATETIME(6), UNIQUE KEY items_code (code))`,
  );
  await db.source.query(`CREATE TABLE moves (id INT PRIMARY KEY, item_id INT NOT NULL, delta INT NOT NULL)`);
  await db.source.query(
    `INSERT INTO items VALUES (1, 'a', 10, 'one', '2024-01-01 00:00:00.000001'), (2, 'b', 20, NULL, NULL), (3, 'c', 30, 'three', '2024-03-03 03:03:03.333333')`,
  );
});

afterAll(async () => {
  await db?.drop();
});

async function sourceRows(table: string): Promise<Record<string, string | null>[]> {
  const [rows] = await db.source.query(`SELECT * FROM ${table} ORDER BY id`);
  return (rows as Record<string, string | number | null>[]).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
  );
}

describe('a cdc stream', () => {
  it('is snapshotted by its first sync, which records an exact binlog position', async () => {
    const summary = await runSync(testConfig(db, STREAMS, 'raw'));
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    const state = await ferryState().streams.read(db.target, { targetSchema: 'raw', table: 'items' });
    expect(state?.mode).toBe('cdc');
    expect(state?.binlog.gtid).toMatch(/^\d+-\d+-\d+/);
    expect((await targetRows(db, 'raw', 'items')).map((r) => r.id)).toEqual(['1', '2', '3']);
  });

  it('applies inserts, updates and deletes from the binlog, whole transactions, exactly once', async () => {
    await db.source.query(`INSERT INTO items VALUES (4, 'd', 40, 'four', NULL)`);
    await db.source.query(`UPDATE items SET qty = qty + 1, note = 'changed' WHERE id = 1`);
    await db.source.query(`DELETE FROM items WHERE id = 2`);
    // A primary-key update, and two unique values swapped in one transaction.
    await db.source.query(`UPDATE items SET id = 30 WHERE id = 3`);
    await db.source.query('START TRANSACTION');
    await db.source.query(`UPDATE items SET code = 'tmp' WHERE id = 1`);
    await db.source.query(`UPDATE items SET code = 'a' WHERE id = 4`);
    await db.source.query(`UPDATE items SET code = 'd' WHERE id = 1`);
    await db.source.query(`INSERT INTO moves VALUES (1, 4, -5)`);
    await db.source.query('COMMIT');
    // Inserted and deleted again before the sync: nothing of it may remain.
    await db.source.query(`INSERT INTO items VALUES (5, 'e', 50, NULL, NULL)`);
    await db.source.query(`DELETE FROM items WHERE id = 5`);

    const summary = await runSync(testConfig(db, STREAMS, 'raw'));
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    const byId = (rows: Record<string, string | null>[]) =>
      [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    expect(byId(await targetRows(db, 'raw', 'items'))).toEqual(await sourceRows('items'));
    expect(await targetRows(db, 'raw', 'moves')).toEqual([{ id: '1', item_id: '4', delta: '-5' }]);

    const ledger = await ferryState().ledger.list(db.target, 'raw');
    const gtids = ledger.map((l) => l.gtid);
    expect(new Set(gtids).size).toBe(gtids.length);
    // insert, update, delete, key update, the swap transaction, insert, delete
    expect(ledger.length).toBe(7);
  });

  it('applies nothing twice when synced again with no changes', async () => {
    const before = await targetRows(db, 'raw', 'items');
    const summary = await runSync(testConfig(db, STREAMS, 'raw'));
    expect(summary.status).toBe('succeeded');
    expect(await targetRows(db, 'raw', 'items')).toEqual(before);
    expect((await ferryState().ledger.list(db.target, 'raw')).length).toBe(7);
  });
});
