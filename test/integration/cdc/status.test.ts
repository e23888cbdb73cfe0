// ferry status as a health check: each stream's last success, rows and mode, cdc lag (zero once
// caught up), exit 0 when healthy; exit 1 for a stream that never synced, or beyond --max-age.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../../src/replication/stream-status.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabases('cdc_status');
  await db.source.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT)');
  await db.source.query('CREATE TABLE events (id INT PRIMARY KEY, at DATETIME NOT NULL)');
  await db.source.query('INSERT INTO items VALUES (1, 1), (2, 2)');
  await db.source.query("INSERT INTO events VALUES (1, '2020-01-01 00:00:00')");
  dir = mkdtempSync(join(tmpdir(), 'ferry-status-'));
});

afterAll(async () => {
  await db?.drop();
});

function config(streams: string): string {
  const file = join(dir, `ferry-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\nstreams:\n${streams}`,
  );
  return file;
}

describe('ferry status', () => {
  it('reports a cdc and an incremental stream after a sync, healthy, the cdc one caught up', async () => {
    const file = config(
      '  - { table: items, mode: cdc }\n  - { table: events, mode: incremental, cursor: at }\n',
    );
    expect((await runFerry(['--config', file, 'sync'])).code).toBe(0);
    await db.source.query('UPDATE items SET qty = 10 WHERE id = 1');
    const caughtUpAt = Date.now();
    expect((await runFerry(['--config', file, 'sync'])).code).toBe(0);
    const run = await runFerry(['--config', file, 'status', '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.healthy).toBe(true);
    const items = report.streams.find((s) => s.stream === 'items')!;
    expect(items).toMatchObject({ mode: 'cdc', health: 'ok', followed: false });
    // Caught up by the sync: 0, unless other databases' writes (the server is shared by the tests)
    // moved the source past the checkpoint since, when it is the time since the last change applied.
    expect(items.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(items.lagSeconds!).toBeLessThanOrEqual((Date.now() - caughtUpAt) / 1000 + 1);
    expect(items.lastRun?.status).toBe('succeeded');
    expect(items.checkpoint?.gtid).toMatch(/^\d+-\d+-\d+/);
    const events = report.streams.find((s) => s.stream === 'events')!;
    expect(events).toMatchObject({ mode: 'incremental', health: 'ok', rows: 1 });
    // The mark is 2020-01-01: years old.
    expect(events.ageSeconds).toBeGreaterThan(3600 * 24 * 365);
    const human = await runFerry(['--config', file, 'status']);
    expect(human.stdout).toMatch(/healthy at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  });

  it('exits 1 beyond --max-age, and for a stream that never synced', async () => {
    const file = config(
      '  - { table: items, mode: cdc }\n  - { table: events, mode: incremental, cursor: at }\n',
    );
    const old = await runFerry(['--config', file, 'status', '--max-age', '1d', '--json']);
    expect(old.code).toBe(1);
    const report = JSON.parse(old.stdout) as StatusReport;
    expect(report.streams.find((s) => s.stream === 'events')).toMatchObject({ health: 'behind' });
    const fresh = config('  - { table: items, mode: cdc }\n  - { table: nothing_yet }\n');
    await db.source.query('CREATE TABLE nothing_yet (id INT PRIMARY KEY)');
    const never = await runFerry(['--config', fresh, 'status']);
    expect(never.code).toBe(1);
    expect(never.stdout).toContain('nothing_yet: never synced: run ferry sync');
  });
});
