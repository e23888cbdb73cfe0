// A cdc stream's overrides travel with its column mappings into the change apply: inserts, updates
// and deletes read from the binlog land in the overridden types, under the renamed columns, without
// the excluded one, as the snapshot landed them; and where: or target_schema: are refused on cdc.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/config/project.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { hasReached } from '../../../src/replication/cdc/positions.js';
import { streamChanges } from '../../../src/replication/cdc/stream.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { repair } from '../../../src/verify/repair.js';
import { verify } from '../../../src/verify/verify.js';
import { streamStatus } from '../../../src/replication/stream-status.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';
import { OVERRIDE_CASES, overriddenSql, overriddenStream } from '../../support/type-cases.js';
import { gtidNow, waitFor } from './support.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('cdc_overrides');
  for (const sql of overriddenSql()) await db.source.query(sql);
});

afterAll(async () => {
  await db?.drop();
});

const config = () => testConfig(db, `streams:\n${overriddenStream('overridden', 'mode: cdc')}\n`);

async function values(id: number): Promise<(string | null)[]> {
  const list = OVERRIDE_CASES.map((_, i) => `r${i}::text AS r${i}`).join(', ');
  const { rows } = await db.target.query(`SELECT ${list} FROM raw.overridden WHERE id = $1`, [id]);
  return rows[0] ? OVERRIDE_CASES.map((_, i) => rows[0][`r${i}`] as string | null) : [];
}

