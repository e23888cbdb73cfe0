// `primary_key:` on a table without a key stands in for the key: when its columns repeat, the stream
// fails with what is wrong and an example value (not PostgreSQL's unique-index error), the other
// streams go on, and an incremental run never merges two source rows into one target row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { mistakeFixture, type MistakeFixture } from './fixture.js';

let f: MistakeFixture;

beforeAll(async () => {
  f = await mistakeFixture('keydup');
  await f.db.source.query('CREATE TABLE loose (a int, b varchar(10), changed int NOT NULL)');
  await f.db.source.query("INSERT INTO loose VALUES (1, 'x', 1), (2, 'y', 1), (2, 'z', 1), (3, 'w', 1)");
  await f.db.source.query('CREATE TABLE pairs (a int, b int, v int NOT NULL)');
  await f.db.source.query('INSERT INTO pairs VALUES (1, 1, 1), (1, 2, 1), (2, 1, 1)');
  await f.db.source.query('CREATE TABLE holes (a int, v int)');
  await f.db.source.query('INSERT INTO holes VALUES (1, 1), (NULL, 2)');
  await f.db.source.query('CREATE TABLE fine (id int PRIMARY KEY, v int)');
  await f.db.source.query('INSERT INTO fine VALUES (1, 1), (2, 2)');
});
afterAll(() => f?.cleanup());

const targetCount = async (table: string) =>
  Number((await f.db.target.query(`SELECT count(*) AS n FROM raw.${table}`)).rows[0].n);

describe('primary_key whose columns repeat', () => {
  it('fails the stream with "primary_key a of loose is not unique (e.g. value 2)"; the others go on', async () => {
    const config = f.config('streams:\n  - { table: loose, primary_key: [a] }\n  - { table: "*" }\n');
    const result = await runFerry(['-c', config, 'sync']);
    expect(result.stderr).not.toContain('This is a bug in ferry');
    expect(result.stdout).toMatch(
      /loose\s+│ full_refresh │ FAILED: primary_key a of loose is not unique \(e\.g\. value 2\)/,
    );
    expect(result.stdout).not.toMatch(/could not create unique index/);
    expect(result.stdout).toMatch(/hint: loose: .*primary_key/);
    expect(result.stdout).toMatch(/fine\s+│ full_refresh │ succeeded/);
    expect(result.code).toBe(1);
    expect(await targetCount('fine')).toBe(2);
  });

  it('names every column of a composite key and the repeated values', async () => {
    await f.db.source.query('INSERT INTO pairs VALUES (1, 2, 2)');
    const config = f.config('streams:\n  - { table: pairs, primary_key: [a, b] }\n');
    const result = await runFerry(['-c', config, 'sync']);
    expect(result.stdout).toMatch(
      /FAILED: primary_key \(a, b\) of pairs is not unique \(e\.g\. values 1, 2\)/,
    );
    expect(result.code).toBe(1);
  });

  it('says so when a key column holds NULL', async () => {
    const result = await runFerry([
      '-c',
      f.config('streams:\n  - { table: holes, primary_key: [a] }\n'),
      'sync',
    ]);
    expect(result.stdout).toMatch(/FAILED: primary_key a of holes has NULL values/);
    expect(result.code).toBe(1);
  });

  it('an incremental run fails the same way instead of merging two source rows into one', async () => {
    await f.db.source.query('DELETE FROM loose WHERE b = ?', ['z']);
    const config = f.config(
      'streams:\n  - { table: loose, primary_key: [a], mode: incremental, cursor: changed }\n',
    );
    const first = await runFerry(['-c', config, 'sync']);
    expect(first.code).toBe(0);
    expect(await targetCount('loose')).toBe(3);
    // Two new rows with the same a arrive together (one run).
    await f.db.source.query("INSERT INTO loose VALUES (9, 'p', 2), (9, 'q', 2)");
    const second = await runFerry(['-c', config, 'sync']);
    expect(second.stdout).toMatch(/FAILED: primary_key a of loose is not unique \(e\.g\. value 9\)/);
    expect(second.code).toBe(1);
    expect(await targetCount('loose')).toBe(3);
  });
});
