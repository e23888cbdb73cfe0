// Checks on incremental streams (unique against the rows already in the target, a re-quarantined
// row superseding its earlier entry) and deduplication by key, keeping the latest by the cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import { expectCountsAddUp, expectStoredCounts } from './counts.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('qincr');
  await db.source.query(
    'CREATE TABLE users (id int PRIMARY KEY, email varchar(40), age int, updated_at datetime(3))',
  );
  await db.source.query(`INSERT INTO users VALUES
    (1, 'a@example.com', 30, '2024-01-01 00:00:00'),
    (2, 'b@example.com', 40, '2024-01-01 00:00:00')`);
  await db.source.query(
    'CREATE TABLE events (id int PRIMARY KEY, ref varchar(10), state varchar(10), updated_at datetime)',
  );
  await db.source.query(`INSERT INTO events VALUES
    (1, 'A', 'created', '2024-01-01 00:00:00'),
    (2, 'A', 'paid', '2024-01-02 00:00:00'),
    (3, 'B', 'created', '2024-01-01 00:00:00'),
    (4, 'A', 'shipped', '2024-01-03 00:00:00'),
    (5, NULL, 'orphan', '2024-01-01 00:00:00')`);
});

afterAll(async () => {
  await db?.drop();
});

describe('an incremental stream with checks', () => {
  const streams = `streams:
  - table: users
    mode: incremental
    cursor: updated_at
    checks:
      - { column: email, unique: true }
      - { column: age, min: 0, max: 150 }
`;

  it('quarantines a new row whose value is already in the target under another key', async () => {
    const first = await runSync(testConfig(db, streams, 'inc'), { streams: ['users'] });
    expect(first.status).toBe('succeeded');
    expectCountsAddUp(first);
    await db.source.query(`INSERT INTO users VALUES
      (3, 'a@example.com', 20, '2024-02-01 00:00:00'),
      (4, 'd@example.com', 200, '2024-02-01 00:00:00'),
      (5, 'e@example.com', 50, '2024-02-01 00:00:00')`);
    // Row 2 changes its own email: not a duplicate of itself.
    await db.source.query(
      "UPDATE users SET email = 'b2@example.com', updated_at = '2024-02-01 00:00:00' WHERE id = 2",
    );
    const second = await runSync(testConfig(db, streams, 'inc'), { streams: ['users'] });
    // Row 1 is read again: its cursor equals the high-water mark.
    expect(second.streams[0]).toMatchObject({
      mode: 'incremental',
      rowsRead: 5,
      rowsLoaded: 3,
      rowsQuarantined: 2,
    });
    await expectStoredCounts(db, second, 'inc', 'users', false);
    expect((await targetRows(db, 'inc', 'users')).map((r) => [r.id, r.email])).toEqual([
      ['1', 'a@example.com'],
      ['2', 'b2@example.com'],
      ['5', 'e@example.com'],
    ]);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, failures->0->>'check' AS check FROM _ferry.quarantine WHERE target_schema = 'inc' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { id: '3', check: 'email.unique' },
      { id: '4', check: 'age.max' },
    ]);
  });

  it('supersedes the earlier entry of a row quarantined again, and resolves one fixed in the source', async () => {
    await db.source.query("UPDATE users SET age = 250, updated_at = '2024-03-01 00:00:00' WHERE id = 4");
    await db.source.query(
      "UPDATE users SET email = 'c@example.com', updated_at = '2024-03-01 00:00:00' WHERE id = 3",
    );
    const third = await runSync(testConfig(db, streams, 'inc'), { streams: ['users'] });
    await expectStoredCounts(db, third, 'inc', 'users', false);
    const { rows: log } = await db.target.query(
      `SELECT primary_key->>'id' AS id, resolution FROM _ferry.quarantine_log WHERE target_schema = 'inc' ORDER BY 1`,
    );
    expect(log).toEqual([
      { id: '3', resolution: 'resolved_by_sync' },
      { id: '4', resolution: 'superseded' },
    ]);
    const { rows: open } = await db.target.query(
      `SELECT primary_key->>'id' AS id, run_id, reason FROM _ferry.quarantine WHERE target_schema = 'inc'`,
    );
    expect(open).toEqual([
      { id: '4', run_id: String(third.runId), reason: 'age: "250" is above the maximum 150' },
    ]);
  });
});