describe('a cdc stream with overrides', () => {
  it('applies inserts, updates and deletes in the overridden types and names', async () => {
    expect((await runSync(config())).status).toBe('succeeded');
    expect(await values(2)).toEqual(OVERRIDE_CASES.map(([, , , pg]) => pg[1]));
    // Row 4 takes row 2's values through the binlog; row 1 takes row 3's (NULLs); row 3 goes.
    const names = OVERRIDE_CASES.map((_, i) => `o${i}`).join(', ');
    await db.source.query(
      `INSERT INTO overridden (id, ${names}, secret) SELECT 4, ${names}, 'x' FROM overridden WHERE id = 2`,
    );
    await db.source.query(
      `UPDATE overridden o JOIN overridden t ON t.id = 3 SET ${OVERRIDE_CASES.map((_, i) => `o.o${i} = t.o${i}`).join(', ')} WHERE o.id = 1`,
    );
    await db.source.query('DELETE FROM overridden WHERE id = 3');
    const caught = await runSync(config());
    expect(caught.streams[0]).toMatchObject({ stream: 'overridden', status: 'succeeded', rowsRead: 3 });
    expect(await values(4)).toEqual(OVERRIDE_CASES.map(([, , , pg]) => pg[1]));
    expect(await values(1)).toEqual(OVERRIDE_CASES.map(() => null));
    expect(await values(3)).toEqual([]);
    const report = await verify({
      ...testProject(config()),
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams[0]).toMatchObject({ status: 'in_sync', missing: 0, different: 0 });
  });

  it('refuses where:, which change events never pass through', () => {
    const cfg = testConfig(db, "streams:\n  - { table: a, mode: cdc, where: 'x > 1' }\n");
    expect(() => compileProject(cfg)).toThrow(/cdc streams cannot take where:/);
  });
});

describe('a cdc stream with a target schema of its own', () => {
  const streams = [
    'streams:',
    '  - { table: own_t, mode: cdc, target_schema: crm, checks: [{ column: v, min: 0 }] }',
    '  - { table: home_t, mode: cdc }',
    'cdc: { batch_wait: 20ms, heartbeat: 500ms }',
    '',
  ].join('\n');
  const cfg = () => testConfig(db, streams);
  const stateOf = (schema: string, table: string) =>
    ferryState().streams.read(db.target, { targetSchema: schema, table });

  it('snapshots, follows, evolves, checks, verifies and repairs it in that schema', async () => {
    await db.source.query('CREATE TABLE own_t (id int PRIMARY KEY, v int)');
    await db.source.query('CREATE TABLE home_t (id int PRIMARY KEY, v int)');
    await db.source.query('INSERT INTO own_t SELECT seq, seq FROM seq_1_to_5');
    await db.source.query('INSERT INTO home_t SELECT seq, seq FROM seq_1_to_5');
    expect((await runSync(cfg())).status).toBe('succeeded');
    expect((await stateOf('crm', 'own_t'))?.binlog.gtid).toBeTruthy();
    expect(await stateOf('raw', 'own_t')).toBeUndefined();
    // caught up by a sync: the changes land in crm, the checkpoint there moves
    await db.source.query('UPDATE own_t SET v = 50 WHERE id = 1');
    await db.source.query('DELETE FROM own_t WHERE id = 2');
    await db.source.query('INSERT INTO home_t VALUES (6, 6)');
    const caught = await runSync(cfg());
    expect(caught.streams.map((s) => [s.stream, s.status, s.rowsRead])).toEqual([
      ['home_t', 'succeeded', 1],
      ['own_t', 'succeeded', 2],
    ]);
    expect((await db.target.query('SELECT id, v FROM crm.own_t ORDER BY id')).rows).toEqual([
      { id: 1, v: 50 },
      { id: 3, v: 3 },
      { id: 4, v: 4 },
      { id: 5, v: 5 },
    ]);
    // followed live: a column added with a default (filled in by key), a row the check sets aside
    const stop = new AbortController();
    const session = streamChanges({ ...testProject(cfg()), logger: silentLogger(), signal: stop.signal });
    try {
      await db.source.query('INSERT INTO home_t VALUES (7, 7)');
      await waitFor(
        'ferry stream follows',
        async () => (await db.target.query('SELECT 1 FROM raw.home_t WHERE id = 7')).rowCount === 1,
        30_000,
        100,
      );
      await db.source.query("ALTER TABLE own_t ADD COLUMN tag varchar(5) NOT NULL DEFAULT 'd'");
      await db.source.query("INSERT INTO own_t VALUES (8, -1, 'bad'), (9, 9, 'ok')");
      const goal = { gtid: await gtidNow(db.source), file: null, position: null };
      await waitFor(
        'both streams apply the source position',
        async () =>
          hasReached((await stateOf('crm', 'own_t'))!.binlog, goal) &&
          hasReached((await stateOf('raw', 'home_t'))!.binlog, goal),
        30_000,
        100,
      );
    } finally {
      stop.abort();
    }
    const summary = await session;
    expect(summary.streams.every((s) => s.status === 'succeeded')).toBe(true);
    expect((await stateOf('crm', 'own_t'))?.lastError).toBeNull();
    expect((await db.target.query('SELECT id, v, tag FROM crm.own_t ORDER BY id')).rows).toEqual([
      { id: 1, v: 50, tag: 'd' },
      { id: 3, v: 3, tag: 'd' },
      { id: 4, v: 4, tag: 'd' },
      { id: 5, v: 5, tag: 'd' },
      { id: 9, v: 9, tag: 'ok' },
    ]);
    const aside = await db.target.query(
      "SELECT target_schema, primary_key->>'id' AS id FROM _ferry.quarantine WHERE stream = 'own_t'",
    );
    expect(aside.rows).toEqual([{ target_schema: 'crm', id: '8' }]);
    const runs = await db.target.query(
      "SELECT DISTINCT target_schema FROM _ferry.stream_runs WHERE target_table = 'own_t'",
    );
    expect(runs.rows).toEqual([{ target_schema: 'crm' }]);
    const lag = await db.target.query(
      "SELECT DISTINCT target_schema FROM _ferry.stream_samples WHERE target_table = 'own_t'",
    );
    expect(lag.rows).toEqual([{ target_schema: 'crm' }]);
    const opts = { ...testProject(cfg()), logger: silentLogger(), signal: new AbortController().signal };
    expect((await verify({ ...opts, streams: ['own_t'] })).streams[0]).toMatchObject({
      status: 'in_sync',
      missing: 0,
      different: 0,
    });
    // repaired there while no ferry stream runs, then caught up from its checkpoint
    await db.target.query('DELETE FROM crm.own_t WHERE id = 3');
    const repaired = await repair({ ...opts, streams: ['crm.own_t'] });
    expect(repaired.streams[0]).toMatchObject({
      stream: 'own_t',
      found: { missing: 1 },
      remaining: { missing: 0 },
    });
    expect((await db.target.query('SELECT v FROM crm.own_t WHERE id = 3')).rows).toEqual([{ v: 3 }]);
    const status = await streamStatus(testProject(cfg()).project, ferryState());
    expect(status.streams.find((s) => s.stream === 'own_t')).toMatchObject({
      mode: 'cdc',
      rows: expect.any(Number),
    });
    expect(status.streams.find((s) => s.stream === 'own_t')?.checkpoint?.gtid).toBeTruthy();
  }, 90_000);
});

describe('a cdc stream whose overridden columns change in the source', () => {
  const streams = [
    'streams:',
    '  - table: ovr_changed',
    '    mode: cdc',
    '    overrides: { label: { type: text, rename: title }, note: { rename: remark } }',
    '  - { table: ovr_other, mode: cdc }',
    '',
  ].join('\n');
  const follow = `${streams}cdc: { batch_wait: 20ms, heartbeat: 500ms }\n`;

  it('keeps a widened column in its overridden type, and stops alone when an overridden column is dropped', async () => {
    await db.source.query(
      'CREATE TABLE ovr_changed (id int PRIMARY KEY, label varchar(10), note varchar(10))',
    );
    await db.source.query("INSERT INTO ovr_changed VALUES (1, 'a', 'n')");
    await db.source.query('CREATE TABLE ovr_other (id int PRIMARY KEY, v int)');
    await db.source.query('INSERT INTO ovr_other VALUES (1, 1)');
    expect((await runSync(testConfig(db, streams))).status).toBe('succeeded');
    // a widening the override already covers: the column stays text, the longer value arrives
    await db.source.query('ALTER TABLE ovr_changed MODIFY label varchar(200)');
    await db.source.query("INSERT INTO ovr_changed VALUES (2, REPEAT('w', 150), 'm')");
    const widened = await runSync(testConfig(db, streams));
    expect(widened.streams.find((s) => s.stream === 'ovr_changed')).toMatchObject({ status: 'succeeded' });
    const { rows: types } = await db.target.query<{ t: string }>(
      "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'raw.ovr_changed'::regclass AND attname = 'title'",
    );
    expect(types).toEqual([{ t: 'text' }]);
    expect(
      (await db.target.query('SELECT length(title) AS n FROM raw.ovr_changed WHERE id = 2')).rows,
    ).toEqual([{ n: 150 }]);
    // the column an override names is dropped while ferry stream follows: the override no longer
    // fits; that stream stops with what to do, the other goes on
    const stop = new AbortController();
    const session = streamChanges({
      ...testProject(testConfig(db, follow)),
      logger: silentLogger(),
      signal: stop.signal,
    });
    // following: a row written now arrives before the statement
    await db.source.query('INSERT INTO ovr_other VALUES (10, 10)');
    await waitFor(
      'ferry stream follows',
      async () => (await db.target.query('SELECT 1 FROM raw.ovr_other WHERE id = 10')).rowCount === 1,
      30_000,
      100,
    );
    await db.source.query('ALTER TABLE ovr_changed DROP COLUMN note');
    await db.source.query("INSERT INTO ovr_changed VALUES (3, 'c')");
    await db.source.query('INSERT INTO ovr_other VALUES (2, 2)');
    const goal = { gtid: await gtidNow(db.source), file: null, position: null };
    try {
      await waitFor(
        'the streams follow or stop',
        async () => {
          const all = await ferryState().streams.list(db.target, 'raw');
          const of = (t: string) => all.find((s) => s.table === t);
          return of('ovr_changed')?.lastError != null && hasReached(of('ovr_other')!.binlog, goal);
        },
        30_000,
        200,
      );
    } finally {
      stop.abort();
    }
    const summary = await session;
    const changed = summary.streams.find((s) => s.stream === 'ovr_changed')!;
    expect(changed.status).toBe('failed');
    const saved = await ferryState().streams.read(db.target, { targetSchema: 'raw', table: 'ovr_changed' });
    expect(saved?.lastError).toContain('streams[0].overrides.note: ovr_changed has no column note');
    expect(saved?.lastError).toContain('change the stream in ferry.yaml');
    expect(summary.streams.find((s) => s.stream === 'ovr_other')?.status).not.toBe('failed');
    expect((await db.target.query('SELECT id FROM raw.ovr_other ORDER BY id')).rows).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 10 },
    ]);
    // a sync with the same ferry.yaml refuses it before copying anything, as for any stream
    await expect(runSync(testConfig(db, streams))).rejects.toThrow(
      /overrides of streams\[0\] do not fit ovr_changed/,
    );
  }, 60_000);
});
