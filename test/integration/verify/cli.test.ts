// `ferry verify` and `ferry sync --verify` as a user runs them on the seeded shop: exit 0 in sync,
// 1 with differences, 2 when verify cannot run; --json for machines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { SHOP_TABLES } from '../../../src/seed/shop-schema.js';
import type { VerifyReport } from '../../../src/verify/verify.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
let configPath: string;

beforeAll(async () => {
  db = await createTestDatabases('verify_cli');
  const connection = await connectMysql(db.mysql);
  await seedShop(connection, { scale: 0.01, seed: 3, logger: silentLogger() });
  await connection.end();
  configPath = join(mkdtempSync(join(tmpdir(), 'ferry-verify-')), 'ferry.yaml');
  writeFileSync(
    configPath,
    [
      `source: { url: "${db.mysqlUrl}" }`,
      `target: { url: "${db.postgresUrl}", schema: raw_shop }`,
      'streams:',
      '  - { table: orders, mode: incremental, cursor: updated_at, deletes: soft }',
      "  - { table: '*' }",
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await db?.drop();
});

describe('ferry sync --verify on the seeded shop', () => {
  it('replicates every table and proves it in sync (exit 0)', async () => {
    const result = await runFerry(['--config', configPath, 'sync', '--verify', '--json']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const { verify } = JSON.parse(result.stdout) as { verify: VerifyReport };
    expect(verify.inSync).toBe(true);
    expect(verify.streams.map((s) => s.stream).sort()).toEqual([...SHOP_TABLES].sort());
    for (const s of verify.streams) expect(s.sourceRows).toBe(s.targetRows);
  });
});

describe('ferry verify', () => {
  it('exits 1 and names the differing row when the target lost one', async () => {
    await db.target.query(`DELETE FROM raw_shop.reviews WHERE id = (SELECT min(id) FROM raw_shop.reviews)`);
    const { rows } = await db.target.query<{ id: string }>(
      'SELECT min(id)::text AS id FROM raw_shop.reviews',
    );
    const result = await runFerry(['--config', configPath, 'verify', '--streams', 'reviews,orders']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/reviews\s*│\s*DIFFERENT/);
    expect(result.stdout).toMatch(/reviews: missing in the target, e\.g\. key \d+/);
    expect(result.stdout).toMatch(/orders\s*│\s*in sync/);
    expect(rows[0]!.id).toBeDefined();
  });

  it('prints a machine-readable report with --json', async () => {
    const result = await runFerry(['--config', configPath, 'verify', '--streams', 'reviews', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as VerifyReport;
    expect(report.inSync).toBe(false);
    expect(report.streams[0]).toMatchObject({ stream: 'reviews', status: 'different', missing: 1, extra: 0 });
  });

  it('exits 2 with a clear message when the source cannot be reached', async () => {
    const result = await runFerry(['--config', configPath, 'verify'], {
      env: { FERRY_SOURCE_URL: 'mysql://ferry:secret-pw-123@127.0.0.1:1/shop' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(result.stderr).not.toMatch(/secret-pw-123/);
    expect(result.stderr).not.toMatch(/bug in ferry/);
  });
});
