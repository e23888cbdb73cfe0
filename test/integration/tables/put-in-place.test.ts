// One table that cannot be put in place (its key cannot be built, the swap is refused) fails alone:
// its message names the table, the cause and what to do, every other stream lands, the summary is
// printed, ferry sync exits 1, no staging table is left behind, and the next run retries cleanly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../../src/replication/run.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { ferryLeftovers, tablesOf, writeConfig } from './fixture.js';

let db: TestDatabases;
let config: string;
const OTHERS = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];

beforeAll(async () => {
  db = await createTestDatabases('put_in_place');
  // primary_key names a key the rows do not hold: the key build fails on the duplicates.
  await db.source.query('CREATE TABLE dup_code (code VARCHAR(10) NOT NULL, note VARCHAR(20))');
  await db.source.query(
    "INSERT INTO dup_code VALUES ('a', 'first'), ('b', 'x'), ('a', 'second'), ('c', 'y'), ('c', 'z')",
  );
  await db.source.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))');
  await db.source.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  for (const [i, t] of OTHERS.entries()) {
    await db.source.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT)`);
    await db.source.query(`INSERT INTO ${t} SELECT seq, seq * ${i + 1} FROM seq_1_to_${10 * (i + 1)}`);
  }
  config = writeConfig(
    db,
    'streams:\n  - { table: dup_code, primary_key: [code] }\n  - { table: "*" }\nsync: { parallel_tables: 2 }\n',
  );
});

afterAll(async () => {
  await db?.drop();
});

async function sync(): Promise<{ code: number; summary: SyncSummary; stderr: string }> {
  const result = await runFerry(['--config', config, 'sync', '--json']);
  expect(result.stdout, result.stderr).toMatch(/^\{/);
  return { code: result.code, summary: JSON.parse(result.stdout) as SyncSummary, stderr: result.stderr };
}

const stream = (summary: SyncSummary, name: string) => summary.streams.find((s) => s.stream === name)!;

async function expectOthersLanded(): Promise<void> {
  for (const [i, t] of OTHERS.entries()) {
    const { rows } = await db.target.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw.${t}`);
    expect(rows[0]!.n, t).toBe(10 * (i + 1));
  }
}

describe('a key that cannot be built', () => {
  it('fails its stream with the table, the cause and what to do; the others land; exit 1', async () => {
    const { code, summary, stderr } = await sync();
    expect(stderr).not.toMatch(/bug in ferry/);
    expect(code).toBe(1);
    expect(summary.status).toBe('failed');
    const failed = stream(summary, 'dup_code');
    expect(failed.status).toBe('failed');
    // The stream's primary_key is checked on the loaded rows before PostgreSQL builds the key.
    expect(failed.error).toMatch(/^primary_key code of dup_code is not unique \(e\.g\. value (a|c)\)$/);
    expect(failed.hint).toMatch(/primary_key: must name columns/); // what to do: fix the stream's primary_key
    expect(
      summary.streams
        .filter((s) => s.status === 'succeeded')
        .map((s) => s.stream)
        .sort(),
    ).toEqual(['items', ...OTHERS].sort());
    expect(await tablesOf(db, 'raw')).toEqual(['items', ...OTHERS].sort());
    await expectOthersLanded();
    expect(await ferryLeftovers(db, 'raw')).toEqual([]);
  });

  it('prints the summary with the failure in the text output too', async () => {
    const result = await runFerry(['--config', config, 'sync']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/dup_code.*FAILED: primary_key code of dup_code is not unique/);
    expect(result.stdout).toMatch(/run \d+ failed: /);
  });

  it('is retried from the start by the next run, not resumed into the same crash', async () => {
    const { code, summary } = await sync();
    expect(code).toBe(1);
    expect(stream(summary, 'dup_code')).toMatchObject({ status: 'failed', chunksSkipped: 0 });
    expect(await ferryLeftovers(db, 'raw')).toEqual([]);
  });
});

describe('a swap that PostgreSQL refuses', () => {
  it("fails that stream only, keeps the table as it was, and says what to do about the user's foreign key", async () => {
    await db.target.query('CREATE TABLE raw.item_notes (item_id INT REFERENCES raw.items (id), note TEXT)');
    await db.target.query("INSERT INTO raw.item_notes VALUES (1, 'keep')");
    await db.source.query("INSERT INTO items VALUES (3, 'three')");
    const { code, summary } = await sync();
    expect(code).toBe(1);
    const items = stream(summary, 'items');
    expect(items.status).toBe('failed');
    expect(items.error).toMatch(/raw\.items/);
    expect(items.error).toMatch(/depend/);
    expect(items.error).toMatch(/item_notes/);
    const { rows } = await db.target.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.items');
    expect(rows[0]!.n).toBe(2); // the previous copy, untouched
    await expectOthersLanded();
    expect(await ferryLeftovers(db, 'raw')).toEqual([]);
  });

  it('loads both streams once the causes are gone', async () => {
    await db.target.query('DROP TABLE raw.item_notes');
    await db.source.query("DELETE FROM dup_code WHERE note IN ('second', 'z')");
    const { code, summary } = await sync();
    expect(code).toBe(0);
    expect(summary.status).toBe('succeeded');
    const { rows } = await db.target.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.items');
    expect(rows[0]!.n).toBe(3);
    const { rows: codes } = await db.target.query<{ code: string }>(
      'SELECT code FROM raw.dup_code ORDER BY code',
    );
    expect(codes.map((r) => r.code)).toEqual(['a', 'b', 'c']);
  });
});
