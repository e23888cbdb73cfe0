// Checks and quarantine on change rows: row checks (regex, min) through the row gate, set checks
// (unique, relationship, expression) on the rows each batch wrote, after every stream of the batch
// is applied, so a parent inserted in the same source transaction counts. The rows set aside, and
// those fixed later by the source, end as a full refresh of the same tables with the same checks
// leaves them: the same quarantine entries (streams, keys, checks). Deduplication is refused on a
// cdc stream with a configuration error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const CHECKS = `[
      { column: email, regex: "^[^@]+@[^@]+$" },
      { column: total, min: 0 },
      { column: email, unique: true },
      { column: customer_id, relationship: { stream: customers, column: id } },
      { name: paid_has_total, expression: "status <> 'paid' OR total > 0" } ]`;
const streams = (mode: string) =>
  `streams:\n  - { table: customers, mode: ${mode} }\n  - { table: orders, mode: ${mode}, checks: ${CHECKS} }\n`;
const cdc = () => testConfig(db, streams('cdc'), 'cdc');
const snapshot = () => testConfig(db, streams('full_refresh'), 'snap');

beforeAll(async () => {
  db = await createTestDatabases('cdc_checks');
  await db.source.query('CREATE TABLE customers (id int PRIMARY KEY, name varchar(20))');
  await db.source.query(
    'CREATE TABLE orders (id int PRIMARY KEY, customer_id int, email varchar(40), total decimal(8,2), status varchar(10))',
  );
  await db.source.query("INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')");
  await db.source.query("INSERT INTO orders VALUES (1, 1, 'a@x.org', 10, 'paid')");
  const first = await runSync(cdc());
  expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

async function waiting(schema: string): Promise<string[]> {
  const { rows } = await db.target.query<{ entry: string }>(
    `SELECT stream || ' ' || (primary_key->>'id') || ' ' || string_agg(f->>'check', ',' ORDER BY f->>'check') AS entry
       FROM _ferry.quarantine q CROSS JOIN LATERAL jsonb_array_elements(q.failures) f
      WHERE target_schema = $1 GROUP BY q.id, stream, primary_key ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.entry);
}

describe('checks on a cdc stream', () => {
  it('set aside the change rows that fail row and set checks, as a full refresh does', async () => {
    const s = db.source;
    await s.query("INSERT INTO orders VALUES (2, 1, 'not-an-email', 5, 'open')"); // regex
    await s.query("INSERT INTO orders VALUES (3, 2, 'a@x.org', 5, 'open')"); // unique: 1 has it
    await s.query("INSERT INTO orders VALUES (4, 9, 'd@x.org', 5, 'open')"); // no customer 9
    await s.query("INSERT INTO orders VALUES (5, 2, 'e@x.org', 0, 'paid')"); // the expression
    await s.query("INSERT INTO orders VALUES (6, 2, 'f@x.org', -1, 'open')"); // min
    // a parent and its child in one transaction: the child's parent counts
    await s.query('START TRANSACTION');
    await s.query("INSERT INTO customers VALUES (3, 'cyd')");
    await s.query("INSERT INTO orders VALUES (7, 3, 'g@x.org', 7, 'paid')");
    await s.query('COMMIT');
    const viaBinlog = await runSync(cdc());
    expect(viaBinlog.status, JSON.stringify(viaBinlog.streams)).toBe('succeeded');
    expect((await runSync(snapshot(), { fullRefresh: true })).status).toBe('succeeded');
    expect(await waiting('cdc')).toEqual([
      'orders 2 email.regex',
      'orders 3 email.unique',
      'orders 4 customer_id.relationship',
      'orders 5 paid_has_total',
      'orders 6 total.min',
    ]);
    expect(await waiting('cdc')).toEqual(await waiting('snap'));
    expect((await targetRows(db, 'cdc', 'orders')).map((r) => r.id)).toEqual(['1', '7']);
    const orders = viaBinlog.streams.find((r) => r.stream === 'orders')!;
    expect(orders.rowsQuarantined).toBe(5);
  });

  it('load the rows once the source fixes them, and settle their entries', async () => {
    const s = db.source;
    await s.query("UPDATE orders SET email = 'b@x.org' WHERE id IN (2)");
    await s.query("UPDATE orders SET email = 'c@x.org' WHERE id = 3");
    await s.query("INSERT INTO customers VALUES (9, 'ike')");
    await s.query('UPDATE orders SET total = 3 WHERE id IN (5, 6)');
    expect((await runSync(cdc())).status).toBe('succeeded');
    expect((await runSync(snapshot(), { fullRefresh: true })).status).toBe('succeeded');
    // order 4's parent arrived later: the check ran when 4 changed, not since (as in an incremental run)
    expect(await waiting('cdc')).toEqual(['orders 4 customer_id.relationship']);
    await s.query('UPDATE orders SET total = 6 WHERE id = 4');
    expect((await runSync(cdc())).status).toBe('succeeded');
    expect(await waiting('cdc')).toEqual([]);
    expect(await waiting('cdc')).toEqual(await waiting('snap'));
    const [source] = await s.query('SELECT id FROM orders ORDER BY id');
    expect((await targetRows(db, 'cdc', 'orders')).map((r) => Number(r.id)).sort()).toEqual(
      (source as { id: number }[]).map((r) => r.id),
    );
  });

  it('refuse deduplication with a configuration error', async () => {
    const config = testConfig(
      db,
      'streams:\n  - { table: orders, mode: cdc, dedup: { key: [email], cursor: id } }\n',
      'cdc',
    );
    const refused = await runSync(config).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toBe('dedup does not apply to cdc streams');
    expect((refused as ConfigError).problems).toEqual(['streams[0] (orders): dedup with mode cdc']);
  });
});
