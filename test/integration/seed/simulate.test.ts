// ferry simulate changes the shop like an application, logs exactly what it changed, and a following
// incremental sync carries every change it can see (silent updates are the documented exception).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { simulate, type SimulationLog } from '../../../src/seed/simulate/simulate.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';

const logger = silentLogger();
let a: TestDatabases;
let b: TestDatabases;
let ca: MysqlConnection;
let cb: MysqlConnection;
let log: SimulationLog;
let before: Record<string, number>;
type Row = Record<string, unknown>;

async function counts(connection: MysqlConnection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['customers', 'addresses', 'orders', 'order_items', 'payments', 'reviews']) {
    const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM ${table}`);
    out[table] = Number((rows as Row[])[0]!.n);
  }
  return out;
}

const STREAMS = `streams:
  - { table: orders, mode: incremental, cursor: updated_at, deletes: hard }
  - { table: order_items, mode: incremental, cursor: updated_at, deletes: hard }
  - { table: reviews, mode: incremental, cursor: updated_at, deletes: hard }
  - { table: "*", mode: full_refresh }
`;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabases('sim_a'), createTestDatabases('sim_b')]);
  ca = await connectMysql(a.mysql);
  cb = await connectMysql(b.mysql);
  await Promise.all([
    seedShop(ca, { scale: 0.01, seed: 3, logger }),
    seedShop(cb, { scale: 0.01, seed: 3, logger }),
  ]);
  expect((await runSync(testConfig(a, STREAMS))).status).toBe('succeeded');
  before = await counts(ca);
  log = await simulate(ca, { seed: 11, rate: 10_000, operations: 400, logger });
});

afterAll(async () => {
  await ca?.end();
  await cb?.end();
  await Promise.all([a?.drop(), b?.drop()]);
});

describe('ferry simulate', () => {
  it('runs the requested number of operations, of every kind', () => {
    expect(log.operations).toBe(400);
    expect(Object.keys(log.byOperation).sort()).toEqual(
      [
        'address_edit',
        'advance_order',
        'cancel_order',
        'new_customer',
        'new_order',
        'order_hard_delete',
        'price_change',
        'review_delete',
        'silent_update',
        'stock_change',
      ].sort(),
    );
  });

  it('logs counts that match the rows changed', async () => {
    const after = await counts(ca);
    for (const table of Object.keys(after)) {
      const c = log.counts[table] ?? {};
      expect(after[table], table).toBe(before[table]! + (c.insert ?? 0) - (c.delete ?? 0));
    }
    for (const key of log.keys.orders?.delete ?? []) {
      const [rows] = await ca.query('SELECT id FROM orders WHERE id = ?', [key]);
      expect(rows).toEqual([]);
    }
    for (const key of log.keys.customers?.insert ?? []) {
      const [rows] = await ca.query('SELECT id FROM customers WHERE id = ?', [key]);
      expect((rows as Row[]).length).toBe(1);
    }
  });

  it('makes the same choices for the same seed', async () => {
    const again = await simulate(cb, { seed: 11, rate: 10_000, operations: 400, logger });
    expect(again.byOperation).toEqual(log.byOperation);
    expect(again.keys).toEqual(log.keys);
  });

  it('is followed by an incremental sync that carries every visible change, and misses only silent updates', async () => {
    const summary = await runSync(testConfig(a, STREAMS));
    expect(summary.status).toBe('succeeded');
    const silent = new Set(log.keys.orders?.silent_update ?? []);
    for (const table of ['orders', 'order_items', 'reviews', 'customers', 'payments']) {
      const [src] = await ca.query(
        `SELECT id, MD5(CONCAT_WS('|', id, ${table === 'orders' ? "status, total, COALESCE(notes, '')" : 'updated_at'})) AS h FROM ${table} ORDER BY id`,
      );
      const sql =
        table === 'orders'
          ? `SELECT id::text AS id, md5(concat_ws('|', id, status, total, COALESCE(notes, ''))) AS h FROM raw.orders ORDER BY id`
          : `SELECT id::text AS id, md5(concat_ws('|', id, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US'))) AS h FROM raw.${table} ORDER BY id`;
      const { rows: dst } = await a.target.query(sql);
      const source = new Map((src as Row[]).map((r) => [String(r.id), String(r.h)]));
      const target = new Map(dst.map((r) => [String(r.id), String(r.h)]));
      expect(
        [...target.keys()].filter((k) => !source.has(k)),
        `${table}: rows deleted in the source`,
      ).toEqual([]);
      expect(
        [...source.keys()].filter((k) => !target.has(k)),
        `${table}: rows missing in the target`,
      ).toEqual([]);
      const differing = [...source.keys()].filter((k) => source.get(k) !== target.get(k));
      if (table === 'orders')
        expect(
          differing.every((k) => silent.has(k)),
          `orders differ only where updated_at did not move: ${differing.join(',')}`,
        ).toBe(true);
      else expect(differing, table).toEqual([]);
    }
  });
});
