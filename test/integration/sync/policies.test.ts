// Identifiers of any spelling, and values PostgreSQL cannot hold under each policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('policies');
  await db.source.query("SET SESSION sql_mode = ''");
  await db.source.query(
    'CREATE TABLE `select` (`Order` int PRIMARY KEY, `Mixed Case` varchar(10), `quote"d` int, `back``tick` int, `ünïcödé ✓` text, `updated at` datetime(6), KEY `idx "weird"` (`Mixed Case`))',
  );
  await db.source.query(
    "INSERT INTO `select` VALUES (1, 'a', 2, 3, 'ü', '2024-01-01 00:00:00'), (2, 'b', NULL, 4, '✓', '2024-01-02 00:00:00')",
  );
  await db.source.query('CREATE TABLE dates (id int PRIMARY KEY, d date, dt datetime, note varchar(10))');
  await db.source.query(
    "INSERT INTO dates VALUES (1, '2024-01-01', '2024-01-01 10:00:00', 'ok'), (2, '0000-00-00', '2024-01-01 10:00:00', 'zero'), (3, '2024-01-01', '2024-00-10 00:00:00', 'part')",
  );
  await db.source.query('CREATE TABLE bad_text (id int PRIMARY KEY, t varchar(20), flag tinyint(1))');
  await db.source.query(
    "INSERT INTO bad_text VALUES (1, 'fine', 1), (2, CONCAT('nul', CHAR(0), 'byte'), 0), (3, 'flag', 7)",
  );
});

afterAll(async () => {
  await db?.drop();
});

describe('identifiers of any spelling', () => {
  it('replicates reserved words, mixed case, quotes, backticks, spaces and unicode, full and incremental', async () => {
    const streams =
      'streams:\n  - { table: select, mode: incremental, cursor: "updated at", deletes: hard }\n';
    expect((await runSync(testConfig(db, streams, 'Weird "Schema"'), { streams: ['select'] })).status).toBe(
      'succeeded',
    );
    await db.source.query(
      "UPDATE `select` SET `Mixed Case` = 'changed', `updated at` = '2024-02-01 00:00:00' WHERE `Order` = 2",
    );
    await db.source.query('DELETE FROM `select` WHERE `Order` = 1');
    const second = await runSync(testConfig(db, streams, 'Weird "Schema"'), { streams: ['select'] });
    expect(second.streams[0]).toMatchObject({ status: 'succeeded', rowsDeleted: 1 });
    const rows = await targetRows(db, 'Weird "Schema"', 'select');
    expect(rows).toEqual([
      {
        Order: '2',
        'Mixed Case': 'changed',
        'quote"d': null,
        'back`tick': '4',
        'ünïcödé ✓': '✓',
        'updated at': '2024-02-01 00:00:00',
      },
    ]);
  });
});

describe('zero dates', () => {
  it('become NULL and are recorded under zero_dates: null', async () => {
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: dates }\nsync: { zero_dates: "null" }\n', 'z_null'),
    );
    expect(summary.streams[0]).toMatchObject({
      rowsRead: 3,
      rowsLoaded: 3,
      valuesNulled: 2,
      rowsQuarantined: 0,
    });
    const rows = await targetRows(db, 'z_null', 'dates');
    expect(rows.map((r) => [r.id, r.d, r.dt])).toEqual([
      ['1', '2024-01-01', '2024-01-01 10:00:00'],
      ['2', null, '2024-01-01 10:00:00'],
      ['3', '2024-01-01', null],
    ]);
    const { rows: changes } = await db.target.query(
      `SELECT primary_key, "column", original, reason FROM _ferry.value_changes WHERE target_schema = 'z_null' ORDER BY id`,
    );
    expect(changes).toEqual([
      { primary_key: { id: '2' }, column: 'd', original: '0000-00-00', reason: 'zero date 0000-00-00' },
      {
        primary_key: { id: '3' },
        column: 'dt',
        original: '2024-00-10 00:00:00',
        reason: 'date with a zero part 2024-00-10 00:00:00',
      },
    ]);
  });

  it('send their rows to quarantine under zero_dates: quarantine, and the counts add up', async () => {
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: dates }\nsync: { zero_dates: quarantine }\n', 'z_quarantine'),
    );
    const stream = summary.streams[0]!;
    expect(stream).toMatchObject({ rowsRead: 3, rowsLoaded: 1, rowsQuarantined: 2 });
    expect(stream.rowsLoaded + stream.rowsQuarantined).toBe(stream.rowsRead);
    expect((await targetRows(db, 'z_quarantine', 'dates')).map((r) => r.id)).toEqual(['1']);
    const { rows } = await db.target.query(
      `SELECT primary_key, "row"->>'note' AS note, reason FROM _ferry.quarantine WHERE target_schema = 'z_quarantine' ORDER BY id`,
    );
    expect(rows).toEqual([
      { primary_key: { id: '2' }, note: 'zero', reason: 'd: zero date 0000-00-00' },
      { primary_key: { id: '3' }, note: 'part', reason: 'dt: date with a zero part 2024-00-10 00:00:00' },
    ]);
  });

  it('fail the stream under zero_dates: fail and leave the previous copy intact', async () => {
    const schema = 'z_fail';
    expect((await runSync(testConfig(db, 'streams:\n  - { table: dates }\n', schema))).status).toBe(
      'succeeded',
    );
    const before = await targetRows(db, schema, 'dates');
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: dates }\nsync: { zero_dates: fail }\n', schema),
    );
    expect(summary.status).toBe('failed');
    expect(summary.streams[0]!.error).toMatch(/dates\.d: zero date 0000-00-00 \(row \{"id":"2"\}\)/);
    expect(await targetRows(db, schema, 'dates')).toEqual(before);
  });
});

describe('values PostgreSQL cannot hold', () => {
  it('quarantines NUL bytes and non-boolean TINYINT(1) values by default, with reasons', async () => {
    const summary = await runSync(testConfig(db, 'streams:\n  - { table: bad_text }\n', 'bad'));
    expect(summary.streams[0]).toMatchObject({ rowsRead: 3, rowsLoaded: 1, rowsQuarantined: 2 });
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, reason FROM _ferry.quarantine WHERE target_schema = 'bad' ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '2', reason: 't: text contains a NUL byte, which PostgreSQL text cannot hold' },
      { id: '3', reason: 'flag: TINYINT(1) value 7 is neither 0 nor 1' },
    ]);
  });
});

describe('MariaDB types ferry once could not map', () => {
  // Every column type of MariaDB 10.11 has a rule now; what a type without one does (its stream fails
  // alone, naming the column) is tested on mapColumn in test/unit/replication/type-mapping.test.ts.
  it('load next to the other streams: an INET6 column is inet', async () => {
    await db.source.query('CREATE TABLE addresses_v6 (id int PRIMARY KEY, ip inet6)');
    await db.source.query("INSERT INTO addresses_v6 VALUES (1, '::1')");
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: addresses_v6 }\n  - { table: dates }\n', 'unmapped'),
    );
    expect(summary.status).toBe('succeeded');
    expect(await targetRows(db, 'unmapped', 'addresses_v6')).toEqual([{ id: '1', ip: '::1/128' }]);
  });
});
