// Incremental streams: inserts, updates, rows sharing the last cursor value, deletes, schema changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const streams = (extra = '') =>
  `streams:\n  - { table: items, mode: incremental, cursor: updated_at, deletes: soft }\n  - { table: hard, mode: incremental, cursor: version, deletes: hard }\n  - { table: nocursor, mode: incremental, cursor: missing, incremental_fallback: full_refresh }\n${extra}`;

beforeAll(async () => {
  db = await createTestDatabases('incr');
  await db.source.query(
    'CREATE TABLE items (id int PRIMARY KEY, name varchar(20), price decimal(8,2), updated_at datetime(6) NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO items VALUES (1, 'a', 1.00, '2024-01-01 00:00:00'), (2, 'b', 2.00, '2024-01-02 00:00:00'), (3, 'c', 3.00, '2024-01-03 00:00:00')",
  );
  await db.source.query('CREATE TABLE hard (id int PRIMARY KEY, version bigint NOT NULL, v text)');
  await db.source.query("INSERT INTO hard VALUES (1, 1, 'one'), (2, 2, 'two')");
  await db.source.query('CREATE TABLE nocursor (id int PRIMARY KEY, v text)');
  await db.source.query("INSERT INTO nocursor VALUES (1, 'x')");
  const first = await runSync(testConfig(db, streams()));
  expect(first.status).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

describe('an incremental stream', () => {
  it('copies only inserted and updated rows, including one that shares the last cursor value', async () => {
    await db.source.query(
      "INSERT INTO items VALUES (4, 'd', 4.00, '2024-01-03 00:00:00'), (5, 'e', 5.00, '2024-02-01 00:00:00')",
    );
    await db.source.query("UPDATE items SET price = 20.00, updated_at = '2024-02-02 00:00:00' WHERE id = 2");
    const summary = await runSync(testConfig(db, streams()), { streams: ['items'] });
    // rows at or after the mark 2024-01-03: 3 (re-read, same value), 4 (same value as the mark), 5, 2
    expect(summary.streams[0]).toMatchObject({ mode: 'incremental', rowsRead: 4, rowsLoaded: 4 });
    expect((await targetRows(db, 'raw', 'items')).map((r) => [r.id, r.price])).toEqual([
      ['1', '1.00'],
      ['2', '20.00'],
      ['3', '3.00'],
      ['4', '4.00'],
      ['5', '5.00'],
    ]);
    const { rows } = await db.target.query(
      `SELECT high_water FROM _ferry.streams WHERE target_table = 'items'`,
    );
    expect(rows[0].high_water).toBe('2024-02-02 00:00:00.000000');
  });

  it('keeps its high-water mark when copied in full with --full-refresh, so the next run is incremental again', async () => {
    const full = await runSync(testConfig(db, streams()), { streams: ['hard'], fullRefresh: true });
    expect(full.streams[0]).toMatchObject({ status: 'succeeded', rowsRead: 2 });
    const { rows } = await db.target.query(
      `SELECT mode, cursor_column, high_water FROM _ferry.streams WHERE target_table = 'hard'`,
    );
    expect(rows[0]).toEqual({ mode: 'incremental', cursor_column: 'version', high_water: '2' });
    const next = await runSync(testConfig(db, streams()), { streams: ['hard'] });
    expect(next.streams[0]).toMatchObject({ mode: 'incremental', rowsRead: 1 }); // the row at the mark
  });

  it('re-reads the lookback window so late commits with older cursor values are not missed', async () => {
    await db.source.query("INSERT INTO items VALUES (6, 'late', 6.00, '2024-02-01 23:59:00')");
    const withoutLookback = await runSync(testConfig(db, streams()), { streams: ['items'] });
    expect(withoutLookback.streams[0]!.rowsRead).toBe(1); // only the row at the mark
    const late = streams().replace('deletes: soft', 'deletes: soft, lookback: 1d');
    const withLookback = await runSync(testConfig(db, late), { streams: ['items'] });
    expect(withLookback.streams[0]!.rowsRead).toBe(3);
    expect((await targetRows(db, 'raw', 'items')).map((r) => r.id)).toContain('6');
  });

  it('marks rows deleted in the source with _ferry_deleted_at under deletes: soft', async () => {
    await db.source.query('DELETE FROM items WHERE id = 1');
    const summary = await runSync(testConfig(db, streams()), { streams: ['items'] });
    expect(summary.streams[0]!.rowsDeleted).toBe(1);
    const { rows } = await db.target.query(`SELECT id FROM raw.items WHERE _ferry_deleted_at IS NOT NULL`);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('removes rows deleted in the source under deletes: hard, with an integer cursor', async () => {
    await db.source.query('DELETE FROM hard WHERE id = 1');
    await db.source.query("INSERT INTO hard VALUES (3, 3, 'three')");
    const summary = await runSync(testConfig(db, streams()), { streams: ['hard'] });
    expect(summary.streams[0]).toMatchObject({ rowsDeleted: 1 });
    expect((await targetRows(db, 'raw', 'hard')).map((r) => [r.id, r.v])).toEqual([
      ['2', 'two'],
      ['3', 'three'],
    ]);
  });

  it('falls back to a full refresh with a warning when its cursor column does not exist', async () => {
    await db.source.query("INSERT INTO nocursor VALUES (2, 'y')");
    const summary = await runSync(testConfig(db, streams()), { streams: ['nocursor'] });
    expect(summary.streams[0]!.warnings.join()).toMatch(
      /its cursor column missing does not exist .*copied in full \(incremental_fallback: full_refresh\)/,
    );
    expect((await targetRows(db, 'raw', 'nocursor')).length).toBe(2);
  });
});

describe('schema changes between runs', () => {
  it('adds a column that appeared in the source', async () => {
    await db.source.query("ALTER TABLE items ADD COLUMN colour varchar(10) DEFAULT 'red'");
    await db.source.query(
      "UPDATE items SET colour = 'blue', updated_at = '2024-03-01 00:00:00' WHERE id = 5",
    );
    const summary = await runSync(testConfig(db, streams()), { streams: ['items'] });
    expect(summary.status).toBe('succeeded');
    const rows = await targetRows(db, 'raw', 'items');
    expect(rows.find((r) => r.id === '5')?.colour).toBe('blue');
  });

  it('keeps a dropped column, NULL from then on, with a warning', async () => {
    await db.source.query('ALTER TABLE items DROP COLUMN name');
    await db.source.query("UPDATE items SET updated_at = '2024-04-01 00:00:00' WHERE id = 3");
    const summary = await runSync(testConfig(db, streams()), { streams: ['items'] });
    expect(summary.streams[0]!.warnings.join()).toMatch(/column name dropped in the source/);
    const rows = await targetRows(db, 'raw', 'items');
    expect(rows.find((r) => r.id === '3')?.name).toBeNull();
    expect(rows.find((r) => r.id === '4')?.name).toBe('d');
  });

  it('fails a stream whose column type changed, with a message that says what to do', async () => {
    await db.source.query('ALTER TABLE hard MODIFY v varchar(5)');
    const summary = await runSync(testConfig(db, streams()), { streams: ['hard'] });
    expect(summary.status).toBe('failed');
    expect(summary.streams[0]!.error).toMatch(
      /hard\.v: the source type changed to varchar\(5\) \(character varying\(5\)\), but the target column is text/,
    );
    const rebuilt = await runSync(testConfig(db, streams('sync: { schema_changes: rebuild }\n')), {
      streams: ['hard'],
    });
    expect(rebuilt.status).toBe('succeeded');
    const { rows } = await db.target.query(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'raw.hard'::regclass AND attname = 'v'`,
    );
    expect(rows[0].t).toBe('character varying(5)');
  });
});

describe('a table without a declared primary key', () => {
  it('merges by the primary_key the stream names, so updated rows are replaced, not duplicated', async () => {
    await db.source.query(
      'CREATE TABLE keyless (code varchar(10) NOT NULL, qty int, updated_at datetime NOT NULL)',
    );
    await db.source.query("INSERT INTO keyless VALUES ('a', 1, '2024-01-01'), ('b', 2, '2024-01-01')");
    const config = testConfig(
      db,
      'streams:\n  - { table: keyless, mode: incremental, cursor: updated_at, primary_key: [code] }\n',
      'pk',
    );
    expect((await runSync(config)).status).toBe('succeeded');
    await db.source.query("UPDATE keyless SET qty = 20, updated_at = '2024-02-01' WHERE code = 'b'");
    const second = await runSync(config);
    expect(second.streams[0]).toMatchObject({ mode: 'incremental', status: 'succeeded' });
    expect((await targetRows(db, 'pk', 'keyless')).map((r) => [r.code, r.qty])).toEqual([
      ['a', '1'],
      ['b', '20'],
    ]);
  });

  it('refuses a primary_key or columns entry the table does not have, naming the columns it has', async () => {
    const config = testConfig(db, 'streams:\n  - { table: keyless, primary_key: [kode] }\n', 'pk2');
    await expect(runSync(config)).rejects.toThrow(/streams\[0\] names columns that keyless does not have/);
  });
});

describe('target_table on a glob', () => {
  it('is refused when the glob matches several tables, which would all land in one target table', async () => {
    const config = testConfig(db, 'streams:\n  - { table: "*", target_table: everything }\n', 'clash');
    await expect(runSync(config)).rejects.toThrow(
      /several source tables would replicate into one target table/,
    );
  });
});
