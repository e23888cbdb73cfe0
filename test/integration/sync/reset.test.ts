// ferry reset forgets a stream's state so that the next sync starts it over; it asks first (or takes
// --yes), refuses to ask where nobody can answer, and refuses while another process holds the stream.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../../src/connectors/postgres/connect.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { lockNames } from '../../../src/state/locks.js';
import { REPO_ROOT, runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
let file: string;

async function stateOf(table: string) {
  const { rows } = await db.target.query(
    'SELECT mode, high_water FROM _ferry.streams WHERE target_schema = $1 AND target_table = $2',
    ['raw', table],
  );
  return rows[0] as { mode: string; high_water: string } | undefined;
}

/** ferry reset at a terminal (util-linux script gives it one), answering the question with `answer`. */
function atTerminal(answer: string): Promise<{ code: number | null; output: string }> {
  const command = [
    process.execPath,
    '--import',
    'tsx',
    'src/cli/main.ts',
    '--config',
    file,
    'reset',
    'events',
  ]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...process.env, FERRY_LOG_FORMAT: 'json', NO_COLOR: '1' },
    });
    let output = '';
    let answered = false;
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!answered && output.includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

beforeAll(async () => {
  db = await createTestDatabases('reset');
  await db.source.query('CREATE TABLE events (id int PRIMARY KEY, updated_at datetime NOT NULL)');
  await db.source.query("INSERT INTO events SELECT seq, '2024-01-01' + INTERVAL seq DAY FROM seq_1_to_20");
  file = join(mkdtempSync(join(tmpdir(), 'ferry-reset-')), 'ferry.yaml');
  writeFileSync(
    file,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
      'streams:\n  - { table: events, mode: incremental, cursor: updated_at }\n',
  );
  const sync = await runFerry(['--config', file, 'sync']);
  expect(sync.code, sync.stderr).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

describe('ferry reset', () => {
  it('will not ask where nobody can answer, and changes nothing', async () => {
    const asked = await runFerry(['--config', file, 'reset', 'events']);
    expect(asked.code).toBe(2);
    expect(asked.stdout).toContain('raw.events: incremental, mark updated_at 2024-01-21');
    expect(asked.stderr).toContain('pass --yes');
    expect(await stateOf('events')).toMatchObject({ mode: 'incremental' });
  });

  it('names the streams it knows when asked for one it does not', async () => {
    const unknown = await runFerry(['--config', file, 'reset', 'orders', '--yes']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('orders: ferry has no state for such a stream');
    expect(unknown.stderr).toContain('raw.events');
  });

  it('is refused while another process holds the stream', async () => {
    const other = await connectPostgres(db.postgres);
    const state = ferryState();
    const held = await state.locks.acquire(other, [lockNames.stream('raw', 'events')], 'ferry sync');
    try {
      const refused = await runFerry(['--config', file, 'reset', 'events', '--yes']);
      expect(refused.code).toBe(7);
      expect(refused.stderr).toContain('in use by another ferry process (ferry sync');
    } finally {
      await held.release();
      await other.end();
    }
    expect(await stateOf('events')).toBeDefined();
  });

  it('asks at a terminal, and does what the answer says', async () => {
    const no = await atTerminal('n');
    expect(no.output).toContain('Forget the state of 1 stream(s)? [y/N]');
    expect(no.output).toContain('nothing reset');
    expect(await stateOf('events')).toBeDefined();
    const yes = await atTerminal('y');
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain('reset raw.events');
    expect(await stateOf('events')).toBeUndefined();
    const sync = await runFerry(['--config', file, 'sync']);
    expect(sync.code, sync.stderr).toBe(0);
  });

  it('forgets the mark with --yes, so the next sync copies the stream in full', async () => {
    const reset = await runFerry(['--config', file, 'reset', 'raw.events', '--yes']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('reset raw.events');
    expect(await stateOf('events')).toBeUndefined();
    await db.target.query('DELETE FROM raw.events WHERE id < 5'); // an incremental run would not bring these back
    const sync = await runFerry(['--config', file, 'sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const { rows } = await db.target.query('SELECT count(*)::int AS n FROM raw.events');
    expect(rows[0]!.n).toBe(20);
    expect(await stateOf('events')).toMatchObject({ mode: 'incremental' });
  });

  it('forgets a cdc stream\u2019s checkpoint: the next sync takes a new snapshot and follows the binlog from it', async () => {
    await db.source.query('CREATE TABLE feed (id int PRIMARY KEY, v int)');
    await db.source.query('INSERT INTO feed SELECT seq, seq FROM seq_1_to_10');
    const cdcFile = join(mkdtempSync(join(tmpdir(), 'ferry-reset-')), 'ferry.yaml');
    writeFileSync(
      cdcFile,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
        'streams:\n  - { table: feed, mode: cdc }\n',
    );
    const checkpoint = async () =>
      (
        await db.target.query<{ gtid: string | null; run: string }>(
          "SELECT binlog_gtid AS gtid, last_run_id::text AS run FROM _ferry.streams WHERE target_schema = 'raw' AND target_table = 'feed'",
        )
      ).rows[0];
    expect((await runFerry(['--config', cdcFile, 'sync'])).code).toBe(0);
    const first = await checkpoint();
    expect(first?.gtid).toBeTruthy();
    // a row lost from the target: following the binlog would never bring it back, a snapshot does
    await db.target.query('DELETE FROM raw.feed WHERE id = 3');
    const asked = await runFerry(['--config', cdcFile, 'reset', 'feed']);
    expect(asked.stdout).toMatch(/raw\.feed: cdc, checkpoint \S+.*takes a new snapshot/);
    const reset = await runFerry(['--config', cdcFile, 'reset', 'feed', '--yes']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await checkpoint()).toBeUndefined();
    const sync = await runFerry(['--config', cdcFile, 'sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout).streams[0]).toMatchObject({ stream: 'feed', mode: 'cdc', rowsRead: 10 });
    expect((await db.target.query('SELECT count(*)::int AS n FROM raw.feed')).rows[0]!.n).toBe(10);
    const second = await checkpoint();
    expect(second?.gtid).toBeTruthy();
    expect(second?.run).not.toBe(first?.run);
    // and from the new checkpoint on, the binlog
    await db.source.query('UPDATE feed SET v = 100 WHERE id = 3');
    expect((await runFerry(['--config', cdcFile, 'sync'])).code).toBe(0);
    expect((await db.target.query('SELECT v FROM raw.feed WHERE id = 3')).rows).toEqual([{ v: 100 }]);
  });

  it('forgets the progress of a load killed before its first success, and its staging table', async () => {
    await db.source.query('CREATE TABLE bulk (id int PRIMARY KEY, b varchar(40))');
    await db.source.query("INSERT INTO bulk SELECT seq, CONCAT('row ', seq) FROM seq_1_to_60000");
    const bulkFile = join(mkdtempSync(join(tmpdir(), 'ferry-reset-')), 'ferry.yaml');
    writeFileSync(
      bulkFile,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
        'streams:\n  - { table: bulk }\nsync: { chunk_rows: 1000, batch_rows: 500 }\n',
    );
    const chunks = async () =>
      (
        await db.target
          .query<{ n: number }>("SELECT count(*)::int AS n FROM _ferry.chunks WHERE target_table = 'bulk'")
          .catch(() => ({ rows: [{ n: 0 }] }))
      ).rows[0]!.n;
    const child = spawnFerry(['--config', bulkFile, 'sync']);
    const deadline = Date.now() + 60_000;
    while ((await chunks()) < 3 && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r),
    );
    expect(await chunks()).toBeGreaterThanOrEqual(3);
    expect(await stateOf('bulk')).toBeUndefined(); // no run finished: only progress
    const asked = await runFerry(['--config', bulkFile, 'reset', 'bulk']);
    expect(asked.stdout).toMatch(
      /raw\.bulk: a load in progress \(\d+ chunk\(s\), \d+ row\(s\) staged\); the next ferry sync starts its load over/,
    );
    const reset = await runFerry(['--config', bulkFile, 'reset', 'bulk', '--yes']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await chunks()).toBe(0);
    const { rows: staged } = await db.target.query("SELECT to_regclass('raw._ferry_stage_bulk') AS t");
    expect(staged[0]!.t).toBeNull();
    const sync = await runFerry(['--config', bulkFile, 'sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout).streams[0]).toMatchObject({
      stream: 'bulk',
      rowsRead: 60000,
      chunksSkipped: 0,
    });
  }, 90_000);
});
