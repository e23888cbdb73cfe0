// A run killed at any moment and started again finishes without duplicates or losses, and does not
// redo finished chunks; two runs on one target do not run at once.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../../src/connectors/postgres/connect.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { lockNames } from '../../../src/state/locks.js';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
let configFile: string;
const ROWS = 200_000;

// Count and a sum of per-row hashes, computed the same way on both sides.
async function sourceChecksum(): Promise<string> {
  const [rows] = await db.source.query(
    "SELECT COUNT(*) AS n, SUM(CAST(CONV(SUBSTR(MD5(CONCAT_WS('|', id, a, b, DATE_FORMAT(c, '%Y-%m-%d %H:%i:%s'))), 1, 8), 16, 10) AS UNSIGNED)) AS s FROM big",
  );
  const r = (rows as Record<string, unknown>[])[0]!;
  return `${String(r.n)}:${String(r.s)}`;
}

async function targetChecksum(): Promise<string> {
  const { rows } = await db.target.query(
    "SELECT COUNT(*) AS n, SUM(('x' || substr(md5(concat_ws('|', id, a, b, to_char(c, 'YYYY-MM-DD HH24:MI:SS'))), 1, 8))::bit(32)::bigint) AS s FROM raw.big",
  );
  return `${rows[0].n}:${rows[0].s}`;
}

beforeAll(async () => {
  db = await createTestDatabases('resume');
  await db.source.query('CREATE TABLE big (id int PRIMARY KEY, a int, b varchar(40), c datetime)');
  await db.source.query(
    `INSERT INTO big SELECT seq, seq * 7 % 1000, CONCAT('row ', seq, ' ', REPEAT('x', seq % 20)), '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
  );
  await db.source.query('ANALYZE TABLE big');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-resume-'));
  configFile = join(dir, 'ferry.yaml');
  writeFileSync(
    configFile,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\nstreams:\n  - { table: big }\nsync: { chunk_rows: 10000, batch_rows: 2000 }\n`,
  );
});

afterAll(async () => {
  await db?.drop();
});

async function chunksDone(schema = 'raw'): Promise<number> {
  const { rows } = await db.target
    .query(`SELECT count(*)::int AS n FROM _ferry.chunks WHERE target_schema = $1 AND target_table = 'big'`, [
      schema,
    ])
    .catch(() => ({ rows: [{ n: 0 }] }));
  return rows[0].n as number;
}

describe('a sync killed with kill -9', () => {
  it('resumes from its finished chunks and ends with every row exactly once', async () => {
    const child = spawnFerry(['--config', configFile, 'sync', '--json']);
    const deadline = Date.now() + 60_000;
    while ((await chunksDone()) < 3 && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r),
    );
    const finishedBefore = await chunksDone();
    expect(finishedBefore).toBeGreaterThanOrEqual(3);
    const { rows: live } = await db.target.query(`SELECT to_regclass('raw.big') AS t`);
    expect(live[0].t).toBeNull(); // the target never showed a half-loaded table

    const rerun = await runFerry(['--config', configFile, 'sync', '--json']);
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout) as {
      streams: Array<{ chunksSkipped: number; rowsRead: number }>;
    };
    expect(summary.streams[0]!.chunksSkipped).toBe(finishedBefore);
    expect(summary.streams[0]!.rowsRead).toBeLessThan(ROWS);
    expect(await targetChecksum()).toBe(await sourceChecksum());
    expect((await sourceChecksum()).startsWith(`${ROWS}:`)).toBe(true);
    const { rows: dup } = await db.target.query('SELECT COUNT(*) - COUNT(DISTINCT id) AS d FROM raw.big');
    expect(Number(dup[0].d)).toBe(0);
    const { rows } = await db.target.query('SELECT b FROM raw.big WHERE id IN (1, 199999) ORDER BY id');
    expect(rows.map((r) => r.b)).toEqual(['row 1 x', `row 199999 ${'x'.repeat(199999 % 20)}`]);
    const { rows: history } = await db.target.query(
      `SELECT status, error IS NOT NULL AS explained FROM _ferry.runs WHERE kind = 'sync' ORDER BY run_id`,
    );
    // The killed run is closed as interrupted by the run that took over; none stays "running".
    expect(history).toEqual([
      { status: 'interrupted', explained: true },
      { status: 'succeeded', explained: false },
    ]);
  });
});

describe('an incremental first load killed with kill -9', () => {
  it('resumes, and the next run reads again the rows changed since the killed run began', async () => {
    const incConfig = configFile.replace(/ferry\.yaml$/, 'incremental.yaml');
    writeFileSync(
      incConfig,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw_inc }\nstreams:\n  - { table: big, mode: incremental, cursor: c }\nsync: { chunk_rows: 10000, batch_rows: 2000 }\n`,
    );
    const child = spawnFerry(['--config', incConfig, 'sync', '--json']);
    const deadline = Date.now() + 60_000;
    while ((await chunksDone('raw_inc')) < 3 && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r),
    );
    expect(await chunksDone('raw_inc')).toBeGreaterThanOrEqual(3);
    // Rows of the first (already copied) chunk change while ferry is down.
    await db.source.query("UPDATE big SET b = 'changed late', c = '2025-01-01' WHERE id = 1");
    await db.source.query("UPDATE big SET b = 'changed last', c = '2026-01-01' WHERE id = 2");
    try {
      expect((await runFerry(['--config', incConfig, 'sync'])).code).toBe(0);
      expect((await runFerry(['--config', incConfig, 'sync'])).code).toBe(0);
      const { rows } = await db.target.query('SELECT id, b FROM raw_inc.big WHERE id IN (1, 2) ORDER BY id');
      expect(rows).toEqual([
        { id: 1, b: 'changed late' },
        { id: 2, b: 'changed last' },
      ]);
    } finally {
      await db.source.query(
        "UPDATE big SET b = CONCAT('row ', id, ' ', REPEAT('x', id % 20)), c = '2024-01-01' + INTERVAL id SECOND WHERE id IN (1, 2)",
      );
    }
  });
});

describe('two syncs on one target', () => {
  it('refuses the second while the first holds the stream lock, and says who holds it', async () => {
    const client = await connectPostgres(db.postgres);
    const state = ferryState();
    await state.migrate(client);
    const lock = await state.locks.acquire(client, [lockNames.stream('raw', 'big')], 'ferry sync');
    try {
      const second = await runFerry(['--config', configFile, 'sync']);
      expect(second.code).toBe(7);
      expect(second.stderr).toMatch(
        /stream raw\.big is in use by another ferry process \(ferry sync, pid \d+ on .*, since /,
      );
    } finally {
      await lock.release();
      await client.end();
    }
  });
});
