// The demo shop: integrity, realistic shapes, byte-identical determinism, and safety rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { seedShop } from '../../../src/seed/seed.js';
import { SHOP_TABLES } from '../../../src/seed/shop-schema.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let a: TestDatabases;
let b: TestDatabases;
let c: TestDatabases;
let conn: MysqlConnection;
const logger = silentLogger();
type Row = Record<string, unknown>;

async function one(sql: string, connection: MysqlConnection = conn): Promise<Row> {
  const [rows] = await connection.query(sql);
  return (rows as Row[])[0]!;
}

async function checksums(connection: MysqlConnection): Promise<Record<string, string>> {
  const [rows] = await connection.query(`CHECKSUM TABLE ${SHOP_TABLES.join(', ')} EXTENDED`);
  return Object.fromEntries((rows as Row[]).map((r) => [String(r.Table).split('.')[1], String(r.Checksum)]));
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([
    createTestDatabases('seed_a'),
    createTestDatabases('seed_b'),
    createTestDatabases('seed_c'),
  ]);
  conn = await connectMysql(a.mysql);
  // three connections loading side by side here; the determinism test seeds b through one connection
  await seedShop(conn, { scale: 0.02, seed: 7, logger, connect: () => connectMysql(a.mysql), lanes: 3 });
});

afterAll(async () => {
  await conn?.end();
  await Promise.all([a?.drop(), b?.drop(), c?.drop()]);
});

