// The shared swap on the full-refresh path: keys and indexes rebuilt on the staging table keep the
// final table's names, a user's view on a replicated table keeps working across refreshes (its rows
// are replaced, new source columns added), and a column change that a dependent view cannot follow
// fails that stream with a message, leaving the table as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('swap');
  await db.source.query(
    `CREATE TABLE items (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, qty INT, UNIQUE KEY items_code (code), KEY items_qty (qty))`,
  );
  await db.source.query(`INSERT INTO items VALUES (1, 'a', 10), (2, 'b', 20)`);
});

afterAll(async () => {
  await db?.drop();
});

const config = () => testConfig(db, 'streams:\n  - { table: items }\n', 'raw');

async function indexesOf(table: string): Promise<string[]> {
  const { rows } = await db.target.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = 'raw' AND tablename = $1 ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.indexname);
}

describe('a full refresh', () => {
  it('swaps the table in with its key and indexes under their final names', async () => {
    const first = await runSync(config());
    expect(first.status).toBe('succeeded');
    expect(await indexesOf('items')).toEqual(['items_items_code', 'items_items_qty', 'items_pkey']);
    // the put-in-place is timed apart: key and index build, swap, and the transaction around them
    const timed = first.streams[0]!.putInPlace!;
    expect(timed.keys).toBeGreaterThan(0);
    expect(timed.swap).toBeGreaterThan(0);
    expect(timed.total).toBeGreaterThanOrEqual(timed.keys + timed.swap);
    expect(first.streams[0]!.seconds).toBeGreaterThanOrEqual(timed.keys + timed.swap);
    await db.source.query(`INSERT INTO items VALUES (3, 'c', 30)`);
    expect((await runSync(config())).status).toBe('succeeded');
    expect(await indexesOf('items')).toEqual(['items_items_code', 'items_items_qty', 'items_pkey']);
    const { rows } = await db.target.query(`SELECT count(*)::int AS n FROM raw.items`);
    expect(rows[0]).toEqual({ n: 3 });
  });

  it("keeps a user's view on the table working, with the new rows and new columns", async () => {
    await db.target.query(`CREATE VIEW raw.items_view AS SELECT id, code FROM raw.items WHERE qty > 0`);
    await db.source.query(`INSERT INTO items VALUES (4, 'd', 40)`);
    await db.source.query(`ALTER TABLE items ADD COLUMN note VARCHAR(10)`);
    await db.source.query(`UPDATE items SET note = 'new' WHERE id = 4`);
    const summary = await runSync(config());
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    const { rows } = await db.target.query(`SELECT id, code FROM raw.items_view ORDER BY id`);
    expect(rows.map((r: { id: number }) => r.id)).toEqual([1, 2, 3, 4]);
    const { rows: note } = await db.target.query(`SELECT note FROM raw.items WHERE id = 4`);
    expect(note).toEqual([{ note: 'new' }]);
    // The table was kept (the view still reads it), so its key and indexes are the original ones.
    expect(await indexesOf('items')).toEqual(['items_items_code', 'items_items_qty', 'items_pkey']);
  });

  it('fails the stream with what to do when a dependent view stops it following a type change', async () => {
    await db.source.query(`ALTER TABLE items MODIFY qty BIGINT`);
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: items }\nsync: { schema_changes: rebuild }\n', 'raw'),
    );
    expect(summary.status).toBe('failed');
    expect(summary.streams[0]!.error).toMatch(
      /views depend on raw\.items and its columns changed \(type changed: qty\)/,
    );
    const { rows } = await db.target.query(`SELECT count(*)::int AS n FROM raw.items_view`);
    expect(rows[0]).toEqual({ n: 4 });
    const { rows: left } = await db.target.query(
      `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'raw' AND relname LIKE '\\_ferry%'`,
    );
    expect(left).toEqual([]);
  });
});
