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
  /** Rewrites ferry.yaml with these pipelines (YAML text under `pipelines:`). */
  writeConfig(pipelinesYaml: string): void;
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
  const writeConfig = (pipelinesYaml: string) =>
    writeFileSync(
      configPath,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n` +
        `streams:\n  - { table: items, mode: incremental, cursor: updated_at }\n` +
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

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
