// `ferry sync --engine spark` on the seeded demo shop: every table arrives with exactly the values
// that ferry's own sync loads (same types, same text of every value), and the counts add up.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { SHOP_TABLES } from '../../../src/seed/shop-schema.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import { requireSpark, SPARK_URL } from './spark-server.js';

let db: TestDatabases;

beforeAll(async () => {
  await requireSpark();
  db = await createTestDatabases('spark_sync');
  const connection = await connectMysql(db.mysql);
  try {
    await seedShop(connection, { scale: 0.01, seed: 11, logger: silentLogger() });
  } finally {
    await connection.end();
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('ferry sync --engine spark', () => {
  it('loads the shop with the same values as ferry sync', async () => {
    const ferry = await runSync(testConfig(db, 'streams:\n  - { table: "*" }\n', 'raw'));
    expect(ferry.status).toBe('succeeded');

    const dir = mkdtempSync(join(tmpdir(), 'ferry-spark-'));
    const configFile = join(dir, 'ferry.yaml');
    writeFileSync(
      configFile,
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw_spark }\n` +
        `streams:\n  - { table: "*" }\nspark: { url: "${SPARK_URL}", rows_per_partition: 2000 }\n`,
    );
    const run = await runFerry(['--config', configFile, 'sync', '--engine', 'spark', '--verify', '--json'], {
      timeoutMs: 600_000,
    });
    expect(run.stderr).not.toContain('ferry-dev-pw');
    expect(run.code, run.stderr).toBe(0);
    const { sync: summary, verify: report } = JSON.parse(run.stdout) as {
      sync: { tables: { target: string; sourceRows: number; targetRows: number; partitions: number }[] };
      verify: { inSync: boolean; streams: { stream: string }[] };
    };
    // ferry verify proves the Spark copy exact, table by table.
    expect(report.inSync).toBe(true);
    expect(report.streams).toHaveLength(SHOP_TABLES.length);
    expect(summary.tables.map((t) => t.target.split('.')[1]).sort()).toEqual([...SHOP_TABLES].sort());
    for (const table of summary.tables) expect(table.targetRows).toBe(table.sourceRows);
    expect(summary.tables.some((t) => t.partitions > 1)).toBe(true);

    for (const table of SHOP_TABLES) {
      const expected = await targetRows(db, 'raw', table);
      const actual = await targetRows(db, 'raw_spark', table);
      expect(actual.length, table).toBe(expected.length);
      expect(actual, table).toEqual(expected);
    }
  });
});