describe('a fail check on an incremental stream', () => {
  it('commits nothing: the target, its high-water mark and the quarantine stay as they were', async () => {
    const streams = (severity: string) => `streams:
  - table: users
    mode: incremental
    cursor: updated_at
    checks:
      - { column: age, max: 150, severity: ${severity} }
`;
    await db.source.query("UPDATE users SET age = 30, updated_at = '2024-04-01 00:00:00' WHERE id = 4");
    const first = await runSync(testConfig(db, streams('quarantine'), 'incfail'), { streams: ['users'] });
    expect(first.status).toBe('succeeded');
    await expectStoredCounts(db, first, 'incfail', 'users', true);
    const state = async () => ({
      rows: await targetRows(db, 'incfail', 'users'),
      streams: (
        await db.target.query(
          `SELECT high_water, last_run_id FROM _ferry.streams WHERE target_schema = 'incfail'`,
        )
      ).rows,
      quarantine: (
        await db.target.query(`SELECT id FROM _ferry.quarantine WHERE target_schema = 'incfail' ORDER BY id`)
      ).rows,
    });
    const before = await state();
    await db.source.query(`INSERT INTO users VALUES
      (6, 'f@example.com', 20, '2024-05-01 00:00:00'),
      (7, 'g@example.com', 999, '2024-05-01 00:00:00')`);
    const failed = await runSync(testConfig(db, streams('fail'), 'incfail'), { streams: ['users'] });
    expect(failed.status).toBe('failed');
    expectCountsAddUp(failed);
    expect(failed.streams[0]!.error).toMatch(/check age\.max failed .*"id":"7"/);
    expect(await state()).toEqual(before);
  });
});

describe('deduplication by key', () => {
  it('keeps the latest row of each key by the cursor and records the others', async () => {
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: events, dedup: { key: [ref], cursor: updated_at } }\n', 'dedup'),
      { streams: ['events'] },
    );
    expect(summary.streams[0]).toMatchObject({ rowsRead: 5, rowsLoaded: 3, rowsQuarantined: 2 });
    expect(summary.streams[0]!.checks).toEqual([
      expect.objectContaining({ check: 'dedup', code: 'duplicate', rows: 2 }),
    ]);
    await expectStoredCounts(db, summary, 'dedup', 'events', true);
    expect((await targetRows(db, 'dedup', 'events')).map((r) => [r.id, r.ref, r.state])).toEqual([
      ['3', 'B', 'created'],
      ['4', 'A', 'shipped'],
      ['5', null, 'orphan'],
    ]);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, "row"->>'state' AS state, row_form FROM _ferry.quarantine WHERE target_schema = 'dedup' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { id: '1', state: 'created', row_form: 'target' },
      { id: '2', state: 'paid', row_form: 'target' },
    ]);
  });

  it('refuses a dedup key that is not a column, and set checks without a primary key, before the run starts', async () => {
    await expect(
      runSync(
        testConfig(
          db,
          'streams:\n  - { table: events, dedup: { key: [nope], cursor: updated_at } }\n',
          'dd2',
        ),
        {
          streams: ['events'],
        },
      ),
    ).rejects.toMatchObject({
      kind: 'configuration',
      problems: ['streams (events): dedup.key: nope is not a column of events'],
      hint: 'columns of events: id, ref, state, updated_at',
    });
    await db.source.query('CREATE TABLE logs (line varchar(40))');
    await expect(
      runSync(
        testConfig(db, 'streams:\n  - { table: logs, checks: [{ column: line, unique: true }] }\n', 'dd2'),
        {
          streams: ['logs'],
        },
      ),
    ).rejects.toMatchObject({
      problems: ['streams (logs): checks line.unique need a primary key, and logs has none'],
    });
    const { rows } = await db.target.query(
      `SELECT count(*)::int AS n FROM _ferry.runs WHERE target_schema = 'dd2'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
