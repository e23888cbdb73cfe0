// `ferry sync --engine spark` against ferry's own sync on the same data, by both Spark writes (COPY
// files and JDBC): every type of the mapping lands with the same values; zero dates, impossible
// dates, NUL bytes, TINYINT(1) values other than 0/1 and \u0000 in JSON follow the same policies
// (the same rows quarantined with the same reasons and source-form values, the same values set to
// NULL and recorded); the row checks, set checks and dedup set aside the same rows; the counts add
// up; and `ferry quarantine replay` loads rows the Spark copy quarantined.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { compileProject } from '../../../src/config/project.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { replayQuarantine } from '../../../src/replication/replay.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { targetRows } from '../../support/sync.js';
import { everyTypeSql } from '../../support/type-cases.js';
import { expectCountsAddUp, outcome, syncBy, type Engine } from './copy-support.js';
import { requireSpark } from './spark-server.js';

let db: TestDatabases;

const POLICY_ROWS = [
  `(1, '2024-02-29', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999999', 1, 'ok', '{"a": 1}', '-838:59:59')`,
  `(2, '0000-00-00', NULL, NULL, 0, 'zero date', NULL, '838:59:59')`,
  `(3, '2024-01-01', '2023-02-29 10:00:00', NULL, 1, 'impossible date', NULL, '-00:00:01')`,
  `(4, '2024-01-01', NULL, '0000-00-00 00:00:00', NULL, 'zero timestamp', NULL, '100:00:00')`,
  `(5, '2024-01-01', NULL, NULL, 5, 'not a boolean', NULL, NULL)`,
  `(6, '2024-01-01', NULL, NULL, 1, CONCAT('nul', CHAR(0), 'byte'), NULL, NULL)`,
  `(7, '2024-01-00', NULL, NULL, 1, 'zero day', '{"a": "x\\\\u0000y"}', NULL)`,
  `(8, '2024-05-05', '2024-00-10 00:00:00', NULL, -1, 'two problems', '[]', NULL)`,
];

const CHECKS = `
  - table: orders
    checks:
      - { column: note, not_null: true, severity: warn }
      - { column: status, accepted_values: [new, paid, shipped] }
      - { column: total, min: 0 }
      - { column: total, max: 1000, severity: warn }
      - { column: code, regex: '^[A-Z]{2}-[0-9]+$' }
      - { column: note, max_length: 10 }
      - { column: email, unique: true }
      - { column: customer_id, relationship: { stream: customers, column: id } }
      - { name: big_new_order, expression: "NOT (status = 'new' AND total > 1000)" }
  - { table: customers }
  - { table: events, dedup: { key: [ref], cursor: updated_at } }
`;

