// ferry repair re-copies by key exactly the rows verify finds missing, extra or different, in
// chunks, from one snapshot, then verifies them again; it keeps to each stream's rules (checks,
// deletes: soft and ignore, overrides, where:), and a full refresh of a soft-delete stream keeps
// its tombstones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { repair, type StreamRepair } from '../../../src/verify/repair.js';
import { REPAIR_CHUNK } from '../../../src/verify/repair-keys.js';
import { verify } from '../../../src/verify/verify.js';
import { quarantinedByStream } from '../../../src/orchestration/quality-gate.js';
import { replayQuarantine } from '../../../src/replication/replay.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;
let config: FerryConfig;
let yaml: string;

const STREAMS = [
  'streams:',
  '  - table: orders',
  '    checks: [{ column: amount, min: 0 }]',
  '    overrides: { flag: { type: smallint }, doc: { type: text }, note: { rename: remark }, secret: { exclude: true } }',
  '  - { table: events, mode: incremental, cursor: updated_at, deletes: soft }',
  '  - { table: kept, mode: incremental, cursor: updated_at, deletes: ignore }',
  '  - { table: tags }',
  '  - { table: live, where: "state <> \'draft\'" }',
  '  - { table: archive, target_schema: cold, checks: [{ column: v, not_null: true }] }',
  '',
].join('\n');

const opts = () => ({ ...testProject(config), logger: silentLogger(), signal: new AbortController().signal });

async function repairOf(stream: string, dryRun = false): Promise<StreamRepair> {
  const report = await repair({ ...opts(), streams: [stream], dryRun });
  expect(report.streams.map((s) => s.stream)).toEqual([stream.replace(/^.*\./, '')]);
  return report.streams[0]!;
}

async function verdictOf(stream: string) {
  const report = await verify({ ...opts(), streams: [stream] });
  const v = report.streams[0]!;
  return {
    status: v.status,
    missing: v.missing,
    extra: v.extra,
    different: v.different,
    expected: v.expected,
  };
}

beforeAll(async () => {
  db = await createTestDatabases('repair');
  await db.source.query(
    'CREATE TABLE orders (id int PRIMARY KEY, amount decimal(10,2), flag tinyint(1), doc json, note text, secret varchar(20))',
  );
  await db.source.query(
    `INSERT INTO orders SELECT seq, seq / 100, seq % 2, JSON_OBJECT('n', seq, 'tag', 'a b'), CONCAT('note ', seq), 'pw' FROM seq_1_to_12000`,
  );
  await db.source.query(
    'CREATE TABLE events (id int PRIMARY KEY, kind varchar(10), updated_at datetime(6) NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO events SELECT seq, 'e', '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_100",
  );
  await db.source.query('CREATE TABLE kept (id int PRIMARY KEY, v int, updated_at datetime(6) NOT NULL)');
  await db.source.query("INSERT INTO kept SELECT seq, seq, '2024-01-01' FROM seq_1_to_50");
  await db.source.query(
    'CREATE TABLE tags (name varchar(20), n int, label varchar(20), PRIMARY KEY (name, n))',
  );
  await db.source.query("INSERT INTO tags SELECT CONCAT('t', seq % 7), seq, 'x' FROM seq_1_to_300");
  await db.source.query('CREATE TABLE live (id int PRIMARY KEY, state varchar(10))');
  await db.source.query("INSERT INTO live SELECT seq, IF(seq % 3 = 0, 'draft', 'open') FROM seq_1_to_30");
  await db.source.query('CREATE TABLE archive (id int PRIMARY KEY, v int)');
  await db.source.query('INSERT INTO archive SELECT seq, IF(seq = 3, NULL, seq) FROM seq_1_to_10');
  yaml = STREAMS;
  config = testConfig(db, yaml);
  const summary = await runSync(config);
  expect(summary.streams.filter((s) => s.status !== 'succeeded')).toEqual([]);
});

afterAll(async () => {
  await db?.drop();
});

