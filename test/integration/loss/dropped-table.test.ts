// A table dropped in the source: the run goes on for the other streams, the dropped table's stream
// is reported as source_missing (in the summary and in _ferry.stream_runs) whether a stream named it
// or a glob matched it, its target table is kept, marked or dropped as sync.missing_tables says,
// and verify lists it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/cli/sync.js';
import { renderReport } from '../../../src/cli/verify.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;
/** missing_tables keeps the target table by default. */
const streams = (policy?: 'mark' | 'drop') =>
  `streams:\n  - { table: named, mode: incremental, cursor: id }\n  - { table: "*" }\n${policy ? `sync: { missing_tables: ${policy} }\n` : ''}`;

async function streamRuns(table: string): Promise<{ status: string; error: string | null }[]> {
  const { rows } = await db.target.query<{ status: string; error: string | null }>(
    `SELECT status, error FROM _ferry.stream_runs WHERE target_table = $1 ORDER BY run_id`,
    [table],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabases('dropped');
  for (const t of ['named', 'globbed', 'stays'])
    await db.source.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v varchar(10))`);
  for (const t of ['named', 'globbed', 'stays'])
    await db.source.query(`INSERT INTO ${t} VALUES (1, 'a'), (2, 'b')`);
  expect((await runSync(testConfig(db, streams()))).status).toBe('succeeded');
  await db.source.query('DROP TABLE named');
  await db.source.query('DROP TABLE globbed');
  await db.source.query("INSERT INTO stays VALUES (3, 'c')");
});

afterAll(async () => {
  await db?.drop();
});

describe('a table dropped in the source', () => {
  it('is reported as source_missing, named or globbed, while the other streams sync', async () => {
    const summary = await runSync(testConfig(db, streams()));
    expect(summary.status).toBe('succeeded');
    const byName = Object.fromEntries(summary.streams.map((s) => [s.stream, s]));
    expect(byName.stays).toMatchObject({ status: 'succeeded', rowsLoaded: 3 });
    for (const gone of ['named', 'globbed']) {
      expect(byName[gone]).toMatchObject({ status: 'source_missing' });
      expect(byName[gone]!.warnings.join()).toMatch(
        new RegExp(
          `the source table ${gone} is gone .*the target table raw\\.${gone} is kept as last synced`,
        ),
      );
      expect((await streamRuns(gone)).map((r) => r.status)).toEqual(['succeeded', 'source_missing']);
    }
    expect(renderSummary(summary)).toMatch(/named\s+│ incremental\s+│ source_missing/);
    // Kept as they were.
    const { rows } = await db.target.query('SELECT count(*)::int AS n FROM raw.named');
    expect(rows[0].n).toBe(2);
  });

  it('is listed by verify, which still compares the others', async () => {
    const { project, state } = testProject(testConfig(db, streams()));
    const report = await verify({
      project,
      state,
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams.map((s) => [s.stream, s.status, s.targetRows]).sort()).toEqual([
      ['globbed', 'source_missing', 2],
      ['named', 'source_missing', 2],
      ['stays', 'in_sync', 3],
    ]);
    expect(report.inSync).toBe(true);
    expect(renderReport(report)).toMatch(/named: the source table named is gone/);
  });

  it('marks the target table with a comment under missing_tables: mark', async () => {
    const summary = await runSync(testConfig(db, streams('mark')));
    expect(summary.status).toBe('succeeded');
    const { rows } = await db.target.query(
      `SELECT obj_description('raw.globbed'::regclass, 'pg_class') AS c`,
    );
    expect(rows[0].c).toMatch(
      /^ferry: the source table globbed is gone since \d{4}-\d\d-\d\dT.* \(run \d+\)/,
    );
  });

  it('drops the target table and forgets the stream under missing_tables: drop, unless views use it', async () => {
    await db.target.query('CREATE VIEW raw.named_view AS SELECT * FROM raw.named');
    const refused = await runSync(testConfig(db, streams('drop')));
    expect(refused.status).toBe('failed');
    const named = refused.streams.find((s) => s.stream === 'named')!;
    expect(named).toMatchObject({
      status: 'failed',
      hint: expect.stringMatching(/drop those views/) as unknown,
    });
    expect(refused.streams.find((s) => s.stream === 'globbed')?.status).toBe('source_missing');
    expect((await db.target.query(`SELECT to_regclass('raw.globbed') AS t`)).rows[0].t).toBeNull();

    await db.target.query('DROP VIEW raw.named_view');
    const dropped = await runSync(testConfig(db, streams('drop')));
    expect(dropped.status).toBe('succeeded');
    expect(dropped.streams.find((s) => s.stream === 'named')?.warnings.join()).toMatch(/was dropped/);
    expect((await db.target.query(`SELECT to_regclass('raw.named') AS t`)).rows[0].t).toBeNull();
    // The globbed stream is forgotten; the one ferry.yaml names is still reported (not refused).
    const after = await runSync(testConfig(db, streams('drop')));
    expect(after.status).toBe('succeeded');
    expect(after.streams.map((s) => [s.stream, s.status]).sort()).toEqual([
      ['named', 'source_missing'],
      ['stays', 'succeeded'],
    ]);
    expect(after.streams.find((s) => s.stream === 'named')?.warnings.join()).toMatch(/does not exist either/);
  });
});
