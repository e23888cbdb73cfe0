// Late commits: writers whose transactions stay open across several syncs (longer than the default
// lookback) commit rows whose cursor is already below the mark; none of them may be lost, for a
// temporal cursor (updated_at) and for an auto-increment id, and the incremental runs stay small.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../../src/replication/run.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const OLD_ROWS = 20_000;
/** Longer than the default lookback (5 s), so the lookback alone cannot be what saves the rows. */
const HOLD_MS = 7_000;
const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: by_time, mode: incremental, cursor: updated_at }\n  - { table: by_id, mode: incremental, cursor: id }\n',
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const writerConnection = () => mysql.createConnection({ uri: db.mysqlUrl });

/** Connections of the test's writers, destroyed if the test fails (an open one would block the drop). */
const writers = new Set<mysql.Connection>();

/** Inserts one row into each table and updates old row `oldId`, in an open transaction; commit() ends it. */
async function openWrite(label: string, oldId: number) {
  const c = await writerConnection();
  writers.add(c);
  await c.query('BEGIN');
  await c.query('INSERT INTO by_time (payload) VALUES (?)', [label]);
  await c.query('INSERT INTO by_id (payload) VALUES (?)', [label]);
  // An update of an old row in the same transaction: its new value must arrive too.
  await c.query('UPDATE by_time SET payload = ? WHERE id = ?', [label, oldId]);
  const opened = Date.now();
  return {
    async commit(atLeastMs: number) {
      await sleep(Math.max(0, atLeastMs - (Date.now() - opened)));
      await c.query('COMMIT');
      await c.end();
      writers.delete(c);
    },
  };
}

/** Background writers: short transactions (0-400 ms) that commit out of cursor order. */
function backgroundWriters(count: number) {
  let stop = false;
  const written = { n: 0 };
  const loops = Array.from({ length: count }, async (_, w) => {
    const c = await writerConnection();
    writers.add(c);
    try {
      while (!stop) {
        await c.query('BEGIN');
        await c.query('INSERT INTO by_time (payload) VALUES (?)', [`bg ${w}`]);
        await c.query('INSERT INTO by_id (payload) VALUES (?)', [`bg ${w}`]);
        await sleep(Math.random() * 400);
        await c.query('COMMIT');
        written.n++;
      }
    } finally {
      await c.end();
      writers.delete(c);
    }
  });
  return {
    written,
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

async function sourceRows(table: string): Promise<string[]> {
  const [rows] = await db.source.query(
    `SELECT CONCAT(id, ' ', payload${table === 'by_time' ? ", ' ', updated_at" : ''}) AS r FROM ${table} ORDER BY id`,
  );
  return (rows as { r: string }[]).map((r) => r.r);
}

async function targetRowsOf(table: string): Promise<string[]> {
  const { rows } = await db.target.query<{ r: string }>(
    `SELECT concat(id, ' ', payload${table === 'by_time' ? ", ' ', to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US')" : ''}) AS r FROM raw.${table} ORDER BY id`,
  );
  return rows.map((r) => r.r);
}

beforeAll(async () => {
  db = await createTestDatabases('late');
  await db.source.query(
    'CREATE TABLE by_time (id bigint AUTO_INCREMENT PRIMARY KEY, payload varchar(40), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at))',
  );
  await db.source.query('CREATE TABLE by_id (id bigint AUTO_INCREMENT PRIMARY KEY, payload varchar(40))');
  // Old rows, so a lookback that re-read everything would show in the incremental runs' counts.
  await db.source.query(
    `INSERT INTO by_time (payload, updated_at) SELECT CONCAT('old ', seq), '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${OLD_ROWS}`,
  );
  await db.source.query(`INSERT INTO by_id (payload) SELECT CONCAT('old ', seq) FROM seq_1_to_${OLD_ROWS}`);
});

afterAll(async () => {
  for (const c of writers) c.destroy();
  await db?.drop();
});

describe('incremental streams with writers that commit late', () => {
  it('lose no row, although transactions stay open across several syncs, and re-read little', async () => {
    const background = backgroundWriters(4);
    const runs: SyncSummary[] = [];
    try {
      // A transaction open during the first (full) load, and one open across two incremental runs.
      const duringFirstLoad = await openWrite('open during the first load', 1);
      await sleep(300);
      runs.push(await runSync(config()));
      const acrossRuns = await openWrite('open across two runs', 2);
      await sleep(1_000);
      runs.push(await runSync(config()));
      await duringFirstLoad.commit(HOLD_MS);
      await sleep(500);
      runs.push(await runSync(config()));
      await acrossRuns.commit(HOLD_MS);
      await sleep(500);
      runs.push(await runSync(config()));
    } finally {
      await background.stop();
    }
    expect(background.written.n).toBeGreaterThan(20);
    runs.push(await runSync(config()));
    for (const run of runs) expect(run.status).toBe('succeeded');

    expect(await targetRowsOf('by_time')).toEqual(await sourceRows('by_time'));
    expect(await targetRowsOf('by_id')).toEqual(await sourceRows('by_id'));
    // The late rows arrived by being read again, not by re-reading the table: every incremental run
    // read a small part of it (the old rows are never read again).
    for (const run of runs.slice(1))
      for (const s of run.streams) {
        expect(s.mode).toBe('incremental');
        expect(s.rowsRead).toBeLessThan(OLD_ROWS / 10);
      }
  });
});