describe('ferry repair', () => {
  it('re-copies every missing, extra and different row, in chunks, and verifies them in sync', async () => {
    await db.target.query('DELETE FROM raw.orders WHERE id > 1000'); // 11,000 missing: 3 chunks
    await db.target.query(
      `INSERT INTO raw.orders (id, amount, flag, doc, remark) VALUES (20001, 1, 0, '{}', 'x'), (20002, 2, 1, '[]', 'y')`,
    );
    await db.target.query(`UPDATE raw.orders SET remark = 'edited' WHERE id IN (5, 6)`);
    await db.target.query(`UPDATE raw.orders SET doc = '{"n": 7}' WHERE id = 7`); // compared apart
    await db.target.query(`UPDATE raw.orders SET flag = 5 WHERE id = 8`); // an overridden column
    expect(await verdictOf('orders')).toMatchObject({ missing: 11_000, extra: 2, different: 4 });

    const dry = await repairOf('orders', true);
    expect(dry.status).toBe('different');
    expect(dry.done.written).toBe(0);
    expect((await verdictOf('orders')).missing).toBe(11_000);

    const r = await repairOf('orders');
    expect(r.found).toEqual({ missing: 11_000, extra: 2, different: 4 });
    expect(r.done).toMatchObject({ read: 11_004, written: 11_004, deleted: 2, quarantined: 0 });
    expect(r.done.chunks).toBe(Math.ceil(11_004 / REPAIR_CHUNK) + 1);
    expect(r.remaining).toEqual({ missing: 0, extra: 0, different: 0 });
    expect(await verdictOf('orders')).toEqual({
      status: 'in_sync',
      missing: 0,
      extra: 0,
      different: 0,
      expected: 0,
    });
    const { rows } = await db.target.query('SELECT flag::text, doc, remark FROM raw.orders WHERE id = 8');
    // The overrides hold for re-copied rows: smallint, the JSON text as MariaDB stores it, the rename.
    expect(rows[0]).toEqual({ flag: '0', doc: '{"n": 8, "tag": "a b"}', remark: 'note 8' });
  });

  it('follows the checks: a source row that now fails one is quarantined and its target row removed', async () => {
    await db.source.query('UPDATE orders SET amount = -5 WHERE id = 42');
    const r = await repairOf('orders');
    expect(r.found.different).toBe(1);
    expect(r.done.quarantined).toBe(1);
    expect(r.nowExpected).toBe(1);
    expect(r.remaining).toEqual({ missing: 0, extra: 0, different: 0 });
    expect((await db.target.query('SELECT 1 FROM raw.orders WHERE id = 42')).rowCount).toBe(0);
    expect(await verdictOf('orders')).toMatchObject({ status: 'in_sync', expected: 1 });
    await db.source.query('UPDATE orders SET amount = 0.42 WHERE id = 42');
    const fixed = await repairOf('orders');
    expect(fixed.done.written).toBe(1);
    expect(await verdictOf('orders')).toMatchObject({ status: 'in_sync', expected: 0 });
  });

  it('replays a quarantined row of an overridden stream into its renamed and retyped columns', async () => {
    await db.source.query('UPDATE orders SET amount = -7 WHERE id = 43');
    expect((await repairOf('orders')).done.quarantined).toBe(1);
    const relaxed = testConfig(db, STREAMS.replace('    checks: [{ column: amount, min: 0 }]\n', ''));
    const replay = await replayQuarantine({
      ...testProject(relaxed),
      filter: { stream: 'orders' },
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(replay.streams[0]).toMatchObject({ stream: 'orders', replayed: 1, stillFailing: 0 });
    const { rows } = await db.target.query(
      'SELECT amount::text, flag::text, doc, remark FROM raw.orders WHERE id = 43',
    );
    expect(rows[0]).toEqual({
      amount: '-7.00',
      flag: '1',
      doc: '{"n": 43, "tag": "a b"}',
      remark: 'note 43',
    });
    await db.source.query('UPDATE orders SET amount = 0.43 WHERE id = 43');
    await repairOf('orders');
  });

  it('keeps a stream with its own target schema there: rows, state, runs, quarantine, verify and repair', async () => {
    expect((await db.target.query('SELECT count(*)::int AS n FROM cold.archive')).rows[0].n).toBe(9);
    const state = await db.target.query(
      "SELECT target_schema FROM _ferry.streams WHERE target_table = 'archive'",
    );
    expect(state.rows).toEqual([{ target_schema: 'cold' }]);
    const quarantined = await db.target.query(
      "SELECT target_schema FROM _ferry.quarantine WHERE stream = 'archive'",
    );
    expect(quarantined.rows).toEqual([{ target_schema: 'cold' }]);
    // a pipeline's quality task counts it there too
    const waiting = await quarantinedByStream(testProject(config).project, testProject(config).state, [
      'archive',
    ]);
    expect(waiting.get('archive')).toBe(1);
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-repair-')), 'ferry.yaml');
    writeFileSync(file, testConfigText());
    const listed = await runFerry(['--config', file, 'quarantine', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { entries: { stream: string }[] }).entries.map((e) => e.stream),
    ).toContain('archive');
    expect(await verdictOf('archive')).toMatchObject({ status: 'in_sync', expected: 1 });
    await db.target.query('DELETE FROM cold.archive WHERE id > 7');
    const r = await repairOf('cold.archive');
    expect(r).toMatchObject({ stream: 'archive', found: { missing: 3 }, remaining: { missing: 0 } });
    const runs = await db.target.query(
      "SELECT DISTINCT target_schema FROM _ferry.stream_runs WHERE target_table = 'archive'",
    );
    expect(runs.rows).toEqual([{ target_schema: 'cold' }]);
    // ferry status reads its state there too, not as a stream never synced
    const status = await runFerry(['--config', file, 'status', '--json']);
    const archive = (
      JSON.parse(status.stdout) as { streams: { stream: string; health: string; rows: number | null }[] }
    ).streams.find((s) => s.stream === 'archive');
    expect(archive).toMatchObject({ health: 'ok', rows: 9 });
  });

  it('marks rows the source deleted under deletes: soft, and keeps them under ignore as expected', async () => {
    await db.source.query('DELETE FROM events WHERE id IN (1, 2, 3)');
    await db.source.query('DELETE FROM kept WHERE id IN (1, 2)');
    const soft = await repairOf('events');
    expect(soft.found.extra).toBe(3);
    expect(soft.done).toMatchObject({ marked: 3, deleted: 0 });
    const { rows } = await db.target.query(
      'SELECT count(*)::int AS n FROM raw.events WHERE _ferry_deleted_at IS NOT NULL',
    );
    expect(rows[0]!.n).toBe(3);
    const ignored = await repairOf('kept');
    expect(ignored).toMatchObject({ status: 'in_sync', expected: 2 });
    expect((await db.target.query('SELECT 1 FROM raw.kept WHERE id IN (1, 2)')).rowCount).toBe(2);
  });

  it('keeps a soft-delete stream’s tombstones through a full refresh', async () => {
    const summary = await runSync(config, { streams: ['events'], fullRefresh: true });
    expect(summary.status).toBe('succeeded');
    const { rows } = await db.target.query(
      'SELECT id FROM raw.events WHERE _ferry_deleted_at IS NOT NULL ORDER BY id',
    );
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    await db.source.query('DELETE FROM events WHERE id = 4');
    await runSync(config, { streams: ['events'], fullRefresh: true });
    const after = await db.target.query(
      'SELECT id FROM raw.events WHERE _ferry_deleted_at IS NOT NULL ORDER BY id',
    );
    expect(after.rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(await verdictOf('events')).toMatchObject({ status: 'in_sync' });
  });

  it('repairs a composite text key by key, and a filtered stream within its filter', async () => {
    await db.target.query(`DELETE FROM raw.tags WHERE name = 't3'`);
    await db.target.query(`UPDATE raw.tags SET label = 'y' WHERE n = 11`);
    const tags = await repairOf('tags');
    expect(tags.found).toEqual({ missing: 43, extra: 0, different: 1 });
    expect(tags.remaining).toEqual({ missing: 0, extra: 0, different: 0 });
    // A row that left the filter is no longer the stream's: the full_refresh stream drops it.
    await db.source.query(`UPDATE live SET state = 'draft' WHERE id = 1`);
    await db.target.query(`DELETE FROM raw.live WHERE id = 2`);
    const live = await repairOf('live');
    expect(live.found).toEqual({ missing: 1, extra: 1, different: 0 });
    const { rows } = await db.target.query('SELECT count(*)::int AS n FROM raw.live');
    expect(rows[0]!.n).toBe(19);
    expect(await verdictOf('live')).toMatchObject({ status: 'in_sync' });
  });

  it('runs from the command line: a table of what it did, exit 0 once in sync, 1 for a dry run with differences', async () => {
    await db.target.query('DELETE FROM raw.tags WHERE n < 5');
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-repair-')), 'ferry.yaml');
    writeFileSync(file, testConfigText());
    const dry = await runFerry(['--config', file, 'repair', '--dry-run', '--streams', 'tags']);
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('would re-copy');
    const done = await runFerry(['--config', file, 'repair', '--streams', 'tags', '--json']);
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(done.stdout) as { streams: StreamRepair[]; runId: number };
    expect(report.streams[0]).toMatchObject({ stream: 'tags', status: 'repaired', done: { written: 4 } });
    const { rows } = await db.target.query('SELECT kind, status FROM _ferry.runs WHERE run_id = $1', [
      report.runId,
    ]);
    expect(rows[0]).toEqual({ kind: 'repair', status: 'succeeded' });
  });
});

function testConfigText(): string {
  return `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n${yaml}`;
}
