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
    for (const table of summary.tables) {
      const [counted] = await db.source.query(`SELECT COUNT(*) AS n FROM \`${table.target.split('.')[1]}\``);
      expect(table.targetRows, table.target).toBe(Number((counted as { n: number }[])[0]!.n));
    }
    expect(summary.tables.some((t) => t.partitions > 1)).toBe(true);

    for (const table of SHOP_TABLES) {
      const expected = await targetRows(db, 'raw', table);
      const actual = await targetRows(db, 'raw_spark', table);
      expect(actual.length, table).toBe(expected.length);
      expect(actual, table).toEqual(expected);
    }

    // The Spark copy is a run like ferry's own: recorded with its engine, a stream run per table
    // with its rows, and the stream state of each table.
    const { rows: runs } = await db.target.query<{ status: string; engine: string; run_id: string }>(
      `SELECT run_id, status, engine FROM "_ferry".runs WHERE target_schema = 'raw_spark'`,
    );
    expect(runs).toEqual([{ run_id: expect.any(String), status: 'succeeded', engine: 'spark' }]);
    const { rows: streamRuns } = await db.target.query<{
      target_table: string;
      status: string;
      rows_loaded: string;
    }>(`SELECT target_table, status, rows_loaded FROM "_ferry".stream_runs WHERE run_id = $1 ORDER BY 1`, [
      runs[0]!.run_id,
    ]);
    expect(streamRuns.map((r) => r.target_table)).toEqual([...SHOP_TABLES].sort());
    for (const r of streamRuns) {
      expect(r.status).toBe('succeeded');
      expect(Number(r.rows_loaded)).toBe(
        summary.tables.find((t) => t.target === `raw_spark.${r.target_table}`)!.targetRows,
      );
    }
    const { rows: states } = await db.target.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "_ferry".streams WHERE target_schema = 'raw_spark' AND last_run_id = $1`,
      [runs[0]!.run_id],
    );
    expect(states[0]!.n).toBe(String(SHOP_TABLES.length));

    // A view on a table copied by Spark keeps working through the next copy (the shared swap).
    await db.target.query(
      `CREATE VIEW raw_spark.customer_names AS SELECT id, first_name FROM raw_spark.customers`,
    );
    await db.source.query(`UPDATE customers SET first_name = 'Renamed' WHERE id = 1`);
    const again = await runFerry(
      ['--config', configFile, 'sync', '--engine', 'spark', '--streams', 'customers'],
      { timeoutMs: 600_000 },
    );
    expect(again.code, again.stderr).toBe(0);
    const { rows: viewed } = await db.target.query<{ first_name: string }>(
      `SELECT first_name FROM raw_spark.customer_names WHERE id = 1`,
    );
    expect(viewed).toEqual([{ first_name: 'Renamed' }]);
  });
});
