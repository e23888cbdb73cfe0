// A stream's where: runs in the source queries: a full refresh copies only the rows meeting it; an
// incremental one copies those past the mark, and a row that later leaves the filter is deleted
// (deletes: hard), marked (soft) or kept as last copied (ignore); verify applies the same filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;

const STREAMS = [
  'streams:',
  "  - { table: full_t, where: \"kind = 'a' OR kind = 'b'\" }",
  '  - { table: hard_t, mode: incremental, cursor: updated_at, deletes: hard, where: "kind <> \'x\'" }',
  '  - { table: soft_t, mode: incremental, cursor: updated_at, deletes: soft, where: "kind <> \'x\'" }',
  '  - { table: kept_t, mode: incremental, cursor: updated_at, where: "kind <> \'x\'" }',
  '',
].join('\n');

const config = () => testConfig(db, STREAMS);

async function ids(table: string, live = false): Promise<number[]> {
  const { rows } = await db.target.query<{ id: number }>(
    `SELECT id FROM raw.${table}${live ? ' WHERE _ferry_deleted_at IS NULL' : ''} ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

async function verdicts() {
  const report = await verify({
    ...testProject(config()),
    logger: silentLogger(),
    signal: new AbortController().signal,
  });
  return Object.fromEntries(report.streams.map((s) => [s.stream, [s.status, s.extra, s.expected]]));
}

beforeAll(async () => {
  db = await createTestDatabases('filters');
  for (const t of ['full_t', 'hard_t', 'soft_t', 'kept_t']) {
    await db.source.query(
      `CREATE TABLE ${t} (id int PRIMARY KEY, kind char(1), updated_at datetime(6) NOT NULL)`,
    );
    await db.source.query(
      `INSERT INTO ${t} VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-01'), (3, 'x', '2024-01-01'), (4, 'c', '2024-01-01')`,
    );
  }
  expect((await runSync(config())).status).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

describe('a stream filter (where:)', () => {
  it('copies only the rows that meet it, and verify compares only those', async () => {
    expect(await ids('full_t')).toEqual([1, 2]);
    expect(await ids('hard_t')).toEqual([1, 2, 4]);
    expect(await verdicts()).toEqual({
      full_t: ['in_sync', 0, 0],
      hard_t: ['in_sync', 0, 0],
      soft_t: ['in_sync', 0, 0],
      kept_t: ['in_sync', 0, 0],
    });
  });

  it('follows rows that enter it and leave it, by the stream’s deletes', async () => {
    for (const t of ['full_t', 'hard_t', 'soft_t', 'kept_t']) {
      await db.source.query(`UPDATE ${t} SET kind = 'x', updated_at = '2024-02-01' WHERE id = 1`);
      await db.source.query(`UPDATE ${t} SET kind = 'a', updated_at = '2024-02-01' WHERE id = 3`);
    }
    expect((await runSync(config())).status).toBe('succeeded');
    expect(await ids('full_t')).toEqual([2, 3]);
    expect(await ids('hard_t')).toEqual([2, 3, 4]);
    expect(await ids('soft_t', true)).toEqual([2, 3, 4]);
    expect(await ids('soft_t')).toEqual([1, 2, 3, 4]);
    expect(await ids('kept_t')).toEqual([1, 2, 3, 4]);
    // The row kept under deletes: ignore is expected, not a difference.
    expect(await verdicts()).toEqual({
      full_t: ['in_sync', 0, 0],
      hard_t: ['in_sync', 0, 0],
      soft_t: ['in_sync', 0, 0],
      kept_t: ['in_sync', 0, 1],
    });
  });
});
