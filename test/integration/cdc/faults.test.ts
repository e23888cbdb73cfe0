// Faults of change data capture that change the whole source server, on throwaway MariaDB servers:
// the binlog purged past a stream's checkpoint (cdc.on_position_lost: fail stops the stream with
// the reason; resnapshot takes a new snapshot of it alone), FLUSH BINARY LOGS again and again while
// writers commit (nothing lost or doubled: the ledger against the binlog), the source replaced by
// another server (fresh, then with more transactions under the same GTIDs), and two ferry streams
// reading with the same server_id (one stops with the reason instead of taking it back and forth).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { hasReached } from '../../../src/replication/cdc/positions.js';
import { streamChanges } from '../../../src/replication/cdc/stream.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testProject } from '../../support/sync.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { BINLOG_SERVER_ARGS, specOfUrl } from '../binlog/support.js';
import {
  binlogTransactions,
  gtidNow,
  ledgerDifferences,
  ledgerTransactions,
  runGtid,
  startWriters,
  verifyConfig,
  verifyProblems,
  waitFor,
} from './support.js';

let server: ThrowawayMariadb;
let admin: mysql.Connection;
let db: TestDatabases;

beforeAll(async () => {
  [server, db] = await Promise.all([
    startThrowawayMariadb(BINLOG_SERVER_ARGS),
    createTestDatabases('cdc_faults'),
  ]);
  admin = await mysql.createConnection({ uri: server.url });
}, 120_000);

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await server?.stop();
  await db?.drop();
});

/** A config over the throwaway source (or another), into `schema`, following `tables`. */
function config(schema: string, tables: string[], extra = '', url = server.url): FerryConfig {
  return parseConfig(
    `source: { url: "${url}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n` +
      `streams:\n${tables.map((t) => `  - { table: ${t}, mode: cdc }`).join('\n')}\n` +
      `cdc: { batch_wait: 20ms, heartbeat: 500ms${extra} }\n`,
    'test.yaml',
    { env: {} },
  );
}

async function currentFile(): Promise<string> {
  const [[row]] = (await admin.query('SHOW BINLOG STATUS')) as unknown as [[{ File: string }]];
  return row.File;
}

/** PURGE BINARY LOGS up to the current file (a dump thread still reading a file keeps it a moment). */
async function purgeAll(): Promise<void> {
  await admin.query('FLUSH BINARY LOGS');
  const current = await currentFile();
  await waitFor('the old binlogs are purged', async () => {
    await admin.query('PURGE BINARY LOGS TO ?', [current]);
    const [logs] = await admin.query('SHOW BINARY LOGS');
    return (logs as { Log_name: string }[]).every((l) => l.Log_name >= current);
  });
}

const streamState = (schema: string, table: string) =>
  ferryState().streams.read(db.target, { targetSchema: schema, table });

