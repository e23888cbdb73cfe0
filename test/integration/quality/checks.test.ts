// Every check type under every severity, against the real servers: quarantine sets the bad row
// aside with its reason, warn loads it and counts it, fail stops the stream and leaves the target
// exactly as it was. Every run's counts add up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';
import { expectCountsAddUp, expectStoredCounts } from './counts.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('checks');
  await db.source.query('CREATE TABLE customers (id int PRIMARY KEY, name varchar(20))');
  await db.source.query("INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace')");
  await db.source.query(
    'CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status varchar(10), total decimal(10,2), code varchar(20), note varchar(40), email varchar(40))',
  );
  await db.source.query(`INSERT INTO orders VALUES
    (1, 1, 'paid', 10.00, 'AB-1', 'ok', 'a@example.com'),
    (2, 2, 'paid', 20.00, 'AB-2', NULL, 'b@example.com'),
    (3, 1, 'lost', 5.00, 'AB-3', 'ok', 'c@example.com'),
    (4, 2, 'paid', -1.00, 'AB-4', 'ok', 'd@example.com'),
    (5, 1, 'paid', 7.00, 'bad', 'ok', 'e@example.com'),
    (6, 2, 'paid', 8.00, 'AB-6', 'a note far too long', 'f@example.com'),
    (7, 1, 'paid', 9.00, 'AB-7', 'ok', 'a@example.com'),
    (8, 99, 'paid', 11.00, 'AB-8', 'ok', 'h@example.com'),
    (9, 2, 'new', 5000.00, 'AB-9', 'ok', 'i@example.com')`);
});

afterAll(async () => {
  await db?.drop();
});

// Each check, as ferry.yaml writes it, and the one row of `orders` that fails it.
const CASES: { kind: string; check: string; bad: string; code: string }[] = [
  { kind: 'not_null', check: '{ column: note, not_null: true }', bad: '2', code: 'not_null' },
  {
    kind: 'accepted_values',
    check: '{ column: status, accepted_values: [new, paid, shipped] }',
    bad: '3',
    code: 'accepted_values',
  },
  { kind: 'min', check: '{ column: total, min: 0 }', bad: '4', code: 'min' },
  { kind: 'max', check: '{ column: total, max: 1000 }', bad: '9', code: 'max' },
  { kind: 'regex', check: "{ column: code, regex: '^[A-Z]{2}-[0-9]+$' }", bad: '5', code: 'regex' },
  { kind: 'max_length', check: '{ column: note, max_length: 10 }', bad: '6', code: 'max_length' },
  { kind: 'unique', check: '{ column: email, unique: true }', bad: '7', code: 'unique' },
  {
    kind: 'relationship',
    check: '{ column: customer_id, relationship: { stream: customers, column: id } }',
    bad: '8',
    code: 'relationship',
  },
  {
    kind: 'expression',
    check: '{ name: big_new_order, expression: "NOT (status = \'new\' AND total > 1000)" }',
    bad: '9',
    code: 'expression',
  },
];

const config = (schema: string, checks: string, severity?: string) =>
  testConfig(
    db,
    `streams:\n  - table: orders\n    checks:\n      - ${severity ? checks.replace(/ }$/, `, severity: ${severity} }`) : checks}\n  - { table: customers }\n`,
    schema,
  );

async function baseline(schema: string) {
  const summary = await runSync(config(schema, '{ column: id, not_null: true }'));
  expect(summary.status).toBe('succeeded');
  expectCountsAddUp(summary);
}

describe.each(CASES)('the $kind check', ({ kind, check, bad, code }) => {
  it('with severity quarantine loads the good rows and sets the bad one aside with its reason', async () => {
    const schema = `q_${kind}`;
    await baseline(schema);
    const summary = await runSync(config(schema, check, 'quarantine'), { streams: ['orders'] });
    expect(summary.status).toBe('succeeded');
    const orders = summary.streams[0]!;
    expect(orders).toMatchObject({ rowsRead: 9, rowsLoaded: 8, rowsQuarantined: 1, rowsWarned: 0 });
    expect(orders.checks).toEqual([expect.objectContaining({ code, severity: 'quarantine', rows: 1 })]);
    await expectStoredCounts(db, summary, schema, 'orders', true);
    const ids = (await targetRows(db, schema, 'orders')).map((r) => r.id);
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9'].filter((id) => id !== bad));
    const { rows } = await db.target.query(
      `SELECT primary_key, "row"->>'id' AS id, failures, reason FROM _ferry.quarantine WHERE target_schema = $1 AND run_id = $2`,
      [schema, summary.runId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ primary_key: { id: bad }, id: bad });
    expect(rows[0].failures).toEqual([expect.objectContaining({ code, severity: 'quarantine' })]);
    expect(rows[0].reason).not.toBe('');
  });

  it('with severity warn loads every row and counts the bad one', async () => {
    const schema = `w_${kind}`;
    await baseline(schema);
    const summary = await runSync(config(schema, check, 'warn'), { streams: ['orders'] });
    expect(summary.status).toBe('succeeded');
    const orders = summary.streams[0]!;
    expect(orders).toMatchObject({ rowsRead: 9, rowsLoaded: 9, rowsQuarantined: 0, rowsWarned: 1 });
    expect(orders.checks).toEqual([expect.objectContaining({ code, severity: 'warn', rows: 1 })]);
    await expectStoredCounts(db, summary, schema, 'orders', true);
  });

  it('with severity fail stops the stream and leaves the target exactly as before the run', async () => {
    const schema = `f_${kind}`;
    await baseline(schema);
    const snapshot = async () => ({
      rows: await targetRows(db, schema, 'orders'),
      synced: (await db.target.query(`SELECT max("_ferry_synced_at")::text AS t FROM "${schema}".orders`))
        .rows[0].t as string,
      tables: (
        await db.target.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])
      ).rows,
      quarantine: (
        await db.target.query(`SELECT count(*)::int AS n FROM _ferry.quarantine WHERE target_schema = $1`, [
          schema,
        ])
      ).rows[0].n as number,
      state: (
        await db.target.query(`SELECT last_run_id FROM _ferry.streams WHERE target_schema = $1 ORDER BY 1`, [
          schema,
        ])
      ).rows,
    });
    const before = await snapshot();
    const summary = await runSync(config(schema, check, 'fail'), { streams: ['orders'] });
    expect(summary.status).toBe('failed');
    expectCountsAddUp(summary);
    expect(summary.streams[0]!.error).toMatch(
      new RegExp(`check .*${code === 'expression' ? 'big_new_order' : code}.* failed .*"id":"?${bad}`),
    );
    expect(await snapshot()).toEqual(before);
  });
});

describe('a relationship between streams of the same run', () => {
  it('copies the parent first, so new children find new parents on the very first sync', async () => {
    const summary = await runSync(
      testConfig(
        db,
        `streams:
  - table: orders
    checks:
      - { column: customer_id, relationship: { stream: customers, column: id } }
  - { table: customers }
sync: { parallel_tables: 2 }
`,
        'together',
      ),
    );
    expect(summary.status).toBe('succeeded');
    const orders = summary.streams.find((s) => s.stream === 'orders')!;
    expect(orders.warnings).toEqual([]);
    expect(orders).toMatchObject({ rowsRead: 9, rowsLoaded: 8, rowsQuarantined: 1 });
    await expectStoredCounts(db, summary, 'together', 'orders', true);
  });
});
