// The quarantine's life: rows set aside with reason codes (checks and unloadable values alike),
// listed and shown by the CLI, replayed after the rule or the data is fixed, discarded with a record,
// and resolved by the next sync once the source is fixed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import type { SyncSummary } from '../../../src/replication/run.js';
import { expectCountsAddUp, expectStoredCounts } from './counts.js';

let db: TestDatabases;
const dir = mkdtempSync(join(tmpdir(), 'ferry-quarantine-'));

beforeAll(async () => {
  db = await createTestDatabases('replay');
  await db.source.query("SET SESSION sql_mode = ''");
  await db.source.query(
    'CREATE TABLE orders (id int PRIMARY KEY, status varchar(10), d date, note varchar(20), flag tinyint(1))',
  );
  await db.source.query(`INSERT INTO orders VALUES
    (1, 'paid', '2024-01-01', 'ok', 1),
    (2, 'paid', '2024-01-02', 'ok', 0),
    (3, 'lost', '2024-01-03', 'ok', 1),
    (4, 'paid', '0000-00-00', 'zero', 1),
    (5, 'paid', '2024-01-05', CONCAT('nul', CHAR(0)), 1),
    (6, 'paid', '2024-01-06', 'ok', 7)`);
});

afterAll(async () => {
  await db?.drop();
});

const STREAMS = (values: string) =>
  `streams:\n  - table: orders\n    checks:\n      - { column: status, accepted_values: [${values}] }\nsync: { zero_dates: quarantine }\n`;