describe.skipIf(!canStartMariadb)('change data capture on a source that', () => {
  it('purged the binlog past the checkpoint: fails with the reason, or takes a new snapshot', async () => {
    await admin.query('CREATE TABLE lost (id int PRIMARY KEY, v varchar(20))');
    await admin.query("INSERT INTO lost SELECT seq, 'first' FROM seq_1_to_100");
    const first = await runSync(config('p1', ['lost']));
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    // changes the stream never reads: their binlog is purged
    await admin.query("UPDATE lost SET v = 'gone' WHERE id <= 10");
    await admin.query('DELETE FROM lost WHERE id > 90');
    await admin.query("INSERT INTO lost SELECT seq, 'new' FROM seq_101_to_120");
    await purgeAll();

    const failed = await runSync(config('p1', ['lost']));
    expect(failed.status).toBe('failed');
    const result = failed.streams.find((s) => s.stream === 'lost')!;
    expect(result.error).toMatch(/the binlog after the checkpoint .* was purged/);
    expect(result.error).toMatch(/on_position_lost: resnapshot/);
    expect((await streamState('p1', 'lost'))?.lastError).toMatch(/purged/);
    // nothing was applied past the gap
    expect((await targetRows(db, 'p1', 'lost')).length).toBe(100);

    // ferry stream says the same and exits 1 when no stream can follow
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-cdc-lost-')), 'ferry.yaml');
    writeFileSync(
      file,
      `source: { url: "${server.url}" }\ntarget: { url: "${db.postgresUrl}", schema: p1 }\nstreams:\n  - { table: lost, mode: cdc }\n`,
    );
    const child = spawnFerry(['--config', file, 'stream']);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await exitOf(child, 60_000);
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/no cdc stream can follow the binlog: lost: the binlog after the checkpoint/);

    const again = await runSync(config('p1', ['lost'], ', on_position_lost: resnapshot'));
    expect(again.status, JSON.stringify(again.streams)).toBe('succeeded');
    expect(again.streams.find((s) => s.stream === 'lost')?.warnings.join()).toMatch(
      /a new snapshot replaced/,
    );
    expect((await streamState('p1', 'lost'))?.lastError).toBeNull();
    const cfg = config('p1', ['lost'], ', on_position_lost: resnapshot');
    expect(verifyProblems(await verifyConfig(cfg))).toEqual([]);
    // and it follows the binlog again from the new snapshot's position
    await admin.query("UPDATE lost SET v = 'later' WHERE id = 50");
    expect((await runSync(cfg)).status).toBe('succeeded');
    expect(verifyProblems(await verifyConfig(cfg))).toEqual([]);
    expect((await targetRows(db, 'p1', 'lost')).find((r) => r.id === '50')?.v).toBe('later');
  });

  it('rotates its binlog again and again while writers commit: nothing lost or doubled', async () => {
    await admin.query('CREATE TABLE spun (id int PRIMARY KEY, n int NOT NULL)');
    await admin.query('CREATE TABLE spun_log (id bigint AUTO_INCREMENT PRIMARY KEY, spun_id int)');
    await admin.query('INSERT INTO spun SELECT seq, 0 FROM seq_1_to_50');
    const cfg = config('r1', ['spun', 'spun_log']);
    const first = await runSync(cfg);
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    const from = await runGtid(db.target, first.runId);
    const stop = new AbortController();
    const session = streamChanges({ ...testProject(cfg), logger: silentLogger(), signal: stop.signal });
    const writers = await startWriters(specOfUrl(server.url), 3, async (c, w, round) => {
      await c.query('START TRANSACTION');
      await c.query('UPDATE spun SET n = n + 1 WHERE id = ?', [1 + ((w * 13 + round) % 50)]);
      await c.query('INSERT INTO spun_log (spun_id) VALUES (?)', [w]);
      await c.query('COMMIT');
    });
    const files = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await admin.query('FLUSH BINARY LOGS');
      files.add(await currentFile());
    }
    await writers.stop();
    expect(writers.errors).toEqual([]);
    const end = await gtidNow(admin);
    await waitFor('the streams reach the source position', async () => {
      const streams = await ferryState().streams.list(db.target, 'r1');
      return streams.every((s) => hasReached(s.binlog, { gtid: end, file: null, position: null }));
    });
    stop.abort();
    expect((await session).status).toBe('succeeded');
    expect(verifyProblems(await verifyConfig(cfg))).toEqual([]);
    // (this file's tests run one after the other: only the writers changed rows meanwhile)
    const expected = await binlogTransactions(specOfUrl(server.url), 'shop', from, end);
    const ledger = await ledgerTransactions(db.target, 'r1');
    expect(ledgerDifferences(ledger, expected)).toEqual({ missing: [], extra: [], miscounted: [] });
    expect(ledger.size).toBeGreaterThan(100);
    expect(files.size).toBe(8);
  });

  it('is replaced by another server: says the checkpoint is not in its binlog', async () => {
    await admin.query('CREATE TABLE moved (id int PRIMARY KEY, v int)');
    await admin.query('INSERT INTO moved SELECT seq, seq FROM seq_1_to_30');
    // a history of its own: more transactions and binlog files than a fresh server has
    for (let i = 0; i < 20; i++) await admin.query('UPDATE moved SET v = v + 1 WHERE id = ?', [1 + i]);
    await admin.query('FLUSH BINARY LOGS');
    await admin.query('FLUSH BINARY LOGS');
    await admin.query('UPDATE moved SET v = v + 1 WHERE id = 1');
    const first = await runSync(config('m1', ['moved']));
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    // another server with the same server_id and domain, and the same table: a fresh install
    // (fewer transactions), then one with more, whose GTIDs cover the checkpoint's numbers
    const other = await startThrowawayMariadb(BINLOG_SERVER_ARGS);
    try {
      const c = await mysql.createConnection({ uri: other.url });
      await c.query('CREATE TABLE moved (id int PRIMARY KEY, v int)');
      await c.query('INSERT INTO moved SELECT seq, seq FROM seq_1_to_30');
      const elsewhere = config('m1', ['moved'], '', other.url);
      const fresh = await runSync(elsewhere);
      expect(fresh.status).toBe('failed');
      expect(fresh.streams.find((s) => s.stream === 'moved')?.error).toMatch(
        /the source does not contain the checkpoint 0-1-\d+: its binlog reaches 0-1-\d+ only .* It is not the server the checkpoint came from/,
      );
      const [[{ g }]] = (await admin.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [[{ g: string }]];
      const needed = Number(g.split('-')[2]) + 5;
      for (let i = 0; i < needed; i++)
        await c.query('UPDATE moved SET v = v + 1 WHERE id = ?', [1 + (i % 30)]);
      const alike = await runSync(elsewhere);
      expect(alike.status).toBe('failed');
      expect(alike.streams.find((s) => s.stream === 'moved')?.error).toMatch(
        /the checkpoint 0-1-\d+ is in binlog file mariadb-bin\.\d+, but the newest the source has is mariadb-bin\.000001: the source \(server_id 1\) is not the server that wrote the checkpoint/,
      );
      // with as many binlog files too, the checkpoint's offset is not where an event ends there
      const checkpoint = (await streamState('m1', 'moved'))!.binlog;
      for (let n = 1; n < Number(/\d+$/.exec(checkpoint.file!)![0]); n++) await c.query('FLUSH BINARY LOGS');
      await c.query('UPDATE moved SET v = v + 1');
      const same = await runSync(elsewhere);
      expect(same.streams.find((s) => s.stream === 'moved')?.error).toMatch(
        /the source's mariadb-bin\.\d+ has no event boundary at \d+, where the checkpoint 0-1-\d+ ends: the source \(server_id 1\) is not the server that wrote the checkpoint/,
      );
      await c.end();
      // the target was left alone, and the stream still follows its own server
      expect((await runSync(config('m1', ['moved']))).status).toBe('succeeded');
      expect(verifyProblems(await verifyConfig(config('m1', ['moved'])))).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('has a second reader with the same server_id: one ferry stream stops with the reason', async () => {
    await admin.query('CREATE TABLE twins (id int PRIMARY KEY, v int)');
    await admin.query('INSERT INTO twins SELECT seq, 0 FROM seq_1_to_10');
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cdc-twins-'));
    const files = ['t1', 't2'].map((schema) => {
      const file = join(dir, `${schema}.yaml`);
      writeFileSync(
        file,
        `source: { url: "${server.url}" }
target: { url: "${db.postgresUrl}", schema: ${schema} }
` +
          `streams:
  - { table: twins, mode: cdc }
cdc: { server_id: 4000001, heartbeat: 500ms, batch_wait: 20ms }
`,
      );
      return file;
    });
    for (const schema of ['t1', 't2'])
      expect((await runSync(config(schema, ['twins']))).status).toBe('succeeded');
    const logs = ['', ''];
    const children = files.map((file, i) => {
      const child = spawnFerry(['--config', file, 'stream']);
      child.stderr?.on('data', (c: Buffer) => (logs[i] += c.toString()));
      return child;
    });
    try {
      // one of them gives up within the ping-pong: dropped twice, it stops instead
      await waitFor('one ferry stream stops', () => children.some((c) => c.exitCode !== null), 60_000);
      const stopped = children.findIndex((c) => c.exitCode !== null);
      const running = children[1 - stopped]!;
      expect(children[stopped]!.exitCode, logs[stopped]).toBe(3);
      expect(logs[stopped]).toMatch(
        /dropped ferry's binlog reader 2 times in \d+ s because another replica connected with server_id 4000001/,
      );
      expect(logs[stopped]).toMatch(/give each reader its own server_id/);
      // the other keeps following
      await admin.query('UPDATE twins SET v = 7 WHERE id = 3');
      const goal = { gtid: await gtidNow(admin), file: null, position: null };
      const schema = stopped === 0 ? 't2' : 't1';
      await waitFor('the other stream applies the change', async () => {
        const s = await streamState(schema, 'twins');
        return s !== undefined && hasReached(s.binlog, goal);
      });
      expect((await targetRows(db, schema, 'twins')).find((r) => r.id === '3')?.v).toBe('7');
      running.kill('SIGTERM');
      expect(await exitOf(running, 30_000), logs[1 - stopped]).toBe(0);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
  });
});

/** Waits for a child to exit (or kills it after `ms`); its exit code. */
async function exitOf(child: ChildProcess, ms: number): Promise<number | null> {
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await new Promise((resolve) =>
    child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
  );
  clearTimeout(timer);
  return child.exitCode;
}
