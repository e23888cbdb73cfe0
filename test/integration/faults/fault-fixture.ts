// Shared set-up of the CLI fault tests: one seeded pair of databases (a 20,000-row table of about
// 2 MB in ten chunks, and a small one), TCP proxies in front of both servers, and ferry.yaml files
// that go through either proxy, with short stall and connect timeouts so that every fault shows
// within seconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

export const EVENTS = 20_000;

export interface FaultFixture {
  db: TestDatabases;
  dir: string;
  source: TcpProxy;
  target: TcpProxy;
  /** Writes a ferry.yaml whose source and/or target go through the proxies; returns its path. */
  config(options?: {
    viaSource?: boolean;
    viaTarget?: boolean;
    extra?: string;
    streams?: string;
    /** stall_timeout of both connections, ms (default 1000). */
    stallMs?: number;
    /** The sync: section (default: chunks of 2000 rows, two at a time). */
    sync?: string;
  }): string;
  /** The last sync run of the target schema. */
  lastRun(): Promise<{ run_id: string; status: string; error: string | null }>;
  /** Whether an advisory lock is held in the target database (the sync lock). */
  lockHeld(): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function faultFixture(label: string): Promise<FaultFixture> {
  const db = await createTestDatabases(label);
  await db.source.query(
    'CREATE TABLE events (id int PRIMARY KEY, payload varchar(100) NOT NULL, updated_at datetime(3) NOT NULL)',
  );
  await db.source.query(
    `INSERT INTO events SELECT seq, REPEAT(CHAR(65 + seq % 26), 80), '2026-01-01 00:00:00' FROM seq_1_to_${EVENTS}`,
  );
  await db.source.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
  await db.source.query("INSERT INTO notes SELECT seq, CONCAT('note ', seq) FROM seq_1_to_100");
  const source = await startTcpProxy('127.0.0.1', db.mysql.port);
  const target = await startTcpProxy('127.0.0.1', db.postgres.port);
  const dir = mkdtempSync(join(tmpdir(), `ferry-${label}-`));
  let files = 0;
  const via = (url: string, proxy: TcpProxy) => {
    const u = new URL(url);
    u.port = String(proxy.port);
    return u.toString();
  };
  return {
    db,
    dir,
    source,
    target,
    config(options = {}) {
      const path = join(dir, `ferry-${++files}.yaml`);
      const src = options.viaSource ? via(db.mysqlUrl, source) : db.mysqlUrl;
      const tgt = options.viaTarget ? via(db.postgresUrl, target) : db.postgresUrl;
      const timeouts = `stall_timeout: ${options.stallMs ?? 1000}, connect_timeout: 2000`;
      writeFileSync(
        path,
        `source: { url: "${src}", ${timeouts} }\n` +
          `target: { url: "${tgt}", schema: raw, ${timeouts} }\n` +
          `streams:\n${options.streams ?? '  - { table: "*" }\n'}` +
          `sync: ${options.sync ?? '{ chunk_rows: 2000, parallel_chunks: 2 }'}\n${options.extra ?? ''}`,
      );
      return path;
    },
    async lastRun() {
      const { rows } = await db.target.query<{ run_id: string; status: string; error: string | null }>(
        `SELECT run_id, status, error FROM _ferry.runs ORDER BY run_id DESC LIMIT 1`,
      );
      return rows[0]!;
    },
    async lockHeld() {
      const { rows } = await db.target.query(
        `SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`,
        [db.name],
      );
      return rows.length > 0;
    },
    async cleanup() {
      await source.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

/** A byte count at a random point of the copy (logged, so that a failure can be replayed). */
export function randomPoint(low: number, high: number): number {
  const at = Math.round(low + Math.random() * (high - low));
  console.log(`fault injected after ${at} bytes`);
  return at;
}

/** What every fault must end with: the documented code, a clear message, no "bug in ferry". */
export function expectClearFailure(result: { code: number; stderr: string }, code: number, message: RegExp) {
  expect(result.stderr).not.toContain('This is a bug in ferry');
  expect(result.stderr).not.toContain('Unhandled');
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(code);
}
