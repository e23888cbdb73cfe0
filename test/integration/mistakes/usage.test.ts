// Ordinary mistakes on the command line and in connection URLs, through the real CLI: each is a usage
// or configuration error (exit 2) that says what was wrong and lists the valid values, never "a bug
// in ferry" (exit 70) or a plain failure (exit 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { expectUsageError, mistakeFixture, type MistakeFixture } from './fixture.js';

let f: MistakeFixture;

beforeAll(async () => {
  f = await mistakeFixture('usage');
  await f.db.source.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
  await f.db.source.query("INSERT INTO notes VALUES (1, 'one'), (2, NULL), (3, 'three')");
  await f.db.source.query('CREATE TABLE tags (id int PRIMARY KEY, name varchar(20))');
  await f.db.source.query("INSERT INTO tags VALUES (1, 'a')");
});
afterAll(() => f?.cleanup());

describe('a raw % in a password inside a URL', () => {
  it('says to percent-encode it or to use the field form, without showing the password', async () => {
    const url = f.db.mysqlUrl.replace(/\/\/([^:]+):[^@]+@/, '//$1:s3cr%t!@');
    const result = await runFerry(['-c', f.config(undefined, { source: url }), 'sync']);
    expectUsageError(result, /source\.url: .*%.*percent-encode/);
    expect(result.stderr).toMatch(/%25/);
    expect(result.stderr).toMatch(/host, user and password/);
    expect(result.stderr).not.toContain('s3cr');
    expect(result.stderr).not.toContain('URI malformed');
  });

  it('works once the % is percent-encoded', async () => {
    // The test user's real password, every character percent-encoded: the URL form round-trips.
    const password = decodeURIComponent(new URL(f.db.mysqlUrl).password);
    const encoded = [...Buffer.from(password)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const url = f.db.mysqlUrl.replace(/\/\/([^:]+):[^@]+@/, `//$1:${encoded}@`);
    const result = await runFerry(['-c', f.config(undefined, { source: url }), 'sync', '--streams', 'tags']);
    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
  });
});

describe('flags with values out of range are usage errors with the valid values', () => {
  it('worker --concurrency 0', async () => {
    const result = await runFerry(['-c', f.config(), 'worker', '--concurrency', '0']);
    expectUsageError(result, /--concurrency.*'0'.*a whole number from 1 to \d+/);
  });

  it('server --tick 0 and scheduler --concurrency many', async () => {
    expectUsageError(
      await runFerry(['-c', f.config(), 'server', '--tick', '0']),
      /--tick.*'0'.*a number of seconds above 0/,
    );
    expectUsageError(
      await runFerry(['-c', f.config(), 'scheduler', '--worker', '--concurrency', 'many']),
      /--concurrency.*'many'.*a whole number from 1/,
    );
  });

  it('verify --samples -1', async () => {
    const result = await runFerry(['-c', f.config(), 'verify', '--samples', '-1']);
    expectUsageError(result, /--samples.*'-1'.*a whole number from 0/);
  });

  it('runs --limit 0 and ui --port 70000', async () => {
    expectUsageError(await runFerry(['-c', f.config(), 'runs', '--limit', '0']), /--limit.*'0'.*from 1/);
    expectUsageError(
      await runFerry(['-c', f.config(), 'ui', '--port', '70000']),
      /--port.*'70000'.*from 0 to 65535/,
    );
  });
});

describe('names that do not exist', () => {
  it('sync --streams nosuch lists the streams there are', async () => {
    const result = await runFerry(['-c', f.config(), 'sync', '--streams', 'nosuch']);
    expectUsageError(result, /no stream covers nosuch/);
    expect(result.stderr).toMatch(/hint: .*streams: notes, tags/);
  });

  it('verify --streams nosuch lists them too', async () => {
    const result = await runFerry(['-c', f.config(), 'verify', '--streams', 'nosuch,notes']);
    expectUsageError(result, /no stream covers nosuch/);
    expect(result.stderr).toMatch(/notes, tags/);
  });

  it('quarantine show of an id that does not exist lists the entries there are', async () => {
    const config = f.config('streams:\n  - { table: notes, checks: [{ column: body, not_null: true }] }\n');
    const synced = await runFerry(['-c', config, 'sync']);
    expect(synced.code).toBe(0);
    const listed = await runFerry(['-c', config, 'quarantine', 'list', '--json']);
    const ids = (JSON.parse(listed.stdout) as { entries: { id: number }[] }).entries.map((e) => e.id);
    expect(ids).toHaveLength(1);

    const result = await runFerry(['-c', config, 'quarantine', 'show', '999999']);
    expectUsageError(result, /no quarantine entry 999999 in schema raw/);
    expect(result.stderr).toMatch(new RegExp(`entries waiting: ${ids[0]}\\b`));
    expectUsageError(
      await runFerry(['-c', config, 'quarantine', 'show', 'first']),
      /id expects a positive whole number, got "first"/,
    );
  });
});
