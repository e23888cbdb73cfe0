// Shared set-up of the tests of ordinary mistakes: a pair of test databases with a few small tables,
// and ferry.yaml files written for them (streams, extra sections), run through the real command line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import type { CliResult } from '../../support/cli.js';

export interface MistakeFixture {
  db: TestDatabases;
  /** Writes a ferry.yaml for the test's databases; returns its path. */
  config(body?: string, options?: { source?: string; target?: string; schema?: string }): string;
  cleanup(): Promise<void>;
}

export async function mistakeFixture(label: string): Promise<MistakeFixture> {
  const db = await createTestDatabases(label);
  const dir = mkdtempSync(join(tmpdir(), `ferry-${label}-`));
  let files = 0;
  return {
    db,
    config(body = 'streams:\n  - { table: "*" }\n', options = {}) {
      const path = join(dir, `ferry-${++files}.yaml`);
      writeFileSync(
        path,
        `source: { url: "${options.source ?? db.mysqlUrl}" }\n` +
          `target: { url: "${options.target ?? db.postgresUrl}", schema: ${options.schema ?? 'raw'} }\n` +
          body,
      );
      return path;
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

/** A usage or configuration error: exit 2, the message, never "a bug in ferry". */
export function expectUsageError(result: CliResult, message: RegExp): void {
  expect(result.stderr).not.toContain('This is a bug in ferry');
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(2);
}
