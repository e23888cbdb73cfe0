// Names longer than PostgreSQL's 63 bytes (MySQL counts 64 characters; 30 CJK characters are 90
// bytes): tables, columns, indexes and ferry's staging names are mapped deterministically and
// without collisions, and the first sync, later incremental syncs, a full refresh, verify and
// replay all work; verify never calls a column in sync that it did not compare.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifier } from '../../../src/schema/identifiers.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { replayQuarantine } from '../../../src/replication/replay.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;
const TABLE = '注文履歴'.repeat(7) + '一覧'; // 30 characters, 90 bytes
const ADDRESS = '配送先住所'.repeat(6); // 30 characters
const UPDATED = '最終更新日時'.repeat(4); // the cursor, 24 characters
// Two 64-character names that PostgreSQL would cut to the same 63 bytes.
const LONG_A = 'shipping_address_line_for_international_orders_and_returns_'.padEnd(63, 'x') + 'a';
const LONG_B = LONG_A.slice(0, 63) + 'b';
const INDEX = 'index_on_the_delivery_address_of_orders_placed_from_abroad_'.padEnd(64, 'i');
const FULL = 'a_full_refresh_table_whose_name_is_as_long_as_mysql_allows_it_x'; // 64 characters

const mysqlName = (n: string) => '`' + n + '`';
const pgName = (n: string) => '"' + n + '"';
const streams = (checks = true) =>
  `streams:\n  - table: "${TABLE}"\n    mode: incremental\n    cursor: "${UPDATED}"\n    deletes: hard\n` +
  (checks ? `    checks: [{ column: "${ADDRESS}", not_null: true }]\n` : '') +
  `  - { table: "${FULL}" }\n`;

beforeAll(async () => {
  db = await createTestDatabases('names');
  await db.source.query(
    `CREATE TABLE ${mysqlName(TABLE)} (id int PRIMARY KEY, ${mysqlName(ADDRESS)} varchar(100), ${mysqlName(LONG_A)} int, ${mysqlName(LONG_B)} int, ${mysqlName(UPDATED)} datetime(6) NOT NULL, KEY ${mysqlName(INDEX)} (${mysqlName(ADDRESS)}))`,
  );
  await db.source.query(
    `INSERT INTO ${mysqlName(TABLE)} VALUES (1, '東京都', 1, 10, '2024-01-01'), (2, '大阪府', 2, 20, '2024-01-02'), (3, NULL, 3, 30, '2024-01-03')`,
  );
  await db.source.query(
    `CREATE TABLE ${mysqlName(FULL)} (${mysqlName(LONG_A)} int PRIMARY KEY, ${mysqlName(LONG_B)} text)`,
  );
  await db.source.query(`INSERT INTO ${mysqlName(FULL)} VALUES (1, 'one'), (2, 'two')`);
});

afterAll(async () => {
  await db?.drop();
});

async function targetColumns(table: string): Promise<string[]> {
  const { rows } = await db.target.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [`raw.${pgName(table)}`],
  );
  return rows.map((r) => r.name);
}