function configFile(schema: string, values: string): string {
  const path = join(dir, `${schema}-${values.replace(/\W/g, '')}.yaml`);
  writeFileSync(
    path,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${STREAMS(values)}`,
  );
  return path;
}

describe('quarantine', () => {
  const schema = 'life';

  it('holds check failures and unloadable values alike, each with its reason code', async () => {
    const summary = await runSync(testConfig(db, STREAMS('paid'), schema));
    expect(summary.status).toBe('succeeded');
    expect(summary.streams[0]).toMatchObject({ rowsRead: 6, rowsLoaded: 2, rowsQuarantined: 4 });
    await expectStoredCounts(db, summary, schema, 'orders', true);
    const { rows } = await db.target.query<{ id: string; codes: string[] }>(
      `SELECT primary_key->>'id' AS id, ARRAY(SELECT jsonb_array_elements(failures)->>'code') AS codes FROM _ferry.quarantine WHERE target_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(rows).toEqual([
      { id: '3', codes: ['accepted_values'] },
      { id: '4', codes: ['zero_date'] },
      { id: '5', codes: ['nul_byte'] },
      { id: '6', codes: ['not_boolean'] },
    ]);
    expect(summary.streams[0]!.checks.map((c) => [c.check, c.rows])).toEqual([
      ['d.zero_date', 1],
      ['flag.not_boolean', 1],
      ['note.nul_byte', 1],
      ['status.accepted_values', 1],
    ]);
  });

  it('is listed and shown by the command line, with filters by reason', async () => {
    const path = configFile(schema, 'paid');
    const list = await runFerry(['-c', path, 'quarantine', 'list', '--json']);
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as { entries: { id: number; reason: string }[] };
    expect(parsed.entries).toHaveLength(4);
    const zero = await runFerry(['-c', path, 'quarantine', 'list', '--reason', 'zero_date']);
    expect(zero.code).toBe(0);
    expect(zero.stdout).toMatch(/zero date 0000-00-00/);
    expect(zero.stdout).not.toMatch(/lost/);
    const show = await runFerry(['-c', path, 'quarantine', 'show', String(parsed.entries[0]!.id)]);
    expect(show.stdout).toMatch(
      /status.accepted_values \[accepted_values, quarantine\]: "lost" is not one of "paid"/,
    );
    expect(show.stdout).toMatch(/status: "lost"/);
  });

  it('replays rows once the rule is fixed, and keeps the others with their failures now', async () => {
    const replay = await runFerry(['-c', configFile(schema, 'paid, lost'), 'quarantine', 'replay']);
    expect(replay.code, replay.stderr).toBe(1); // three rows still fail
    expect(replay.stdout).toMatch(/1 row\(s\) loaded, 3 still failing/);
    expect((await targetRows(db, schema, 'orders')).map((r) => [r.id, r.status])).toEqual([
      ['1', 'paid'],
      ['2', 'paid'],
      ['3', 'lost'],
    ]);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, replay_attempts FROM _ferry.quarantine WHERE target_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(rows).toEqual([
      { id: '4', replay_attempts: 1 },
      { id: '5', replay_attempts: 1 },
      { id: '6', replay_attempts: 1 },
    ]);
    const { rows: log } = await db.target.query(
      `SELECT primary_key->>'id' AS id, resolution FROM _ferry.quarantine_log WHERE target_schema = $1`,
      [schema],
    );
    expect(log).toEqual([{ id: '3', resolution: 'replayed' }]);
  });

  it('replays a row whose stored value was fixed by hand', async () => {
    await db.target.query(
      `UPDATE _ferry.quarantine SET "row" = jsonb_set("row", '{d}', '"2024-01-04"') WHERE target_schema = $1 AND primary_key->>'id' = '4'`,
      [schema],
    );
    const dry = await runFerry([
      '-c',
      configFile(schema, 'paid, lost'),
      'quarantine',
      'replay',
      '--reason',
      'zero_date',
      '--dry-run',
    ]);
    expect(dry.stdout).toMatch(/would load/);
    expect((await targetRows(db, schema, 'orders')).map((r) => r.id)).toEqual(['1', '2', '3']);
    const replay = await runFerry([
      '-c',
      configFile(schema, 'paid, lost'),
      'quarantine',
      'replay',
      '--reason',
      'zero_date',
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    const rows = await targetRows(db, schema, 'orders');
    expect(rows.find((r) => r.id === '4')).toMatchObject({ d: '2024-01-04', note: 'zero', flag: 'true' });
  });

  it('discards rows with a record of each', async () => {
    const path = configFile(schema, 'paid, lost');
    const refused = await runFerry(['-c', path, 'quarantine', 'discard']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs a filter/);
    const discard = await runFerry([
      '-c',
      path,
      'quarantine',
      'discard',
      '--reason',
      'nul_byte',
      '--note',
      'test data',
    ]);
    expect(discard.code, discard.stderr).toBe(0);
    expect(discard.stdout).toMatch(/1 entry discarded/);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, resolution, note FROM _ferry.quarantine_log WHERE target_schema = $1 AND resolution = 'discarded'`,
      [schema],
    );
    expect(rows).toEqual([{ id: '5', resolution: 'discarded', note: 'test data' }]);
  });

  it('shows in the summary of ferry sync, per check, with the count identity', async () => {
    const result = await runFerry(['-c', configFile('cli_summary', 'paid'), 'sync']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/warned/);
    expect(result.stdout).toMatch(
      /check orders status\.accepted_values \(accepted_values, quarantine\): 1 row\(s\)/,
    );
    expect(result.stdout).toMatch(/check orders d\.zero_date \(zero_date, quarantine\): 1 row\(s\)/);
    expect(result.stdout).toMatch(/6 rows read, 2 loaded, 4 quarantined/);
    const json = await runFerry(['-c', configFile('cli_summary', 'paid'), 'sync', '--json']);
    const summary = JSON.parse(json.stdout) as SyncSummary;
    expectCountsAddUp(summary);
    expect(summary.streams[0]).toMatchObject({
      rowsRead: 6,
      rowsLoaded: 2,
      rowsQuarantined: 4,
      rowsWarned: 0,
    });
  });

  it('is resolved by the next sync once the source row is fixed', async () => {
    await db.source.query('UPDATE orders SET flag = 0 WHERE id = 6');
    const summary = await runSync(testConfig(db, STREAMS('paid, lost'), schema));
    await expectStoredCounts(db, summary, schema, 'orders', true);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, resolution FROM _ferry.quarantine_log WHERE target_schema = $1 AND resolved_run_id = $2 ORDER BY 1`,
      [schema, summary.runId],
    );
    // Row 6 loads now; row 4 (zero date, still in the source) and 5 (NUL byte) are quarantined again.
    expect(rows).toEqual([{ id: '6', resolution: 'resolved_by_sync' }]);
    const { rows: open } = await db.target.query(
      `SELECT primary_key->>'id' AS id, run_id FROM _ferry.quarantine WHERE target_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(open).toEqual([
      { id: '4', run_id: String(summary.runId) },
      { id: '5', run_id: String(summary.runId) },
    ]);
  });
});

describe('replaying rows set aside by a set check', () => {
  const schema = 'setreplay';
  const streams = 'streams:\n  - table: people\n    checks:\n      - { column: email, unique: true }\n';

  it('checks them against the target again: a fixed row loads, an unfixed one stays', async () => {
    await db.source.query('CREATE TABLE people (id int PRIMARY KEY, email varchar(40))');
    await db.source.query(
      "INSERT INTO people VALUES (1, 'a@example.com'), (2, 'a@example.com'), (3, 'a@example.com')",
    );
    const summary = await runSync(testConfig(db, streams, schema), { streams: ['people'] });
    expect(summary.streams[0]).toMatchObject({ rowsRead: 3, rowsLoaded: 1, rowsQuarantined: 2 });
    await expectStoredCounts(db, summary, schema, 'people', true);
    await db.target.query(
      `UPDATE _ferry.quarantine SET "row" = jsonb_set("row", '{email}', '"b@example.com"') WHERE target_schema = $1 AND primary_key->>'id' = '2'`,
      [schema],
    );
    const path = join(dir, 'setreplay.yaml');
    writeFileSync(
      path,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${streams}`,
    );
    const replay = await runFerry(['-c', path, 'quarantine', 'replay', '--stream', 'people', '--json']);
    expect(replay.code, replay.stderr).toBe(1);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      streams: [{ stream: 'people', examined: 2, replayed: 1, stillFailing: 1 }],
    });
    expect(await targetRows(db, schema, 'people')).toEqual([
      { id: '1', email: 'a@example.com' },
      { id: '2', email: 'b@example.com' },
    ]);
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, failures->0->>'check' AS check, replay_attempts FROM _ferry.quarantine WHERE target_schema = $1`,
      [schema],
    );
    expect(rows).toEqual([{ id: '3', check: 'email.unique', replay_attempts: 1 }]);
  });
});

describe('values stored as NULL by a policy', () => {
  it('are counted per check too, with severity set_null, and their rows load', async () => {
    const summary = await runSync(
      testConfig(
        db,
        'streams:\n  - { table: orders }\nsync: { zero_dates: "null", invalid_values: quarantine }\n',
        'nulled',
      ),
      { streams: ['orders'] },
    );
    expect(summary.streams[0]).toMatchObject({
      rowsRead: 6,
      rowsLoaded: 5,
      rowsQuarantined: 1,
      valuesNulled: 1,
    });
    await expectStoredCounts(db, summary, 'nulled', 'orders', true);
    expect(summary.streams[0]!.checks).toEqual([
      { check: 'd.zero_date', code: 'zero_date', column: 'd', severity: 'set_null', rows: 1 },
      { check: 'note.nul_byte', code: 'nul_byte', column: 'note', severity: 'quarantine', rows: 1 },
    ]);
  });
});
