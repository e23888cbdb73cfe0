// Exactly once, proven: while `ferry simulate` changes the shop (and a writer bumps counters in the
// same transactions as other changes), `ferry stream` is killed with SIGKILL at 20 random moments
// and started again. After a final catch-up, verify finds no difference, the ledger holds every
// source transaction that touched a tracked table exactly once (read back from the binlog itself),
// and a poller on the target never saw a counter go backwards nor a transfer half applied.
// (Re-applying full after-images is idempotent, so equal tables alone could not tell exactly-once
// from at-least-once: the ledger and the counters can.)
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { simulate } from '../../../src/seed/simulate/simulate.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { binlogTransactions } from './support.js';

const KILLS = Number(process.env.FERRY_CDC_KILLS ?? 20);
let db: TestDatabases;
let configFile: string;
let writer: MysqlConnection;

beforeAll(async () => {
  db = await createTestDatabases('cdc_once');
  writer = await connectMysql(db.mysql);
  await seedShop(writer, { scale: 0.01, seed: 3, logger: silentLogger() });
  await writer.query('CREATE TABLE counters (id INT PRIMARY KEY, n BIGINT NOT NULL)');
  await writer.query('CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)');
  await writer.query('INSERT INTO counters VALUES (1, 0), (2, 0), (3, 0)');
  await writer.query('INSERT INTO accounts VALUES (1, 1000), (2, 1000)');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cdc-once-'));
  configFile = join(dir, 'ferry.yaml');
  writeFileSync(
    configFile,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
      `streams:\n  - { table: "*", mode: cdc }\ncdc: { batch_wait: 50ms, batch_rows: 500, heartbeat: 500ms }\n`,
  );
}, 300_000);

afterAll(async () => {
  await writer?.end().catch(() => undefined);
  await db?.drop();
});

/** Resolves once the child logs its first batch (or when it exits, or after `ms`). */
function following(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/"msg":"batch \d+/.test(text)) done();
    });
    child.once('exit', done);
  });
}

describe('a cdc stream killed at random moments', () => {
  it(
    'applies every source transaction exactly once',
    async () => {
      const first = await runFerry(['--config', configFile, 'sync'], { timeoutMs: 300_000 });
      expect(first.code, first.stderr).toBe(0);
      const state = ferryState();
      const start = await state.streams.read(db.target, { targetSchema: 'raw', table: 'orders' });
      expect(start?.binlog.gtid).toBeTruthy();

      const stop = new AbortController();
      // The application: the shop's workload, and transactions that bump a counter and move money
      // between two accounts together with other changes.
      const workload = simulate(writer, {
        seed: 9,
        rate: 150,
        durationSeconds: 600,
        logger: silentLogger(),
        signal: stop.signal,
      });
      const side = await connectMysql(db.mysql);
      const sideWork = (async () => {
        for (let i = 0; !stop.signal.aborted; i++) {
          await side.query('START TRANSACTION');
          await side.query('UPDATE counters SET n = n + 1 WHERE id = ?', [1 + (i % 3)]);
          await side.query('UPDATE accounts SET balance = balance - 7 WHERE id = 1');
          await side.query('UPDATE accounts SET balance = balance + 7 WHERE id = 2');
          await side.query('COMMIT');
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
      })();
      // The poller: counters never go backwards, the two accounts always add up.
      const poller = new pg.Client({ connectionString: db.postgresUrl });
      await poller.connect();
      const seen = new Map<number, number>();
      const problems: string[] = [];
      let polls = 0;
      const polling = (async () => {
        while (!stop.signal.aborted) {
          try {
            await poller.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
            const { rows: counters } = await poller.query<{ id: number; n: string }>(
              'SELECT id, n FROM raw.counters',
            );
            const { rows: sum } = await poller.query<{ total: string }>(
              'SELECT sum(balance)::text AS total FROM raw.accounts',
            );
            await poller.query('COMMIT');
            for (const c of counters) {
              const n = Number(c.n);
              if (n < (seen.get(c.id) ?? 0))
                problems.push(`counter ${c.id} went back from ${seen.get(c.id)} to ${n}`);
              seen.set(c.id, n);
            }
            if (sum[0]?.total !== '2000') problems.push(`the accounts added up to ${sum[0]?.total}`);
            polls++;
          } catch {
            await poller.query('ROLLBACK').catch(() => undefined);
          }
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
      })();

      try {
        for (let kill = 0; kill < KILLS; kill++) {
          const child: ChildProcess = spawnFerry(['--config', configFile, '--log-level', 'debug', 'stream']);
          let logs = '';
          child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
          // Killed while reading, copying into the change tables or committing a batch: once it
          // applies, after a random time.
          await following(child, 30_000);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
          const exited = child.exitCode !== null;
          child.kill('SIGKILL');
          await new Promise((resolve) =>
            child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
          );
          if (process.env.FERRY_CDC_DEBUG)
            console.log('kill', kill, 'exited before', exited, child.exitCode, logs.slice(-600));
        }
        // The killed streams did the work, not only the last catch-up.
        const applied = await state.ledger.list(db.target, 'raw');
        expect(new Set(applied.map((l) => l.runId)).size).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
      } finally {
        stop.abort();
        await Promise.allSettled([workload, sideWork, polling]);
        await side.end().catch(() => undefined);
      }

      // The source is quiet now: a last catch-up, then everything must agree.
      const last = await runFerry(['--config', configFile, 'sync'], { timeoutMs: 300_000 });
      expect(last.code, last.stderr).toBe(0);
      const verify = await runFerry(['--config', configFile, 'verify', '--json'], { timeoutMs: 300_000 });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);

      const [[goal]] = (await writer.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [[{ g: string }]];
      const expected = [...(await binlogTransactions(db.mysql, db.name, start!.binlog.gtid!, goal.g)).keys()];
      const ledger = (await state.ledger.list(db.target, 'raw')).map((l) => l.gtid);
      expect(ledger.length).toBe(new Set(ledger).size);
      const missing = expected.filter((g) => !ledger.includes(g));
      const extra = ledger.filter((g) => !expected.includes(g));
      expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5), count: expected.length }).toEqual({
        missing: [],
        extra: [],
        count: ledger.length,
      });
      expect(expected.length).toBeGreaterThan(200);
      expect(problems).toEqual([]);
      expect(polls).toBeGreaterThan(50);
      await poller.end();
    },
    90_000 + KILLS * 4_000,
  );
});
