// Configuration mistakes a user makes in the first week, through the real CLI on the real servers:
// a schema ferry uses for itself, the same table in two streams, an incremental stream that cannot
// be incremental (a configuration error unless the stream opts into the full-copy fallback), and
// settings that do nothing (warnings).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { expectUsageError, mistakeFixture, type MistakeFixture } from './fixture.js';

let f: MistakeFixture;

beforeAll(async () => {
  f = await mistakeFixture('config');
  // `runs` is also the name of one of ferry's state tables.
  await f.db.source.query('CREATE TABLE runs (id int PRIMARY KEY, label varchar(20))');
  await f.db.source.query("INSERT INTO runs VALUES (1, 'first')");
  await f.db.source.query(
    'CREATE TABLE notes (id int PRIMARY KEY, body text, tag varchar(10), updated_at datetime NOT NULL)',
  );
  await f.db.source.query(
    "INSERT INTO notes VALUES (1, 'one', 'a', '2026-01-01'), (2, 'two', 'b', '2026-01-02')",
  );
  await f.db.source.query('CREATE TABLE loose (a int, b int)');
  await f.db.source.query('INSERT INTO loose VALUES (1, 1), (2, 2)');
});
afterAll(() => f?.cleanup());

const relationExists = async (name: string) =>
  (await f.db.target.query('SELECT to_regclass($1) AS r', [name])).rows[0].r !== null;

describe('schemas ferry uses for itself are refused (exit 2), before anything is written', () => {
  it('target.schema: _ferry', async () => {
    // Before ferry refused it, the source table runs replaced ferry's own _ferry.runs.
    const result = await runFerry(['-c', f.config(undefined, { schema: '_ferry' }), 'sync']);
    expectUsageError(result, /:\d+:\d+ target\.schema: _ferry is ferry's own schema/);
    expect(await relationExists('_ferry.runs')).toBe(false);
  });

  it('target.schema starting with _ferry, or pg_', async () => {
    expectUsageError(
      await runFerry(['-c', f.config(undefined, { schema: '_ferry_queue' }), 'sync']),
      /target\.schema: _ferry_queue .*ferry's own/,
    );
    expectUsageError(
      await runFerry(['-c', f.config(undefined, { schema: 'pg_raw' }), 'sync']),
      /target\.schema: pg_raw: PostgreSQL reserves schema names starting with pg_/,
    );
  });

  it('orchestration.queue_schema: the target schema, or the state schema', async () => {
    expectUsageError(
      await runFerry(['-c', f.config('orchestration: { queue_schema: raw }\n'), 'sync']),
      /orchestration\.queue_schema: raw is also target\.schema/,
    );
    expectUsageError(
      await runFerry(['-c', f.config('orchestration: { queue_schema: _ferry }\n'), 'pipelines']),
      /orchestration\.queue_schema: _ferry is ferry's own schema/,
    );
  });

  it('transform.schema (or transform --schema) equal to target.schema', async () => {
    expectUsageError(
      await runFerry(['-c', f.config('transform: { schema: raw }\n'), 'sync']),
      /transform\.schema: raw is also target\.schema: .*models/,
    );
    expectUsageError(
      await runFerry(['-c', f.config(), 'transform', '--schema', 'raw']),
      /--schema raw is target\.schema/,
    );
  });
});

describe('the same table in two streams', () => {
  it('names the stream that already matched it', async () => {
    const result = await runFerry([
      '-c',
      f.config(
        'streams:\n  - { table: notes }\n  - { table: notes, mode: incremental, cursor: updated_at }\n',
      ),
      'sync',
    ]);
    expectUsageError(result, /streams\[1\]: table notes is matched by streams\[0\] already/);
    expect(result.stderr).not.toMatch(/not found/);
  });

  it('names a glob before it', async () => {
    const result = await runFerry([
      '-c',
      f.config('streams:\n  - { table: "*" }\n  - { table: notes, mode: incremental, cursor: updated_at }\n'),
      'sync',
    ]);
    expectUsageError(result, /streams\[1\]: table notes is matched by streams\[0\] \(table: "\*"\) already/);
    expect(result.stderr).toMatch(/hint: .*first stream whose table matches wins.*before/);
  });
});

describe('an incremental stream that cannot be incremental', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'no cursor',
      '{ table: notes, mode: incremental }',
      /streams\[0\] \(notes\): incremental needs a cursor/,
    ],
    [
      'a cursor column the table lacks',
      '{ table: notes, mode: incremental, cursor: changed_at }',
      /streams\[0\] \(notes\): its cursor column changed_at does not exist \(columns: id, body, tag, updated_at\)/,
    ],
    [
      'a cursor that is not a number or a date/time',
      '{ table: notes, mode: incremental, cursor: tag }',
      /streams\[0\] \(notes\): its cursor column tag is varchar\(10\), not a number or a date\/time/,
    ],
    [
      'a table without a primary key',
      '{ table: loose, mode: incremental, cursor: a }',
      /streams\[0\] \(loose\): it has no primary key to merge rows by/,
    ],
  ];
  for (const [what, stream, message] of cases)
    it(`is a configuration error: ${what}`, async () => {
      const result = await runFerry(['-c', f.config(`streams:\n  - ${stream}\n`), 'sync']);
      expectUsageError(result, message);
      expect(result.stderr).toMatch(/hint: .*incremental_fallback: full_refresh/);
    });

  it('copies in full with a warning when the stream opts into the fallback', async () => {
    const result = await runFerry([
      '-c',
      f.config('streams:\n  - { table: notes, mode: incremental, incremental_fallback: full_refresh }\n'),
      'sync',
    ]);
    expect(result.stderr).not.toContain('error:');
    expect(result.stdout).toMatch(/warning: notes: .*incremental needs a cursor.*copied in full/);
    expect(result.code).toBe(0);
  });

  it('defaults: can opt every stream in', async () => {
    const result = await runFerry([
      '-c',
      f.config(
        'defaults: { mode: incremental, cursor: updated_at, incremental_fallback: full_refresh }\nstreams:\n  - { table: "*", exclude: [runs] }\n',
      ),
      'sync',
    ]);
    expect(result.stdout).toMatch(
      /warning: loose: its cursor column updated_at does not exist.*copied in full/,
    );
    expect(result.code).toBe(0);
  });
});

describe('settings that do nothing are warned about', () => {
  it('deletes and lookback on a full_refresh stream, primary_key on a table that has one', async () => {
    const result = await runFerry([
      '-c',
      f.config(
        'streams:\n  - { table: notes, mode: full_refresh, deletes: soft, lookback: 5m, primary_key: [tag] }\n',
      ),
      'sync',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /warning: streams\[0\] \(notes\): deletes: soft does nothing on a full_refresh stream/,
    );
    expect(result.stdout).toMatch(
      /warning: streams\[0\] \(notes\): lookback: 5m does nothing on a full_refresh stream/,
    );
    expect(result.stdout).toMatch(
      /warning: notes: primary_key \[tag\] is not used: the table has a primary key \(id\)/,
    );
  });

  it('but not for settings that come from defaults:', async () => {
    const result = await runFerry([
      '-c',
      f.config('defaults: { deletes: soft, lookback: 1m }\nstreams:\n  - { table: notes }\n'),
      'sync',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/does nothing/);
  });
});