beforeAll(async () => {
  await requireSpark();
  db = await createTestDatabases('sparkpolicy');
  for (const statement of everyTypeSql()) await db.source.query(statement);
  // Keys past 2^63 in a table read over several partitions: Spark's bounds are 64-bit.
  await db.source.query('CREATE TABLE wide_keys (id bigint unsigned PRIMARY KEY, v varchar(20))');
  await db.source.query(
    `INSERT INTO wide_keys SELECT seq * 7, CONCAT('v', seq) FROM seq_1_to_2500 UNION ALL SELECT 18446744073709551615, 'max' UNION ALL SELECT 9223372036854775808, 'past 2^63'`,
  );
  await db.source.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
  await db.source.query(
    'CREATE TABLE policy_cases (id int PRIMARY KEY, d date NULL, dt datetime(6) NULL, ts timestamp(6) NULL, flag tinyint(1) NULL, note varchar(20) NULL, doc json NULL, t time NULL)',
  );
  await db.source.query(`INSERT INTO policy_cases VALUES ${POLICY_ROWS.join(', ')}`);
  await db.source.query("SET SESSION sql_mode = ''");
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
    (9, 2, 'new', 5000.00, 'AB-9', 'ok', 'i@example.com'),
    (10, 1, 'paid', 1.00, 'ÄB-10', 'ok', 'j@example.com'),
    (11, 1, 'paid', 1.00, 'AB-11\\n', 'ok', 'k@example.com'),
    (12, 1, 'PAID', 1.00, 'ab-12', 'ünïcödé ✓✓', 'l@example.com'),
    (13, 2, 'shipped', 0.00, 'AB-13', 'ok', 'm@example.com')`);
  await db.source.query('CREATE TABLE events (id int PRIMARY KEY, ref varchar(10), updated_at datetime)');
  await db.source.query(`INSERT INTO events VALUES
    (1, 'a', '2024-01-01 00:00:00'), (2, 'a', '2024-01-02 00:00:00'), (3, 'b', '2024-01-01 00:00:00'),
    (4, 'c', '2024-01-01 00:00:00'), (5, 'c', '2024-01-03 00:00:00')`);
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

const rechecked = (summary: object, table: string) =>
  (summary as { tables: { table: string; rechecked: number }[] }).tables.find((t) => t.table === table)!
    .rechecked;

/** Syncs with each engine into its own schema and returns each outcome per table. */
async function compare(prefix: string, body: string, tables: string[], engines: Engine[]) {
  const results = [];
  for (const engine of engines) {
    const schema = `${prefix}_${engine.replace(' ', '_')}`;
    const summary = await syncBy(engine, db, schema, body);
    const byTable: Record<string, Awaited<ReturnType<typeof outcome>>> = {};
    for (const t of tables) byTable[t] = await outcome(db, schema, t);
    for (const t of tables) expectCountsAddUp(summary, byTable[t]!.runs);
    results.push({ engine, summary, byTable });
  }
  return results;
}

describe('the Spark copy against ferry sync', () => {
  it('lands every type with the values ferry sync loads, by COPY files and by JDBC', async () => {
    const [ferry, ...spark] = await compare(
      'types',
      'streams:\n  - { table: every_type }\n  - { table: wide_keys }\n',
      ['every_type', 'wide_keys'],
      ['ferry', 'spark copy', 'spark jdbc'],
    );
    expect(ferry!.summary.status).toBe('succeeded');
    expect(ferry!.byTable.wide_keys!.rows).toHaveLength(2502);
    for (const s of spark) {
      expect(s.summary.status, s.engine).toBe('succeeded');
      expect(s.byTable.every_type!.rows, s.engine).toEqual(ferry!.byTable.every_type!.rows);
      expect(s.byTable.wide_keys!.rows, s.engine).toEqual(ferry!.byTable.wide_keys!.rows);
      expect(s.byTable.wide_keys!.runs, s.engine).toEqual(ferry!.byTable.wide_keys!.runs);
      const copied = (s.summary as { tables: { table: string; partitions: number }[] }).tables;
      expect(copied.find((t) => t.table === 'wide_keys')!.partitions, s.engine).toBe(3);
    }
  });

  it.each([
    ['the default policies (zero_dates: null, invalid_values: quarantine)', 'dflt', ''],
    [
      'zero_dates: quarantine, invalid_values: null',
      'flip',
      'sync: { zero_dates: quarantine, invalid_values: "null" }\n',
    ],
  ])('follows %s as ferry sync does', async (_label, prefix, settings) => {
    const engines: Engine[] =
      prefix === 'dflt' ? ['ferry', 'spark copy', 'spark jdbc'] : ['ferry', 'spark copy'];
    const [ferry, ...spark] = await compare(
      prefix,
      `streams:\n  - { table: policy_cases }\n${settings}`,
      ['policy_cases'],
      engines,
    );
    const expected = ferry!.byTable.policy_cases!;
    expect(expected.quarantine.length).toBeGreaterThan(0);
    expect(expected.changes.length).toBeGreaterThan(0);
    for (const s of spark) {
      const got = s.byTable.policy_cases!;
      expect(got.rows, s.engine).toEqual(expected.rows);
      expect(got.quarantine, s.engine).toEqual(expected.quarantine);
      expect(got.changes, s.engine).toEqual(expected.changes);
      expect(got.runs, s.engine).toEqual(expected.runs);
      // Rows 2 to 8 hold a value a policy judges; ferry read them again, and only them.
      expect(rechecked(s.summary, 'policy_cases'), s.engine).toBe(7);
      expect(s.summary.streams[0], s.engine).toMatchObject({
        rowsRead: 8,
        rowsQuarantined: expected.quarantine.length,
        valuesNulled: expected.changes.length,
      });
    }
  });

  it('fails the stream under zero_dates: fail with the message ferry sync gives, and keeps the previous copy', async () => {
    const body = 'streams:\n  - { table: policy_cases }\n';
    const failing = `${body}sync: { zero_dates: fail }\n`;
    const ferry = await syncBy('ferry', db, 'fail_ferry', failing);
    expect(ferry.status).toBe('failed');
    expect(await syncBy('spark copy', db, 'fail_spark', body).then((s) => s.status)).toBe('succeeded');
    const before = await targetRows(db, 'fail_spark', 'policy_cases');
    const spark = await syncBy('spark copy', db, 'fail_spark', failing);
    expect(spark.status).toBe('failed');
    expect(spark.streams[0]!.error).toBe(ferry.streams[0]!.error);
    expect(spark.streams[0]!.error).toMatch(/^policy_cases\.d: zero date 0000-00-00 \(row \{"id":"2"\}\)/);
    expect(await targetRows(db, 'fail_spark', 'policy_cases')).toEqual(before);
    const { rows } = await db.target.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'fail_spark' ORDER BY 1`,
    );
    expect(rows).toEqual([{ tablename: 'policy_cases' }]);
  });

  it('applies the row checks, the set checks and dedup as ferry sync does', async () => {
    const [ferry, ...spark] = await compare(
      'checks',
      `streams:${CHECKS}`,
      ['orders', 'customers', 'events'],
      ['ferry', 'spark copy', 'spark jdbc'],
    );
    const expected = ferry!.byTable;
    // Rows 3, 4, 5, 6, 7, 8, 9 (quarantined or warned by one check each), 10 and 11 (regex beyond printable ASCII), 12.
    expect(expected.orders!.quarantine.map((q) => q.primary_key.id)).toEqual([
      '10',
      '11',
      '12',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    expect(expected.events!.quarantine).toHaveLength(2);
    const ferryOrders = ferry!.summary.streams.find((s) => s.stream === 'orders')!;
    for (const s of spark) {
      for (const table of ['orders', 'customers', 'events'])
        expect({ engine: s.engine, table, ...s.byTable[table]! }).toEqual({
          engine: s.engine,
          table,
          ...expected[table]!,
        });
      const orders = s.summary.streams.find((x) => x.stream === 'orders')!;
      expect(orders.rowsWarned, s.engine).toBe(ferryOrders.rowsWarned);
      // MySQL marks the rows a row check may fail (2, 3, 4, 5, 6, 9, 10, 11, 12), not every row.
      expect(rechecked(s.summary, 'orders'), s.engine).toBe(9);
      expect(orders.checks, s.engine).toEqual(ferryOrders.checks);
    }
  });

  it('quarantines rows that ferry quarantine replay then loads', async () => {
    const schema = 'replayed';
    const body = 'streams:\n  - { table: policy_cases }\n';
    const spark = await syncBy('spark copy', db, schema, body);
    expect(spark.streams[0]).toMatchObject({ rowsQuarantined: 4 });
    const config = parseConfig(
      `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${body}sync: { invalid_values: "null" }\n`,
      'test.yaml',
      { env: {} },
    );
    const report = await replayQuarantine({
      project: compileProject(config, 'test.yaml'),
      state: ferryState(),
      filter: {},
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams).toEqual([
      expect.objectContaining({ stream: 'policy_cases', replayed: 4, stillFailing: 0 }),
    ]);
    const ids = (await targetRows(db, schema, 'policy_cases')).map((r) => r.id);
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });
});
