// A cursor value ahead of the source's clock (a 9999-12-31 sentinel, a date typed years ahead, an
// application clock that runs fast) must not become the mark that skips every later change: the
// mark stays at the source's clock, the rows are named in a warning, and later changes arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: events, mode: incremental, cursor: updated_at }\n  - { table: stamped, mode: incremental, cursor: changed }\n  - { table: daily, mode: incremental, cursor: day }\n',
  );

async function marks(): Promise<Record<string, string>> {
  const { rows } = await db.target.query<{ target_table: string; high_water: string }>(
    `SELECT target_table, high_water FROM _ferry.streams ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.target_table, r.high_water]));
}

async function sourceNow(): Promise<string> {
  const [rows] = await db.source.query("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f') AS n");
  return (rows as { n: string }[])[0]!.n;
}

beforeAll(async () => {
  db = await createTestDatabases('future');
  await db.source.query(
    'CREATE TABLE events (id int PRIMARY KEY, note varchar(20), updated_at datetime(6) NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO events VALUES (1, 'past', '2024-01-01'), (2, 'typo', '2031-01-01'), (3, 'sentinel', '9999-12-31 00:00:00')",
  );
  // TIMESTAMP cursors are read in UTC; the test session is UTC too.
  await db.source.query(
    'CREATE TABLE stamped (id int PRIMARY KEY, note varchar(20), changed timestamp(6) NOT NULL)',
  );
  await db.source.query("INSERT INTO stamped VALUES (1, 'past', '2024-01-01'), (2, 'ahead', '2037-01-01')");
  // A DATE cursor: the mark is a day, never after today.
  await db.source.query('CREATE TABLE daily (id int PRIMARY KEY, note varchar(20), day date NOT NULL)');
  await db.source.query("INSERT INTO daily VALUES (1, 'past', '2024-01-01'), (2, 'never', '9999-12-31')");
});

afterAll(async () => {
  await db?.drop();
});

describe('a cursor value in the future', () => {
  it('does not become the mark of the first load, and is named in a warning with its key', async () => {
    const summary = await runSync(config());
    expect(summary.status).toBe('succeeded');
    // At most the source's clock (earlier while some transaction on the server is open).
    const after = await sourceNow();
    for (const mark of Object.values(await marks())) {
      expect(mark > '2024-01-01').toBe(true);
      expect(mark <= after).toBe(true);
    }
    const events = summary.streams.find((s) => s.stream === 'events')!;
    expect(events.warnings.join('\n')).toMatch(
      /2 row\(s\) have updated_at after the source's clock .*e\.g\. id=3 \(9999-12-31 00:00:00\.000000\); id=2 \(2031-01-01 00:00:00\.000000\)/,
    );
    const stamped = summary.streams.find((s) => s.stream === 'stamped')!;
    expect(stamped.warnings.join('\n')).toMatch(/1 row\(s\) have changed after .*id=2 \(2037-01-01/);
  });

  it('lets later changes arrive, also after an application clock that runs ahead wrote one', async () => {
    await db.source.query("INSERT INTO events VALUES (4, 'now', NOW(6))");
    await db.source.query("UPDATE events SET note = 'changed', updated_at = NOW(6) WHERE id = 1");
    await db.source.query("INSERT INTO stamped VALUES (3, 'now', NOW(6))");
    await db.source.query("INSERT INTO daily VALUES (3, 'today', CURDATE())");
    expect((await runSync(config())).status).toBe('succeeded');
    // A clock two minutes fast writes a row; the correct clocks that follow are not skipped.
    await db.source.query("INSERT INTO events VALUES (5, 'fast clock', NOW(6) + INTERVAL 2 MINUTE)");
    const fast = await runSync(config());
    expect(fast.streams.find((s) => s.stream === 'events')!.warnings.join()).toMatch(/id=5/);
    expect((await marks()).events! < '2030').toBe(true);
    await db.source.query("INSERT INTO events VALUES (6, 'after', NOW(6))");
    await db.source.query("UPDATE stamped SET note = 'changed', changed = NOW(6) WHERE id = 1");
    expect((await runSync(config())).status).toBe('succeeded');

    expect((await targetRows(db, 'raw', 'events')).map((r) => [r.id, r.note])).toEqual([
      ['1', 'changed'],
      ['2', 'typo'],
      ['3', 'sentinel'],
      ['4', 'now'],
      ['5', 'fast clock'],
      ['6', 'after'],
    ]);
    expect((await targetRows(db, 'raw', 'daily')).map((r) => [r.id, r.note])).toEqual([
      ['1', 'past'],
      ['2', 'never'],
      ['3', 'today'],
    ]);
    expect((await targetRows(db, 'raw', 'stamped')).map((r) => [r.id, r.note])).toEqual([
      ['1', 'changed'],
      ['2', 'ahead'],
      ['3', 'now'],
    ]);
  });
});
