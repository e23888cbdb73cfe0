// Source transactions stay whole in the target. A poller reading the target in REPEATABLE READ while
// `ferry stream` applies transfers between two tables, a journal row and a counter per transaction
// (small batches, transactions of 1 to 400 rows) never sees money in flight, a journal without its
// counter, or half of a large transaction. And one transaction of 200,000 rows (2,000,000 under
// FERRY_SOAK=1) arrives whole, while the `ferry stream` process's memory stays flat: its RSS is
// sampled from /proc during the apply.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { hasReached } from '../../../src/replication/cdc/positions.js';
import { gtidNow, startWriters, waitFor } from './support.js';

const SOAK = process.env.FERRY_SOAK === '1';
const BIG = SOAK ? 2_000_000 : 200_000;
let db: TestDatabases;
let configFile: string;
const SETTINGS = 'cdc: { batch_wait: 20ms, batch_rows: 50, heartbeat: 500ms }\n';
const config = () => testConfig(db, `streams:\n  - { table: "*", mode: cdc }\n${SETTINGS}`, 'raw');

beforeAll(async () => {
  db = await createTestDatabases('cdc_whole');
  const s = db.source;
  await s.query('CREATE TABLE checking (id int PRIMARY KEY, balance bigint NOT NULL)');
  await s.query('CREATE TABLE savings (id int PRIMARY KEY, balance bigint NOT NULL)');
  await s.query(
    'CREATE TABLE journal (id bigint AUTO_INCREMENT PRIMARY KEY, txn bigint NOT NULL, amount int)',
  );
  await s.query(
    'CREATE TABLE totals (id int PRIMARY KEY, transfers bigint NOT NULL, journal bigint NOT NULL)',
  );
  await s.query('CREATE TABLE bulk (id int PRIMARY KEY, batch int NOT NULL, pad varchar(64))');
  await s.query('INSERT INTO checking SELECT seq, 500 FROM seq_1_to_50');
  await s.query('INSERT INTO savings SELECT seq, 500 FROM seq_1_to_50');
  await s.query('INSERT INTO totals VALUES (1, 0, 0)');
  const first = await runSync(config());
  expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
  configFile = join(mkdtempSync(join(tmpdir(), 'ferry-cdc-whole-')), 'ferry.yaml');
  writeFileSync(
    configFile,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\nstreams:\n  - { table: "*", mode: cdc }\n${SETTINGS}`,
  );
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

/** Starts `ferry stream`; resolves once it follows the binlog. */
async function startStream(): Promise<{ child: ChildProcess; logs: () => string }> {
  const child = spawnFerry(['--config', configFile, 'stream']);
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  await waitFor(
    'ferry stream follows the binlog',
    () => /following the binlog/.test(logs) || child.exitCode !== null,
  );
  expect(child.exitCode, logs).toBeNull();
  return { child, logs: () => logs };
}

async function stopStream(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  await new Promise((resolve) =>
    child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
  );
  return child.exitCode;
}

/** Waits until every stream of the schema has applied the source's position now. */
async function caughtUp(timeoutMs = 60_000): Promise<void> {
  const goal = { gtid: await gtidNow(db.source), file: null, position: null };
  await waitFor(
    'the streams reach the source position',
    async () => {
      const streams = await ferryState().streams.list(db.target, 'raw');
      return streams.length > 0 && streams.every((s) => hasReached(s.binlog, goal));
    },
    timeoutMs,
    200,
  );
}

/** A poller in REPEATABLE READ; `check` returns the problems it sees in one consistent read. */
function poll(check: (c: pg.Client) => Promise<string[]>) {
  const client = new pg.Client({ connectionString: db.postgresUrl });
  let running = true;
  let polls = 0;
  const problems: string[] = [];
  const loop = (async () => {
    await client.connect();
    while (running) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      problems.push(...(await check(client)));
      await client.query('COMMIT');
      polls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.end();
  })();
  return {
    problems,
    get polls() {
      return polls;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('source transactions applied by ferry stream', () => {
  it('are never seen half applied by a reader of the target', async () => {
    const { child, logs } = await startStream();
    const poller = poll(async (c) => {
      const { rows } = await c.query<{ money: string; journal: string; transfers: string; counted: string }>(
        `SELECT (SELECT sum(balance) FROM raw.checking) + (SELECT sum(balance) FROM raw.savings) AS money,
                (SELECT count(*) FROM raw.journal) AS journal,
                (SELECT count(DISTINCT txn) FROM raw.journal) AS transfers,
                (SELECT journal::text || '/' || transfers::text FROM raw.totals WHERE id = 1) AS counted`,
      );
      const r = rows[0]!;
      const out: string[] = [];
      if (r.money !== '50000') out.push(`money adds up to ${r.money}`);
      if (r.counted !== `${r.journal}/${r.transfers}`)
        out.push(`totals say ${r.counted}, the journal has ${r.journal} rows of ${r.transfers} transfers`);
      return out;
    });
    let txn = 0;
    const writers = await startWriters(db.mysql, 3, async (c, writer, round) => {
      const n = ++txn;
      // mostly small transfers; every 25th writes a journal of 400 rows, far more than a batch
      const lines = round % 25 === 24 ? 400 : 1 + (round % 4);
      const from = 1 + ((writer * 17 + round) % 50);
      const to = 1 + ((writer * 29 + round * 7) % 50);
      await c.query('START TRANSACTION');
      await c.query('UPDATE checking SET balance = balance - ? WHERE id = ?', [lines, from]);
      await c.query(`INSERT INTO journal (txn, amount) SELECT ?, 1 FROM seq_1_to_${lines}`, [n]);
      await c.query('UPDATE savings SET balance = balance + ? WHERE id = ?', [lines, to]);
      await c.query('UPDATE totals SET transfers = transfers + 1, journal = journal + ? WHERE id = 1', [
        lines,
      ]);
      await c.query('COMMIT');
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await writers.stop();
    expect(writers.errors).toEqual([]);
    await caughtUp();
    await poller.stop();
    expect(await stopStream(child), logs().slice(-2000)).toBe(0);
    expect(poller.problems.slice(0, 5)).toEqual([]);
    expect(poller.polls).toBeGreaterThan(100);
    expect(writers.committed).toBeGreaterThan(200);
    // the small batches really cut between transactions: many batches, some of one large transaction
    const { rows } = await db.target.query<{ batches: string; txns: string }>(
      "SELECT count(DISTINCT batch_id)::text AS batches, count(*)::text AS txns FROM _ferry.cdc_ledger WHERE target_schema = 'raw'",
    );
    expect(Number(rows[0]!.batches)).toBeGreaterThan(20);
    const [[source]] = (await db.source.query('SELECT transfers, journal FROM totals')) as unknown as [
      [{ transfers: number; journal: number }],
    ];
    const { rows: target } = await db.target.query('SELECT transfers::int, journal::int FROM raw.totals');
    expect(target[0]).toEqual({ transfers: Number(source.transfers), journal: Number(source.journal) });
  });

  it(`applies a transaction of ${BIG.toLocaleString('en')} rows whole, with the process's memory flat`, async () => {
    const { child, logs } = await startStream();
    const samples: { at: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        samples.push({ at: Date.now() - started, rss: kb * 1024 });
      } catch {
        // the process is gone
      }
    }, 200);
    const poller = poll(async (c) => {
      const { rows } = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM raw.bulk');
      return rows[0]!.n === '0' || rows[0]!.n === String(BIG)
        ? []
        : [`the target has ${rows[0]!.n} of the rows`];
    });
    try {
      await waitFor('RSS samples of the idle process', () => samples.length >= 5);
      const idle = Math.max(...samples.map((s) => s.rss));
      await db.source.query(`INSERT INTO bulk SELECT seq, 1, RPAD(MD5(seq), 64, 'x') FROM seq_1_to_${BIG}`);
      const inserted = Date.now() - started;
      await caughtUp(SOAK ? 900_000 : 180_000);
      const applied = Date.now() - started;
      await poller.stop();
      clearInterval(sampler);
      expect(await stopStream(child), logs().slice(-2000)).toBe(0);
      expect(poller.problems.slice(0, 3)).toEqual([]);
      const { rows } = await db.target.query<{ n: string }>('SELECT count(*)::text AS n FROM raw.bulk');
      expect(rows[0]!.n).toBe(String(BIG));
      const peak = Math.max(...samples.map((s) => s.rss));
      const during = samples.filter((s) => s.at >= inserted && s.at <= applied);
      const half = Math.floor(during.length / 2);
      const firstHalf = Math.max(...during.slice(0, half).map((s) => s.rss));
      const secondHalf = Math.max(...during.slice(half).map((s) => s.rss));
      const mb = (b: number) => Math.round(b / 1048576);
      console.log(
        `${BIG} rows in one transaction: inserted in ${(inserted / 1000).toFixed(1)} s, applied ${((applied - inserted) / 1000).toFixed(1)} s later; ferry stream RSS idle ${mb(idle)} MB, peak ${mb(peak)} MB (first half of the apply ${mb(firstHalf)} MB, second half ${mb(secondHalf)} MB, ${during.length} samples)`,
      );
      expect(during.length).toBeGreaterThan(5);
      // Bounded: what the process holds is V8's heap grown for the stream's garbage, not the
      // transaction (its decoded rows would be gigabytes at 2M). Flat: over the long apply of the
      // soak, the second half holds no more than the first (the short one is too noisy to halve).
      expect(peak).toBeLessThan(512 * 1048576);
      if (SOAK) expect(secondHalf).toBeLessThan(firstHalf * 1.25 + 16 * 1048576);
    } finally {
      clearInterval(sampler);
      await poller.stop().catch(() => undefined);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