describe('names longer than PostgreSQL keeps', () => {
  const target = identifier(TABLE);

  it('are mapped to distinct names of at most 63 bytes, the same on every run', () => {
    for (const name of [TABLE, ADDRESS, UPDATED, LONG_A, LONG_B, INDEX, FULL]) {
      expect(Buffer.byteLength(identifier(name))).toBeLessThanOrEqual(63);
      expect(identifier(name)).toBe(identifier(name));
    }
    expect(identifier(LONG_A)).not.toBe(identifier(LONG_B));
    expect(identifier(TABLE).startsWith('注文履歴')).toBe(true);
    expect(identifier('short')).toBe('short');
  });

  it('load on the first sync, with every column and the index under its mapped name', async () => {
    const summary = await runSync(testConfig(db, streams()));
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.map((s) => s.stream).sort()).toEqual([identifier(FULL), target].sort());
    expect(await targetColumns(target)).toEqual([
      'id',
      identifier(ADDRESS),
      identifier(LONG_A),
      identifier(LONG_B),
      identifier(UPDATED),
      '_ferry_synced_at',
      '_ferry_deleted_at',
    ]);
    const { rows: indexes } = await db.target.query<{ n: string }>(
      `SELECT indexname AS n FROM pg_indexes WHERE schemaname = 'raw' AND tablename = $1 ORDER BY 1`,
      [target],
    );
    expect(indexes.map((i) => i.n)).toEqual(
      [identifier(`${target}_${INDEX}`), identifier(`${target}_pkey`)].sort(),
    );
    const { rows } = await db.target.query(
      `SELECT id, ${pgName(identifier(ADDRESS))} AS a, ${pgName(identifier(LONG_A))} AS x, ${pgName(identifier(LONG_B))} AS y FROM raw.${pgName(target)} ORDER BY id`,
    );
    // Row 3 has no address: the not_null check quarantined it.
    expect(rows).toEqual([
      { id: 1, a: '東京都', x: 1, y: 10 },
      { id: 2, a: '大阪府', x: 2, y: 20 },
    ]);
  });

  it('follow inserts, updates and deletes on later incremental syncs', async () => {
    await db.source.query(`INSERT INTO ${mysqlName(TABLE)} VALUES (4, '北海道', 4, 40, '2024-02-01')`);
    await db.source.query(
      `UPDATE ${mysqlName(TABLE)} SET ${mysqlName(LONG_B)} = 21, ${mysqlName(UPDATED)} = '2024-02-02' WHERE id = 2`,
    );
    await db.source.query(`DELETE FROM ${mysqlName(TABLE)} WHERE id = 1`);
    for (let run = 0; run < 2; run++) {
      const summary = await runSync(testConfig(db, streams()));
      expect(summary.status).toBe('succeeded');
      expect(summary.streams.find((s) => s.stream === target)?.mode).toBe('incremental');
    }
    const { rows } = await db.target.query(
      `SELECT id, ${pgName(identifier(LONG_B))} AS y FROM raw.${pgName(target)} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 2, y: 21 },
      { id: 4, y: 40 },
    ]);
  });

  it('copy in full again through the staging table and swap', async () => {
    const summary = await runSync(testConfig(db, streams()), { fullRefresh: true });
    expect(summary.status).toBe('succeeded');
    expect((await runSync(testConfig(db, streams()))).status).toBe('succeeded');
  });

  it('replay a quarantined row into the mapped columns', async () => {
    await db.source.query(`UPDATE ${mysqlName(TABLE)} SET ${mysqlName(ADDRESS)} = '京都府' WHERE id = 3`);
    const { project, state } = testProject(testConfig(db, streams(false)));
    // The stored row still has no address; without the check it passes now.
    const report = await replayQuarantine({
      project,
      state,
      filter: {},
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams).toEqual([expect.objectContaining({ stream: target, replayed: 1 })]);
    const { rows } = await db.target.query(
      `SELECT id, ${pgName(identifier(ADDRESS))} AS a FROM raw.${pgName(target)} WHERE id = 3`,
    );
    expect(rows).toEqual([{ id: 3, a: null }]);
    // The source row changed meanwhile; the next sync brings it.
    await db.source.query(`UPDATE ${mysqlName(TABLE)} SET ${mysqlName(UPDATED)} = '2024-03-01' WHERE id = 3`);
    expect((await runSync(testConfig(db, streams(false)))).status).toBe('succeeded');
  });

  it('verify in sync comparing every column, and find a difference in a mapped one', async () => {
    const { project, state } = testProject(testConfig(db, streams(false)));
    const run = () =>
      verify({ project, state, logger: silentLogger(), signal: new AbortController().signal });
    const clean = await run();
    expect(clean.streams.map((s) => [s.stream, s.status, s.notes])).toEqual(
      [
        [target, 'in_sync', []],
        [identifier(FULL), 'in_sync', []],
      ].sort(),
    );
    await db.target.query(
      `UPDATE raw.${pgName(target)} SET ${pgName(identifier(ADDRESS))} = '違う' WHERE id = 2`,
    );
    const changed = await run();
    const stream = changed.streams.find((s) => s.stream === target)!;
    expect(stream.status).toBe('different');
    expect(stream.samples.different[0]?.columns.map((c) => c.column)).toEqual([ADDRESS]);
  });

  it('verify never says in sync for a source column the target lacks', async () => {
    await db.target.query(`ALTER TABLE raw.${pgName(target)} DROP COLUMN ${pgName(identifier(LONG_A))}`);
    await db.target.query(
      `UPDATE raw.${pgName(target)} SET ${pgName(identifier(ADDRESS))} = '大阪府' WHERE id = 2`,
    );
    const { project, state } = testProject(testConfig(db, streams(false)));
    const report = await verify({
      project,
      state,
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    const stream = report.streams.find((s) => s.stream === target)!;
    expect(stream.status).toBe('different');
    expect(stream.notes.join()).toMatch(/not compared/);
    expect(report.inSync).toBe(false);
  });
});
