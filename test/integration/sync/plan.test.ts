// ferry plan reads the real source and target and says what a sync would do, changing nothing: the
// tables each stream matches, mode, cursor, key, each column's types with its rule, policy and
// overrides, what the target table gets, the next run, settings that do nothing, unmatched tables;
// overrides and filters the source cannot take are configuration errors that name what is valid.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanReport } from '../../../src/replication/plan-report.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;

const STREAMS = [
  'streams:',
  '  - table: orders',
  '    mode: incremental',
  '    cursor: updated_at',
  '    where: "status <> \'test\'"',
  '    overrides:',
  '      paid: { type: smallint }',
  '      doc: { type: text }',
  '      note: { rename: remark }',
  '      secret: { exclude: true }',
  '  - { table: customers, cursor: id, deletes: soft, target_schema: crm }',
  "  - { table: 'cust*' }",
  '',
].join('\n');

function configFile(streams = STREAMS): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ferry-plan-')), 'ferry.yaml');
  writeFileSync(
    file,
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\n${streams}`,
  );
  return file;
}

async function plan(file: string, ...args: string[]): Promise<PlanReport> {
  const result = await runFerry(['--config', file, 'plan', '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PlanReport;
}

beforeAll(async () => {
  db = await createTestDatabases('plan');
  await db.source.query(
    `CREATE TABLE orders (id int PRIMARY KEY, status varchar(10), paid tinyint(1), doc json, note varchar(20),
       created date, secret text, updated_at datetime(3) NOT NULL)`,
  );
  await db.source.query(
    `INSERT INTO orders VALUES (1, 'open', 1, '{"a": 1}', 'n', '2024-01-01', 's', '2024-01-01 00:00:00'),
                               (2, 'test', 0, NULL, NULL, NULL, NULL, '2024-01-02 00:00:00')`,
  );
  await db.source.query('CREATE TABLE customers (id int PRIMARY KEY, name varchar(40))');
  await db.source.query('CREATE TABLE audit_log (at datetime, what text)');
  await db.source.query('CREATE VIEW open_orders AS SELECT id FROM orders');
});

afterAll(async () => {
  await db?.drop();
});

describe('ferry plan', () => {
  it('lays out every stream from the source before the first sync, and creates nothing', async () => {
    const report = await plan(configFile());
    const orders = report.streams.find((s) => s.stream === 'orders')!;
    expect(orders).toMatchObject({
      table: 'orders',
      target: 'raw.orders',
      mode: 'incremental',
      cursor: 'updated_at',
      key: ['id'],
      keyFrom: 'declared',
      where: "status <> 'test'",
      excluded: ['secret'],
      targetTable: { action: 'create' },
      next: 'a full load first (no high-water mark yet), then incremental',
    });
    const column = (name: string) => orders.columns.find((c) => c.source === name);
    expect(column('paid')).toMatchObject({
      pgType: 'smallint',
      rule: 'tinyint',
      override: { defaultType: 'boolean' },
    });
    expect(column('doc')).toMatchObject({ pgType: 'text', rule: 'json as text' });
    expect(column('note')).toMatchObject({ target: 'remark', override: { renamedFrom: 'note' } });
    expect(column('created')).toMatchObject({
      pgType: 'date',
      policy: 'zero_dates (null): zero and impossible dates',
    });
    expect(column('secret')).toBeUndefined();
    const customers = report.streams.find((s) => s.stream === 'customers')!;
    expect(customers).toMatchObject({ target: 'crm.customers', mode: 'full_refresh' });
    expect(customers.warnings).toEqual([
      'streams[1].cursor does nothing on a full_refresh stream',
      'streams[1].deletes does nothing on a full_refresh stream (it mirrors the source)',
    ]);
    expect(report.unmatched).toEqual(['audit_log']);
    expect(report.warnings).toContain('streams[2] ("cust*") never applies: earlier streams take customers');
    const { rows } = await db.target.query(
      "SELECT nspname FROM pg_namespace WHERE nspname IN ('_ferry', 'raw', 'crm')",
    );
    expect(rows).toEqual([]);
  });

  it('after a sync, says what an existing table gets and where the next run starts', async () => {
    const file = configFile();
    const sync = await runFerry(['--config', file, 'sync']);
    expect(sync.code, sync.stderr).toBe(0);
    expect((await db.target.query('SELECT id, remark FROM raw.orders')).rows).toEqual([
      { id: 1, remark: 'n' },
    ]);
    await db.source.query('ALTER TABLE orders ADD COLUMN region varchar(5), MODIFY note varchar(40)');
    const report = await plan(file, '--streams', 'orders');
    const orders = report.streams[0]!;
    expect(orders.targetTable).toMatchObject({
      action: 'alter',
      added: ['region'],
      changed: [{ column: 'remark', from: 'character varying(20)', to: 'character varying(40)' }],
    });
    // The mark is the snapshot's greatest cursor, rows outside the filter included.
    expect(orders.next).toMatch(/^rows with updated_at from 2024-01-02 00:00:00/);
    const text = await runFerry(['--config', file, 'plan', '--streams', 'orders']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'orders (streams[0]): orders -> raw.orders, incremental, cursor updated_at',
    );
    expect(text.stdout).toMatch(/note -> remark\s+│\s+varchar\(40\)/);
    expect(text.stdout).toContain('nothing was changed');
  });

  it('refuses a type no rule of the mapping gives the column, listing those it can', async () => {
    const file = configFile('streams:\n  - { table: orders, overrides: { paid: { type: int4 } } }\n');
    const result = await runFerry(['--config', file, 'plan']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'streams[0].overrides.paid.type: ferry cannot load orders.paid (tinyint(1)) as int4; it can as boolean, smallint',
    );
  });

  it('refuses a filter the source refuses, an override of a missing column, and a key excluded', async () => {
    const bad = await runFerry([
      '--config',
      configFile('streams:\n  - { table: orders, where: "nope > 1" }\n'),
      'plan',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('streams[0].where on orders: a column is missing');
    expect(bad.stderr).toContain("(Unknown column 'nope' in 'WHERE')");
    const missing = await runFerry([
      '--config',
      configFile(
        'streams:\n  - { table: orders, overrides: { nope: { rename: x }, id: { exclude: true } } }\n',
      ),
      'plan',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('streams[0].overrides.nope: orders has no column nope');
    expect(missing.stderr).toContain('streams[0].overrides.id.exclude: id is part of the key of orders');
  });
});