describe('ferry seed', () => {
  it('creates every table of the shop with rows in it', async () => {
    for (const table of SHOP_TABLES)
      expect(Number((await one(`SELECT COUNT(*) AS n FROM ${table}`)).n)).toBeGreaterThan(0);
    expect(Number((await one('SELECT COUNT(*) AS n FROM orders')).n)).toBe(2000);
  });

  it('keeps referential integrity: every foreign key points at an existing row', async () => {
    const orphans = await one(`SELECT
      (SELECT COUNT(*) FROM order_items i LEFT JOIN products p ON p.id = i.product_id WHERE p.id IS NULL) AS items_products,
      (SELECT COUNT(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL) AS items_orders,
      (SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL) AS orders_customers,
      (SELECT COUNT(*) FROM orders o LEFT JOIN addresses a ON a.id = o.shipping_address_id WHERE a.id IS NULL) AS orders_addresses,
      (SELECT COUNT(*) FROM payments p LEFT JOIN orders o ON o.id = p.order_id WHERE o.id IS NULL) AS payments_orders,
      (SELECT COUNT(*) FROM categories c LEFT JOIN categories p ON p.id = c.parent_id WHERE c.parent_id IS NOT NULL AND p.id IS NULL) AS categories_parents`);
    expect(Object.values(orphans).map(Number)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('makes order totals add up from their items', async () => {
    const bad =
      await one(`SELECT COUNT(*) AS n FROM orders o JOIN (SELECT order_id, SUM(line_total) AS s FROM order_items GROUP BY order_id) i ON i.order_id = o.id
      WHERE i.s <> o.subtotal OR o.total <> o.subtotal + o.shipping_fee + o.tax`);
    expect(Number(bad.n)).toBe(0);
    const withoutItems = await one(
      'SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)',
    );
    expect(Number(withoutItems.n)).toBe(0);
  });

  it('follows the order lifecycle: timestamps in order, reviews only for delivered orders', async () => {
    const bad = await one(`SELECT
      SUM(paid_at < placed_at OR shipped_at < paid_at OR delivered_at < shipped_at) AS order_of_events,
      SUM(status = 'delivered' AND delivered_at IS NULL) AS delivered_without_date,
      SUM(status IN ('pending', 'cancelled') AND shipped_at IS NOT NULL) AS shipped_too_early FROM orders`);
    expect(Object.values(bad).map(Number)).toEqual([0, 0, 0]);
    const reviews = await one(
      "SELECT COUNT(*) AS n FROM reviews r JOIN orders o ON o.id = r.order_id WHERE o.status NOT IN ('delivered', 'refunded') OR r.created_at < o.delivered_at",
    );
    expect(Number(reviews.n)).toBe(0);
    const statuses = await one(
      "SELECT COUNT(DISTINCT status) AS n FROM orders WHERE status IN ('delivered', 'cancelled', 'refunded')",
    );
    expect(Number(statuses.n)).toBe(3);
  });

  it('gives popular products most of the orders, and weekends and December more orders', async () => {
    const top = await one(
      'SELECT SUM(n) AS top FROM (SELECT COUNT(*) AS n FROM order_items GROUP BY product_id ORDER BY n DESC LIMIT 10) t',
    );
    const all = await one('SELECT COUNT(*) AS n FROM order_items');
    expect(Number(top.top) / Number(all.n)).toBeGreaterThan(0.15); // 10 of 100 products
    const months = await one(
      'SELECT SUM(MONTH(placed_at) = 12) AS december, SUM(MONTH(placed_at) = 2) AS february FROM orders',
    );
    expect(Number(months.december)).toBeGreaterThan(Number(months.february) * 1.5);
  });

  it('uses the breadth of MySQL types, with accents, CJK, emoji and NULLs', async () => {
    const r = await one(`SELECT
      (SELECT COUNT(*) FROM customers WHERE first_name REGEXP '[À-ÿ]' OR last_name REGEXP '[À-ÿ]') AS accents,
      (SELECT COUNT(*) FROM customers WHERE HEX(first_name) REGEXP '^E[3-9]') AS cjk,
      (SELECT COUNT(*) FROM reviews WHERE HEX(body) LIKE '%F09F%') AS emoji,
      (SELECT COUNT(*) FROM customers WHERE birth_date IS NULL) AS null_birth,
      (SELECT COUNT(*) FROM products WHERE thumbnail IS NOT NULL) AS blobs,
      (SELECT COUNT(*) FROM customers WHERE marketing_opt_in LIKE '%,%') AS multi_sets,
      (SELECT COUNT(*) FROM inventory WHERE quantity < 0) AS backorders`);
    for (const [key, value] of Object.entries(r)) expect(Number(value), key).toBeGreaterThan(0);
  });

  it('produces byte-identical tables for the same seed and scale, over one connection or three, and different ones for another seed', async () => {
    const cb = await connectMysql(b.mysql);
    const cc = await connectMysql(c.mysql);
    try {
      await seedShop(cb, { scale: 0.02, seed: 7, logger });
      await seedShop(cc, { scale: 0.02, seed: 8, logger });
      const [sa, sb, sc] = await Promise.all([checksums(conn), checksums(cb), checksums(cc)]);
      expect(sb).toEqual(sa);
      expect(sc.orders).not.toBe(sa.orders);
      expect(sc.customers).not.toBe(sa.customers);
    } finally {
      await cb.end();
      await cc.end();
    }
  });

  it('does nothing when seeded again with the same arguments, and refuses other ones without --reset', async () => {
    const again = await seedShop(conn, { scale: 0.02, seed: 7, logger });
    expect(again.skipped).toBe(true);
    await expect(seedShop(conn, { scale: 0.03, seed: 7, logger })).rejects.toThrow(
      /seeded with scale 0\.02 and seed 7/,
    );
  });

  it('refuses a database with tables it did not create unless --force, and never touches them', async () => {
    await c.source.query('CREATE TABLE precious (id int PRIMARY KEY, v text)');
    await c.source.query("INSERT INTO precious VALUES (1, 'keep me')");
    const config = `source: { url: "${c.mysqlUrl}" }\ntarget: { url: "${c.postgresUrl}" }\n`;
    const file = `/tmp/ferry-seed-${c.name}.yaml`;
    await import('node:fs').then((fs) => fs.writeFileSync(file, config));
    const refused = await runFerry(['--config', file, 'seed', '--scale', '0.01', '--seed', '8', '--reset']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/tables ferry did not create: precious/);
    expect(refused.stderr).toMatch(/--force/);
    const forced = await runFerry([
      '--config',
      file,
      'seed',
      '--scale',
      '0.01',
      '--seed',
      '8',
      '--reset',
      '--force',
      '--json',
    ]);
    expect(forced.code).toBe(0);
    const [rows] = await c.source.query('SELECT v FROM precious');
    expect(rows).toEqual([{ v: 'keep me' }]);
  });

  it('rejects a malformed --scale with a clear message', async () => {
    const result = await runFerry(['--config', 'ferry.example.yaml', 'seed', '--scale', 'big']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--scale expects a number, got "big"/);
  });
});
