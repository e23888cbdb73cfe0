// Schema changes while changes flow: a writer keeps inserting and updating rows of seven tables while
// a running cdc session meets ALTER TABLE (a column added, with and without a default; a column
// dropped; a varchar widened; int to bigint; int to varchar), a column and a table renamed, and TRUNCATE (hard
// deletes: the target emptied; soft deletes: its rows marked). Followed changes leave the target
// equal to the source (verify); the others stop their stream, alone, with what happened and what
// to run, while the other streams go on. Widening a column in place is the widening function's
// (replication/widen.ts, from branch loss); without it the stream stops on the type change instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChanges } from '../../../src/replication/cdc/stream.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { FollowSummary } from '../../../src/replication/cdc/session.js';
import { hasReached } from '../../../src/replication/cdc/positions.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig, testProject } from '../../support/sync.js';
import { gtidNow, startWriters, verifyConfig, verifyProblems, waitFor, type Writers } from './support.js';

const TABLES = [
  'added',
  'dropped',
  'widened',
  'bigger',
  'narrowed',
  'colren',
  'renamed',
  'emptied',
  'marked',
];
let db: TestDatabases;
const STREAMS = `streams:\n  - { table: "*", mode: cdc, exclude: [marked] }\n  - { table: marked, mode: cdc, deletes: soft }\ncdc: { batch_wait: 20ms, heartbeat: 500ms }\n`;
const config = () => testConfig(db, STREAMS, 'raw');

let session: Promise<FollowSummary>;
const stop = new AbortController();
let writers: Writers;
const writing = new Set(TABLES);

