// Shared set-up of the orchestration tests: per-test databases with a small source table, and a
// ferry.yaml in a temp folder naming them, with the pipelines a test gives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

export interface PipelineFixture {
  db: TestDatabases;
  dir: string;
  configPath: string;
  /** Rewrites ferry.yaml with these pipelines (YAML text under `pipelines:`), and the items stream's extra settings. */
  writeConfig(pipelinesYaml: string, itemsStream?: string): void;
  cleanup(): Promise<void>;
}

export async function pipelineFixture(label: string, rows = 50): Promise<PipelineFixture> {
  const db = await createTestDatabases(label);
  await db.source.query(
    'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, updated_at DATETIME(3) NOT NULL)',
  );
  const values = Array.from({ length: rows }, (_, i) => [i + 1, `item ${i + 1}`, '2026-01-01 00:00:00.000']);
  await db.source.query('INSERT INTO items (id, name, updated_at) VALUES ?', [values]);
  const dir = mkdtempSync(join(tmpdir(), `ferry-${label}-`));
  const configPath = join(dir, 'ferry.yaml');
  const writeConfig = (pipelinesYaml: string, itemsStream = '') =>
    writeFileSync(
      configPath,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
        `streams:\n  - { table: items, mode: incremental, cursor: updated_at${itemsStream} }\n  - { table: "*" }\n` +
        `pipelines:\n${pipelinesYaml}`,
    );
  return {
    db,
    dir,
    configPath,
    writeConfig,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

/**
 * Polls `check` until it returns a value (not undefined) or the time is up. A check that throws
 * (the tables do not exist yet) counts as not yet.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Stops a spawned ferry process: SIGTERM, then SIGKILL if it lingers; resolves when it is gone. */
export function stopProcess(
  child: import('node:child_process').ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
