// ferry repair on a cdc stream: refused while ferry stream follows it; otherwise it repairs from a
// snapshot taken after the stream's checkpoint and then re-applies the binlog from that checkpoint
// over the repaired rows, which the source kept changing meanwhile (those very rows too): afterwards
// verify finds the target equal to the source, and a stream started again goes on without a fault.
// A new snapshot (--full-refresh) of a soft-delete cdc stream keeps the rows the binlog marked.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { repair } from '../../../src/verify/repair.js';
import { verify } from '../../../src/verify/verify.js';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;
let configFile: string;
let configText: string;
let writer: MysqlConnection;

const options = () => ({
  ...testProject(parseConfig(configText, 'ferry.yaml', { env: {} })),
  logger: silentLogger(),
  signal: new AbortController().signal,
});

async function until(what: string, test: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopped(stream: ChildProcess): Promise<number | null> {
  stream.kill('SIGTERM');
  await new Promise((resolve) =>
    stream.exitCode !== null ? resolve(undefined) : stream.once('exit', resolve),
  );
  return stream.exitCode;
}

beforeAll(async () => {
  db = await createTestDatabases('cdc_repair');
  writer = await connectMysql(db.mysql);
  await writer.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(40))');
  await writer.query('INSERT INTO items SELECT seq, seq, CONCAT("n", seq) FROM seq_1_to_300');
  configText =
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
    `streams:\n  - { table: items, mode: cdc, overrides: { note: { rename: remark } } }\n` +
    `cdc: { batch_wait: 100ms, heartbeat: 500ms }\n`;
  configFile = join(mkdtempSync(join(tmpdir(), 'ferry-cdc-repair-')), 'ferry.yaml');
  writeFileSync(configFile, configText);
  const first = await runFerry(['--config', configFile, 'sync']);
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await writer?.end().catch(() => undefined);
  await db?.drop();
});

describe('ferry repair on a cdc stream', () => {
  it('is refused while ferry stream follows the stream, with what to do', async () => {
    const stream = spawnFerry(['--config', configFile, 'stream']);
    try {
      await until('ferry stream holds the stream', async () => {
        const { rows } = await db.target.query(
          `SELECT 1 FROM _ferry.locks WHERE holder LIKE 'ferry stream%'`,
        );
        return rows.length > 0;
      });
      const refused = await runFerry(['--config', configFile, 'repair']);
      expect(refused.code).toBe(7); // locked
      expect(refused.stderr).toContain('a repair would race its apply');
      expect(refused.stderr).toContain('stop ferry stream');
    } finally {
      expect(await stopped(stream)).toBe(0);
    }
  });

  it('repairs from a snapshot past the checkpoint, then re-applies the binlog from the checkpoint over it', async () => {
    // Behind ferry's back in the target: a row lost, a row changed, a row that never existed.
    await db.target.query('DELETE FROM raw.items WHERE id = 10');
    await db.target.query(`UPDATE raw.items SET remark = 'tampered' WHERE id IN (20, 30)`);
    await db.target.query(`INSERT INTO raw.items (id, qty, remark) VALUES (9999, 0, 'ghost')`);
    // The source moves on while no stream applies it: the same rows too, so the repair's snapshot
    // holds changes the binlog then applies again.
    await writer.query('UPDATE items SET qty = qty + 100 WHERE id IN (10, 20, 40)');
    await writer.query('DELETE FROM items WHERE id = 30');
    await writer.query(`INSERT INTO items VALUES (301, 1, 'new')`);
    await writer.query('UPDATE items SET note = CONCAT(note, "!") WHERE id BETWEEN 50 AND 59');

    const report = await repair(options());
    const items = report.streams[0]!;
    expect(items.status).toBe('repaired');
    // Lost, tampered and ghost rows, plus every row the source changed since the checkpoint.
    expect(items.found.missing).toBe(2); // 10, 301
    expect(items.found.extra).toBe(2); // 9999, 30 (deleted in the source)
    expect(items.found.different).toBe(12); // 20, 40, 50..59
    expect(items.remaining).toEqual({ missing: 0, extra: 0, different: 0 });
    expect(report.caughtUp.map((c) => [c.stream, c.status])).toEqual([['items', 'succeeded']]);
    // The 15 row changes since the checkpoint were applied again, over the repaired rows.
    expect(report.caughtUp[0]!.rowsRead).toBe(15);

    const after = await verify(options());
    expect(after.streams[0]).toMatchObject({ status: 'in_sync', missing: 0, extra: 0, different: 0 });
    const { rows } = await db.target.query(
      'SELECT qty, remark FROM raw.items WHERE id IN (10, 20) ORDER BY id',
    );
    expect(rows).toEqual([
      { qty: 110, remark: 'n10' },
      { qty: 120, remark: 'n20' },
    ]);

    // The stream goes on from its checkpoint as before.
    const stream = spawnFerry(['--config', configFile, 'stream']);
    try {
      await writer.query('UPDATE items SET qty = -1 WHERE id = 10');
      await until('the stream applied the change', async () => {
        const { rows: r } = await db.target.query('SELECT qty FROM raw.items WHERE id = 10');
        return r[0]?.qty === -1;
      });
    } finally {
      expect(await stopped(stream)).toBe(0);
    }
    expect((await verify(options())).streams[0]).toMatchObject({ status: 'in_sync' });
  });
});

describe('a new snapshot of a cdc stream with deletes: soft', () => {
  it('keeps the rows the binlog marked deleted, marked', async () => {
    await writer.query('CREATE TABLE marks (id INT PRIMARY KEY, v INT)');
    await writer.query('INSERT INTO marks SELECT seq, seq FROM seq_1_to_6');
    const config = testConfig(db, 'streams:\n  - { table: marks, mode: cdc, deletes: soft }\n');
    expect((await runSync(config)).status).toBe('succeeded');
    await writer.query('DELETE FROM marks WHERE id IN (2, 3)');
    expect((await runSync(config)).status).toBe('succeeded');
    const marked = async () =>
      (
        await db.target.query<{ id: number }>(
          'SELECT id FROM raw.marks WHERE _ferry_deleted_at IS NOT NULL ORDER BY id',
        )
      ).rows.map((r) => r.id);
    expect(await marked()).toEqual([2, 3]);
    const { rows: before } = await db.target.query<{ at: Date }>(
      'SELECT _ferry_deleted_at AS at FROM raw.marks WHERE id = 2',
    );
    await writer.query('DELETE FROM marks WHERE id = 4');
    const again = await runSync(config, { fullRefresh: true });
    expect(again.streams[0]).toMatchObject({
      stream: 'marks',
      mode: 'cdc',
      status: 'succeeded',
      rowsRead: 3,
    });
    // the tombstones stay (the one marked before keeps its time); the row deleted since is marked
    expect(await marked()).toEqual([2, 3, 4]);
    const { rows: after } = await db.target.query<{ at: Date }>(
      'SELECT _ferry_deleted_at AS at FROM raw.marks WHERE id = 2',
    );
    expect(after[0]!.at.getTime()).toBe(before[0]!.at.getTime());
    // and the binlog goes on from the new snapshot
    await writer.query('DELETE FROM marks WHERE id = 5');
    expect((await runSync(config)).status).toBe('succeeded');
    expect(await marked()).toEqual([2, 3, 4, 5]);
  });
});
