// A full load interrupted and run again keeps its chunk boundaries (stored with the load), even
// when the table changed meanwhile (one row deleted from a gapless key range used to double the
// step, so every chunk was copied again), and the summary says what was resumed and that the table
// mixes two snapshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummary } from '../../../src/cli/sync.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { sync } from '../../../src/replication/run.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;
const ROWS = 200_000;
const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: gapless }\nsync: { chunk_rows: 10000, batch_rows: 2000, parallel_chunks: 1 }\n',
  );

beforeAll(async () => {
  db = await createTestDatabases('chunks');
  await db.source.query('CREATE TABLE gapless (id int PRIMARY KEY, v varchar(30))');
  await db.source.query(`INSERT INTO gapless SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
  await db.source.query('ANALYZE TABLE gapless');
});

afterAll(async () => {
  await db?.drop();
});

async function chunksDone(): Promise<number> {
  const { rows } = await db.target
    .query<{ n: number }>(`SELECT count(*)::int AS n FROM _ferry.chunks WHERE target_table = 'gapless'`)
    .catch(() => ({ rows: [{ n: 0 }] }));
  return rows[0]!.n;
}

describe('a full load interrupted, then run again after a row was deleted', () => {
  it('resumes on the same chunk boundaries, and says what it kept from which run', async () => {
    // Interrupted (as by Ctrl-C) once three chunks are in: they commit, the fourth rolls back.
    const stop = new AbortController();
    const { project, state } = testProject(config());
    const watch = (async () => {
      const deadline = Date.now() + 60_000;
      while ((await chunksDone()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      stop.abort(new Error('interrupted by the test'));
    })();
    await expect(sync({ project, state, logger: silentLogger(), signal: stop.signal })).rejects.toThrow();
    await watch;
    const kept = await chunksDone();
    expect(kept).toBeGreaterThanOrEqual(3);
    const { rows: planned } = await db.target.query<{ n: number }>(
      `SELECT jsonb_array_length(chunks) AS n FROM _ferry.chunk_plans WHERE target_table = 'gapless'`,
    );
    const total = planned[0]!.n;
    expect(total).toBeGreaterThan(kept);

    // The last chunk is not copied yet; one row fewer changes the key density.
    await db.source.query(`DELETE FROM gapless WHERE id = ${ROWS - 5}`);
    await db.source.query('ANALYZE TABLE gapless');
    const rerun = await runSync(config());
    expect(rerun.status).toBe('succeeded');
    const stream = rerun.streams[0]!;
    expect(stream.chunksSkipped).toBe(kept);
    expect(stream.resumed).toEqual({
      chunksKept: kept,
      chunks: total,
      rowsKept: expect.any(Number) as unknown,
      fromRuns: [1],
    });
    expect(stream.rowsRead + stream.resumed!.rowsKept).toBe(ROWS - 1);
    expect(renderSummary(rerun)).toMatch(
      new RegExp(
        `resumed an interrupted load: ${kept} of ${total} chunks \\(\\d+ rows\\) kept from run 1, the rest copied by run 2; the table mixes the snapshots of runs 1, 2`,
      ),
    );
    const { rows } = await db.target.query<{ n: number; d: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM raw.gapless',
    );
    expect(rows[0]).toEqual({ n: ROWS - 1, d: ROWS - 1 });
    // The plan went with the load.
    const { rows: left } = await db.target.query(`SELECT count(*)::int AS n FROM _ferry.chunk_plans`);
    expect(left[0].n).toBe(0);
  });
});
