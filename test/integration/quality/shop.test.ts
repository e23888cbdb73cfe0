// The example configuration's checks on the demo shop: a consistent shop passes them all, on the
// snapshot and on the catch-up that follows (parents before the children that reference them), and
// every count adds up.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { connectMysql } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { REPO_ROOT } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';
import { expectStoredCounts } from './counts.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('qshop');
  const conn = await connectMysql(db.mysql);
  try {
    await seedShop(conn, { scale: 0.01, seed: 11, logger: silentLogger() });
  } finally {
    await conn.end();
  }
});

afterAll(async () => {
  await db?.drop();
});

it('syncs the demo shop under the checks of ferry.example.yaml with nothing quarantined', async () => {
  const example = parse(readFileSync(`${REPO_ROOT}/ferry.example.yaml`, 'utf8')) as { streams: unknown };
  const config = testConfig(
    db,
    stringify({ streams: example.streams, sync: { parallel_tables: 2 } }),
    'shop',
  );
  expect(config.streams.some((s) => s.checks?.some((c) => c.relationship))).toBe(true);
  for (const pass of [1, 2]) {
    const summary = await runSync(config);
    expect(summary.status, `pass ${pass}`).toBe('succeeded');
    for (const s of summary.streams) {
      expect(s.warnings, s.stream).toEqual([]);
      expect(s.rowsQuarantined, s.stream).toBe(0);
      await expectStoredCounts(db, summary, 'shop', s.stream, s.mode === 'full_refresh' || pass === 1);
    }
    const items = summary.streams.find((s) => s.stream === 'order_items')!;
    if (pass === 1) expect(items.rowsLoaded).toBeGreaterThan(0);
  }
});
