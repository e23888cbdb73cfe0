// Change data capture end to end on the real servers: the first sync snapshots a cdc stream and
// records where the binlog takes over; later syncs apply every insert, update and delete from the
// binlog, whole source transactions at a time, exactly once (the ledger), including a primary-key
// update, unique values swapped between rows in one transaction, and a transaction over two tables;
// then harder orders within one transaction: unique values rotated through many rows, primary keys
// swapped, cycled and shifted, a key deleted and reused, composite keys exchanged.
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
    `CREATE TABLE seats (id INT PRIMARY KEY, seat VARCHAR(10) NOT NULL, holder VARCHAR(20), UNIQUE KEY seats_seat (seat), UNIQUE KEY seats_holder (holder))`,
  );
  await db.source.query(`INSERT INTO seats SELECT seq, CONCAT('s', seq), CONCAT('h', seq) FROM seq_1_to_40`);
  await db.source.query(
    `CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(5) NOT NULL, v INT, PRIMARY KEY (a, b), UNIQUE KEY pairs_v (v))`,
  );
  await db.source.query(`INSERT INTO pairs VALUES (1, 'x', 10), (1, 'y', 20), (2, 'x', 30), (2, 'y', 40)`);
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

  it('follows unique values rotated through many rows and primary keys swapped, cycled and shifted', async () => {
    const s = db.source;
    const ledgerBefore = (await ferryState().ledger.list(db.target, 'raw')).length;
    // 1. every seat moves one place along, in one transaction (each unique value taken by its neighbour)
    await s.query('START TRANSACTION');
    await s.query(`UPDATE seats SET seat = CONCAT('t', id)`);
    await s.query(`UPDATE seats SET seat = CONCAT('s', id % 40 + 1)`);
    await s.query('COMMIT');
    // 2. holders swapped pairwise through a free value, twenty pairs in one transaction
    await s.query('START TRANSACTION');
    for (let i = 1; i <= 40; i += 2) {
      await s.query(`UPDATE seats SET holder = 'tmp' WHERE id = ?`, [i]);
      await s.query(`UPDATE seats SET holder = CONCAT('h', ?) WHERE id = ?`, [i, i + 1]);
      await s.query(`UPDATE seats SET holder = CONCAT('h', ?) WHERE id = ?`, [i + 1, i]);
    }
    await s.query('COMMIT');
    // 3. primary keys: a swap, a three-cycle, and every key shifted up and back down by one statement each
    await s.query('START TRANSACTION');
    await s.query('UPDATE seats SET id = 1000 WHERE id = 1');
    await s.query('UPDATE seats SET id = 1 WHERE id = 2');
    await s.query('UPDATE seats SET id = 2 WHERE id = 1000');
    await s.query('UPDATE seats SET id = 1000 WHERE id = 3');
    await s.query('UPDATE seats SET id = 3 WHERE id = 4');
    await s.query('UPDATE seats SET id = 4 WHERE id = 5');
    await s.query('UPDATE seats SET id = 5 WHERE id = 1000');
    await s.query('UPDATE seats SET id = id + 1 ORDER BY id DESC');
    await s.query('UPDATE seats SET id = id + 100, seat = CONCAT(seat, "!") WHERE id > 30');
    await s.query('COMMIT');
    // 4. a key deleted and reused, a key moved onto a deleted one, a row inserted and deleted again
    await s.query('START TRANSACTION');
    await s.query('DELETE FROM seats WHERE id = 10');
    await s.query(`INSERT INTO seats VALUES (10, 'new10', 'new-holder')`);
    await s.query('DELETE FROM seats WHERE id = 11');
    await s.query('UPDATE seats SET id = 11 WHERE id = 12');
    await s.query(`INSERT INTO seats VALUES (500, 'gone', 'gone')`);
    await s.query('DELETE FROM seats WHERE id = 500');
    await s.query('COMMIT');
    // 5. composite keys exchanged between rows, with their unique values
    await s.query('START TRANSACTION');
    await s.query(`UPDATE pairs SET b = 'z' WHERE a = 1 AND b = 'x'`);
    await s.query(`UPDATE pairs SET b = 'x' WHERE a = 1 AND b = 'y'`);
    await s.query(`UPDATE pairs SET b = 'y' WHERE a = 1 AND b = 'z'`);
    await s.query(`UPDATE pairs SET a = 3 WHERE a = 2`);
    await s.query(`UPDATE pairs SET v = v + 1000`);
    await s.query(`UPDATE pairs SET v = 1050 - v ORDER BY v DESC`);
    await s.query('COMMIT');

    // the target enforces the same unique keys, so an apply in the wrong order would fail
    const { rows: unique } = await db.target.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'raw' AND tablename IN ('seats', 'pairs') AND indexdef LIKE 'CREATE UNIQUE%'`,
    );
    expect(unique.length).toBe(5);
    const summary = await runSync(testConfig(db, STREAMS, 'raw'));
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    const [seats] = await db.source.query('SELECT id, seat, holder FROM seats ORDER BY id');
    const text = (rows: unknown) =>
      (rows as Record<string, unknown>[]).map((r) => Object.values(r).map(String).join('|'));
    expect(text(await targetRows(db, 'raw', 'seats')).sort()).toEqual(text(seats).sort());
    const [pairs] = await db.source.query('SELECT a, b, v FROM pairs ORDER BY a, b');
    expect(text(await targetRows(db, 'raw', 'pairs')).sort()).toEqual(text(pairs).sort());
    expect((await ferryState().ledger.list(db.target, 'raw')).length).toBe(ledgerBefore + 5);
  });

  it('applies nothing twice when synced again with no changes', async () => {
    const before = await targetRows(db, 'raw', 'items');
    const summary = await runSync(testConfig(db, STREAMS, 'raw'));
    expect(summary.status).toBe('succeeded');
    expect(await targetRows(db, 'raw', 'items')).toEqual(before);
    expect((await ferryState().ledger.list(db.target, 'raw')).length).toBe(12);
  });
});
