// Widening in the source that cannot lose a value (int -> bigint, smallint -> int, a longer varchar,
// a larger decimal, float -> double, more fractional seconds) is followed under the default
// schema_changes: evolve, in place, with the views on the target table (and views on those, and a
// materialized view) dropped and created again with their privileges and comments; a narrowing
// still stops the stream, and the human summary shows its hint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/cli/sync.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: w, mode: incremental, cursor: updated_at }\n  - { table: f, mode: full_refresh }\n',
  );

async function types(table: string): Promise<Record<string, string>> {
  const { rows } = await db.target.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_ferry%'`,
    [`raw.${table}`],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

beforeAll(async () => {
  db = await createTestDatabases('widen');
  await db.source.query(
    'CREATE TABLE w (id int PRIMARY KEY, qty int, small smallint, name varchar(10), price decimal(8,2), ratio float, seen datetime, updated_at datetime(6) NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO w VALUES (1, 7, 3, 'short', 123456.78, 0.5, '2024-01-01 10:00:00', '2024-01-01')",
  );
  await db.source.query('CREATE TABLE f (id int PRIMARY KEY, qty int)');
  await db.source.query('INSERT INTO f VALUES (1, 1), (2, 2)');
  expect((await runSync(config())).status).toBe('succeeded');
  // The target's users built on the tables.
  await db.target.query('CREATE VIEW raw.w_names AS SELECT id, name, qty FROM raw.w');
  await db.target.query('GRANT SELECT ON raw.w_names TO PUBLIC');
  await db.target.query("COMMENT ON VIEW raw.w_names IS 'names for the report'");
  await db.target.query("COMMENT ON COLUMN raw.w_names.qty IS 'how many'");
  await db.target.query('CREATE VIEW raw.w_big AS SELECT * FROM raw.w_names WHERE qty > 100');
  await db.target.query('CREATE MATERIALIZED VIEW raw.w_prices AS SELECT id, price FROM raw.w');
  await db.target.query('CREATE UNIQUE INDEX w_prices_id ON raw.w_prices (id)');
  await db.target.query('CREATE VIEW raw.f_view AS SELECT qty FROM raw.f');
});

afterAll(async () => {
  await db?.drop();
});

describe('a widening in the source', () => {
  it('is followed in place under evolve, the views on the table kept with their privileges', async () => {
    await db.source.query(
      'ALTER TABLE w MODIFY qty bigint, MODIFY small int, MODIFY name varchar(200), MODIFY price decimal(12,4), MODIFY ratio double, MODIFY seen datetime(3)',
    );
    await db.source.query(
      `INSERT INTO w VALUES (2, 50000000000, 100000, '${'n'.repeat(150)}', 12345678.1234, 0.1, '2024-01-02 10:00:00.123', '2024-02-01')`,
    );
    const summary = await runSync(config());
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    const warnings = summary.streams.find((s) => s.stream === 'w')!.warnings.join('\n');
    expect(warnings).toMatch(
      /widened qty integer -> bigint, small smallint -> integer, name character varying\(10\) -> character varying\(200\)/,
    );
    expect(warnings).toMatch(/raw\.w was rewritten under an exclusive lock/);
    expect(warnings).toMatch(/views raw\.w_names, raw\.w_prices, raw\.w_big dropped and created again/);
    expect(renderSummary(summary)).toContain('rewritten under an exclusive lock');

    expect(await types('w')).toEqual({
      id: 'integer',
      qty: 'bigint',
      small: 'integer',
      name: 'character varying(200)',
      price: 'numeric(12,4)',
      ratio: 'double precision',
      seen: 'timestamp(3) without time zone',
      updated_at: 'timestamp(6) without time zone',
    });
    const { rows } = await db.target.query(
      'SELECT id, qty::text, small, length(name) AS n, price::text, seen::text FROM raw.w ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, qty: '7', small: 3, n: 5, price: '123456.7800', seen: '2024-01-01 10:00:00' },
      {
        id: 2,
        qty: '50000000000',
        small: 100000,
        n: 150,
        price: '12345678.1234',
        seen: '2024-01-02 10:00:00.123',
      },
    ]);
    // The views are back, on the new types, with their privileges, comments and index (the
    // materialized view filled again as of the widening: its rows are refreshed by its owner).
    const { rows: big } = await db.target.query('SELECT id, qty::text FROM raw.w_big');
    expect(big).toEqual([{ id: 2, qty: '50000000000' }]);
    const { rows: view } = await db.target.query(
      `SELECT has_table_privilege('public', 'raw.w_names', 'SELECT') AS public_select,
              obj_description('raw.w_names'::regclass, 'pg_class') AS comment,
              col_description('raw.w_names'::regclass, 3) AS qty_comment,
              (SELECT count(*)::int FROM raw.w_prices) AS prices,
              (SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'raw' AND indexname = 'w_prices_id') AS index`,
    );
    expect(view).toEqual([
      { public_select: true, comment: 'names for the report', qty_comment: 'how many', prices: 1, index: 1 },
    ]);
  });

  it('is followed by a full refresh whose table a view keeps', async () => {
    await db.source.query('ALTER TABLE f MODIFY qty bigint');
    await db.source.query('INSERT INTO f VALUES (3, 9000000000)');
    const summary = await runSync(config(), { streams: ['f'] });
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    expect(summary.streams[0]!.warnings.join()).toMatch(/widened qty integer -> bigint.*views raw\.f_view/);
    const { rows } = await db.target.query('SELECT qty::text FROM raw.f_view ORDER BY 1');
    expect(rows.map((r) => r.qty)).toEqual(['1', '2', '9000000000']);
  });
});

describe('a type change that could lose values', () => {
  it('stops the stream under evolve, and the human summary says what to do', async () => {
    await db.source.query('ALTER TABLE w MODIFY ratio float');
    const summary = await runSync(config(), { streams: ['w'] });
    expect(summary.status).toBe('failed');
    expect(summary.streams[0]!.error).toMatch(
      /w\.ratio: the source type changed to float \(real\), but the target column is double precision, which cannot hold every value of it/,
    );
    expect(renderSummary(summary)).toMatch(/hint: w: set sync\.schema_changes: rebuild/);
  });
});