beforeAll(async () => {
  db = await createTestDatabases('cdc_ddl');
  for (const t of TABLES)
    await db.source.query(
      `CREATE TABLE ${t} (id int PRIMARY KEY, v int NOT NULL, label varchar(10), n int, extra varchar(20))`,
    );
  for (const t of TABLES)
    await db.source.query(`INSERT INTO ${t} SELECT seq, 0, 'a', seq, 'x' FROM seq_1_to_20`);
  const first = await runSync(config());
  expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
  session = streamChanges({ ...testProject(config()), logger: silentLogger(), signal: stop.signal });
  // the writer touches only id and v, which every table keeps, and rows 1 to 10 of the first 20
  let next = 1000;
  writers = await startWriters(db.mysql, 1, async (c, _w, round) => {
    for (const t of writing) {
      await c.query(`INSERT INTO ${t} (id, v) VALUES (?, ?)`, [next++, round]);
      await c.query(`UPDATE ${t} SET v = v + 1 WHERE id = ?`, [1 + (round % 10)]);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const s = db.source;
  await s.query('ALTER TABLE added ADD COLUMN note varchar(30) NULL');
  await s.query('ALTER TABLE added ADD COLUMN qty int NOT NULL DEFAULT 7');
  await s.query('ALTER TABLE dropped DROP COLUMN extra');
  await s.query('ALTER TABLE widened MODIFY label varchar(200)');
  await s.query('ALTER TABLE bigger MODIFY n bigint');
  await s.query('ALTER TABLE narrowed MODIFY n varchar(12)');
  await s.query('ALTER TABLE colren RENAME COLUMN label TO title');
  writing.delete('renamed');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await s.query('RENAME TABLE renamed TO renamed_now');
  await s.query('TRUNCATE TABLE emptied');
  await s.query('TRUNCATE TABLE marked');
  // values only the new schema can hold
  await s.query(`UPDATE added SET note = 'after', qty = 8 WHERE id = 3`);
  await s.query(`INSERT INTO widened (id, v, label) VALUES (5000, 1, REPEAT('w', 150))`);
  await s.query('INSERT INTO bigger (id, v, n) VALUES (5000, 1, 9000000000)');
  await s.query(`INSERT INTO narrowed (id, v, n) VALUES (5000, 1, 'twelve chars')`);
  await s.query(`INSERT INTO marked (id, v, label) VALUES (7, 1, 'again')`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await writers.stop();
  expect(writers.errors).toEqual([]);
  const goal = { gtid: await gtidNow(db.source), file: null, position: null };
  // every stream has applied the source's position, or stopped
  await waitFor(
    'the streams follow or stop',
    async () => {
      const streams = await ferryState().streams.list(db.target, 'raw');
      return streams.every((s) => s.lastError !== null || hasReached(s.binlog, goal));
    },
    60_000,
    200,
  );
  stop.abort();
}, 120_000);

afterAll(async () => {
  stop.abort();
  await session?.catch(() => undefined);
  await db?.drop();
});

const streamState = (table: string) => ferryState().streams.read(db.target, { targetSchema: 'raw', table });

describe('a cdc session meeting schema changes while changes flow', () => {
  it('ends cleanly, the stopped streams reported failed', async () => {
    const summary = await session;
    const failed = summary.streams.filter((s) => s.status === 'failed').map((s) => s.stream);
    expect(failed.sort()).toEqual(['colren', 'narrowed', 'renamed']);
  });

  it('adds a new column, with the default the source gave existing rows', async () => {
    expect((await streamState('added'))?.lastError).toBeNull();
    expect(verifyProblems(await verifyConfig(config(), ['added']))).toEqual([]);
    const rows = await targetRows(db, 'raw', 'added');
    expect(rows.find((r) => r.id === '3')).toMatchObject({ note: 'after', qty: '8' });
    expect(rows.find((r) => r.id === '20')).toMatchObject({ note: null, qty: '7' });
  });

  it('follows two ALTERs of a table it reads later, the catalog already past both', async () => {
    const s = db.source;
    // the session is stopped: these are read from the binlog by the next sync, which sees the
    // catalog with both columns at the first statement already
    await s.query('ALTER TABLE added ADD COLUMN z int NOT NULL DEFAULT 3');
    await s.query('UPDATE added SET v = v + 1 WHERE id = 1');
    await s.query(`ALTER TABLE added ADD COLUMN y varchar(5) DEFAULT 'yy'`);
    await s.query('UPDATE added SET v = v + 1 WHERE id = 2');
    await s.query(`UPDATE added SET y = 'new' WHERE id = 4`);
    const summary = await runSync(config());
    expect(summary.streams.find((r) => r.stream === 'added')?.status).toBe('succeeded');
    expect((await streamState('added'))?.lastError).toBeNull();
    expect(verifyProblems(await verifyConfig(config(), ['added']))).toEqual([]);
    const rows = await targetRows(db, 'raw', 'added');
    expect(rows.find((r) => r.id === '1')).toMatchObject({ z: '3', y: 'yy' });
    expect(rows.find((r) => r.id === '4')).toMatchObject({ z: '3', y: 'new' });
  });

  it('keeps a dropped column, NULL in rows written after the drop', async () => {
    expect((await streamState('dropped'))?.lastError).toBeNull();
    expect(verifyProblems(await verifyConfig(config(), ['dropped']))).toEqual([]);
    const rows = await targetRows(db, 'raw', 'dropped');
    expect(rows.find((r) => r.id === '20')?.extra).toBe('x');
    expect(rows.filter((r) => Number(r.id) >= 1000).every((r) => r.extra === null)).toBe(true);
  });

  it('widens a varchar in place (replication/widen.ts)', async () => {
    expect((await streamState('widened'))?.lastError).toBeNull();
    expect(verifyProblems(await verifyConfig(config(), ['widened']))).toEqual([]);
    expect((await targetRows(db, 'raw', 'widened')).find((r) => r.id === '5000')?.label).toBe(
      'w'.repeat(150),
    );
  });

  it('widens int to bigint in place', async () => {
    expect((await streamState('bigger'))?.lastError).toBeNull();
    expect(verifyProblems(await verifyConfig(config(), ['bigger']))).toEqual([]);
    expect((await targetRows(db, 'raw', 'bigger')).find((r) => r.id === '5000')?.n).toBe('9000000000');
  });

  it('stops on a type change that could lose values, with what to do', async () => {
    const state = await streamState('narrowed');
    expect(state?.lastError).toMatch(
      /narrowed\.n: the source type changed to varchar\(12\) \(character varying\(12\)\), but the target column is integer, which cannot hold every value of it/,
    );
    expect(state?.lastError).toMatch(/ferry sync --full-refresh --streams narrowed/);
    // the stream's checkpoint stays before the statement: nothing after it was applied
    expect((await targetRows(db, 'raw', 'narrowed')).some((r) => r.id === '5000')).toBe(false);
  });

  it('stops on a renamed column or table with what to do', async () => {
    expect((await streamState('colren'))?.lastError).toMatch(/label\b.*renamed/i);
    const renamed = await streamState('renamed');
    expect(renamed?.lastError).toMatch(/renamed in the source to renamed_now/);
    expect(renamed?.lastError).toMatch(/table: in ferry.yaml/);
  });

  it('empties the target on TRUNCATE, and marks its rows under soft deletes', async () => {
    expect(verifyProblems(await verifyConfig(config(), ['emptied']))).toEqual([]);
    const emptied = await targetRows(db, 'raw', 'emptied');
    expect(emptied.every((r) => Number(r.id) >= 1000)).toBe(true);
    const { rows } = await db.target.query<{ id: number; deleted: boolean; label: string | null }>(
      'SELECT id, _ferry_deleted_at IS NOT NULL AS deleted, label FROM raw.marked ORDER BY id',
    );
    // the rows before the TRUNCATE are kept, marked; those written after it are live
    const [[{ n }]] = (await db.source.query('SELECT COUNT(*) AS n FROM marked')) as unknown as [
      [{ n: number }],
    ];
    expect(rows.filter((r) => !r.deleted).length).toBe(Number(n));
    expect(rows.find((r) => r.id === 7)).toMatchObject({ deleted: false, label: 'again' });
    expect(rows.filter((r) => r.id <= 20 && r.id !== 7).every((r) => r.deleted)).toBe(true);
  });
});
