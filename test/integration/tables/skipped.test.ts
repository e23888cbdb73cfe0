// What `table: "*"` picks up and what it leaves, said out loud: system-versioned tables are
// replicated (their current rows, INVISIBLE columns included), sequences and views are skipped with a
// warning, and a pattern that matches nothing (or an empty source) warns, or fails with --strict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../../src/replication/run.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import { tablesOf, writeConfig } from './fixture.js';

let db: TestDatabases;
let empty: TestDatabases;

beforeAll(async () => {
  [db, empty] = await Promise.all([createTestDatabases('skipped'), createTestDatabases('empty_src')]);
  await db.source.query('CREATE TABLE prices (id INT PRIMARY KEY, price INT) WITH SYSTEM VERSIONING');
  await db.source.query('INSERT INTO prices VALUES (1, 10), (2, 20), (3, 30)');
  await db.source.query('UPDATE prices SET price = 11 WHERE id = 1');
  await db.source.query('DELETE FROM prices WHERE id = 3');
  await db.source.query(`CREATE TABLE rates (id INT PRIMARY KEY, rate INT,
      valid_from TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE,
      valid_to TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE,
      PERIOD FOR SYSTEM_TIME (valid_from, valid_to)) WITH SYSTEM VERSIONING`);
  await db.source.query('INSERT INTO rates (id, rate) VALUES (1, 5), (2, 6)');
  await db.source.query('UPDATE rates SET rate = 7 WHERE id = 2');
  await db.source.query('CREATE TABLE secrets (id INT PRIMARY KEY, shown INT, hidden INT INVISIBLE)');
  await db.source.query('INSERT INTO secrets (id, shown, hidden) VALUES (1, 2, 3)');
  await db.source.query('CREATE SEQUENCE order_numbers START WITH 1000');
  await db.source.query('CREATE VIEW cheap AS SELECT id FROM prices WHERE price < 15');
});

afterAll(async () => {
  await Promise.all([db?.drop(), empty?.drop()]);
});

const warnings = (summary: SyncSummary) => summary.warnings.join('\n');

describe('table: "*"', () => {
  let summary: SyncSummary;

  it('replicates system-versioned tables with their current rows only', async () => {
    summary = await runSync(testConfig(db));
    expect(summary.status, JSON.stringify(summary)).toBe('succeeded');
    expect(await tablesOf(db, 'raw')).toEqual(['prices', 'rates', 'secrets']);
    expect(await targetRows(db, 'raw', 'prices')).toEqual([
      { id: '1', price: '11' },
      { id: '2', price: '20' },
    ]);
  });

  it('copies declared period columns and INVISIBLE columns as ordinary columns', async () => {
    const rates = await targetRows(db, 'raw', 'rates');
    expect(rates.map((r) => [r.id, r.rate, r.valid_to])).toEqual([
      ['1', '5', '2038-01-19 03:14:07.999999+00'],
      ['2', '7', '2038-01-19 03:14:07.999999+00'],
    ]);
    expect(await targetRows(db, 'raw', 'secrets')).toEqual([{ id: '1', shown: '2', hidden: '3' }]);
  });

  it('warns for the sequence and the view it skips, naming them', () => {
    expect(warnings(summary)).toMatch(/sequence order_numbers .*not replicated/);
    expect(warnings(summary)).toMatch(/view cheap .*not replicated/);
  });

  it('prints those warnings under the summary', async () => {
    const config = writeConfig(db, 'streams:\n  - { table: "*" }\n', 'raw_cli');
    const result = await runFerry(['--config', config, 'sync']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^warning: sequence order_numbers/m);
  });
});

describe('a pattern that matches nothing', () => {
  it('is a warning that names it', async () => {
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: "audit_*" }\n  - { table: prices }\n', 'raw_none'),
    );
    expect(summary.status).toBe('succeeded');
    expect(warnings(summary)).toMatch(/streams\[0\]: table "audit_\*" matches no table/);
  });

  it('is an error with --strict (exit 2), before anything is copied', async () => {
    const config = writeConfig(
      db,
      'streams:\n  - { table: "audit_*" }\n  - { table: prices }\n',
      'raw_strict',
    );
    const result = await runFerry(['--config', config, 'sync', '--strict']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/audit_\*.*matches no table/);
    expect(await tablesOf(db, 'raw_strict')).toEqual([]);
  });
});

describe('an empty source database', () => {
  it('is a warning, and exit 0', async () => {
    const config = writeConfig(empty, 'streams:\n  - { table: "*" }\n');
    const result = await runFerry(['--config', config, 'sync', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as SyncSummary;
    expect(warnings(summary)).toMatch(/source database .* has no tables/);
  });

  it('is an error with --strict', async () => {
    const config = writeConfig(empty, 'streams:\n  - { table: "*" }\n');
    const result = await runFerry(['--config', config, 'sync', '--strict']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no tables/);
  });
});
