// ferry verify on a cdc stream while the source keeps changing and `ferry stream` applies it: the
// source is read in one snapshot, the target at its checkpoint, and rows the binlog changed between
// the two are in flight, so verify passes; a real difference put into the target still fails it.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { testProject } from '../../support/sync.js';

let db: TestDatabases;
let configFile: string;
let configText: string;
let writer: MysqlConnection;

beforeAll(async () => {
  db = await createTestDatabases('cdc_verify');
  writer = await connectMysql(db.mysql);
  await writer.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(40))');
  await writer.query('INSERT INTO items SELECT seq, seq, CONCAT("n", seq) FROM seq_1_to_500');
  configText =
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
    `streams:\n  - { table: items, mode: cdc }\ncdc: { batch_wait: 100ms, heartbeat: 500ms }\n`;
  configFile = join(mkdtempSync(join(tmpdir(), 'ferry-cdc-verify-')), 'ferry.yaml');
  writeFileSync(configFile, configText);
});

afterAll(async () => {
  await writer?.end().catch(() => undefined);
  await db?.drop();
});

describe('verify on a cdc stream', () => {
  it('passes while the source changes and the stream applies, and still finds a real difference', async () => {
    const first = await runFerry(['--config', configFile, 'sync']);
    expect(first.code, first.stderr).toBe(0);
    const stream: ChildProcess = spawnFerry(['--config', configFile, 'stream']);
    const stop = new AbortController();
    const changes = (async () => {
      for (let i = 0; !stop.signal.aborted; i++) {
        const id = 1 + (i % 400);
        await writer.query('UPDATE items SET qty = qty + 1 WHERE id = ?', [id]);
        if (i % 50 === 0) await writer.query('DELETE FROM items WHERE id = ?', [1000 + i]);
        if (i % 50 === 25) await writer.query('INSERT INTO items VALUES (?, 0, NULL)', [1000 + i - 25]);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const options = {
        ...testProject(parseConfig(configText, 'ferry.yaml', { env: {} })),
        logger: silentLogger(),
      };
      let inFlight = 0;
      for (let round = 0; round < 3; round++) {
        const report = await verify({ ...options, signal: new AbortController().signal });
        const items = report.streams[0]!;
        expect({
          status: items.status,
          missing: items.missing,
          extra: items.extra,
          different: items.different,
        }).toEqual({
          status: 'in_sync',
          missing: 0,
          extra: 0,
          different: 0,
        });
        inFlight += items.inFlight;
      }
      // A change made behind ferry's back, on a row the application does not touch.
      await db.target.query(`UPDATE raw.items SET note = 'tampered' WHERE id = 450`);
      const report = await verify({ ...options, signal: new AbortController().signal });
      const items = report.streams[0]!;
      expect(items.status).toBe('different');
      expect(items.different).toBe(1);
      expect(items.samples.different[0]?.key).toContain('450');
      // The stream trailed the source while verify read: some rows were in flight, and passed as such.
      expect(inFlight).toBeGreaterThan(0);
    } finally {
      stop.abort();
      await changes;
      stream.kill('SIGTERM');
      await new Promise((resolve) =>
        stream.exitCode !== null ? resolve(undefined) : stream.once('exit', resolve),
      );
    }
    expect(stream.exitCode).toBe(0);
  });
});
