// An incremental stream copied by Spark: the first run loads the table in full and records the
// mark; after changes, the next run reads only the rows past the mark (less the lookback, by the
// same rules as ferry sync), merges them by key, marks the deleted row, applies the value policy
// and the row check to the changed rows, and moves the mark, ending exactly where ferry sync ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { expectCountsAddUp, outcome, syncBy, type Engine } from './copy-support.js';
import { requireSpark } from './spark-server.js';
import type { SparkSyncSummary } from '../../../src/replication/spark-sync.js';

let db: TestDatabases;

const STREAMS = `streams:
  - table: items
    mode: incremental
    cursor: updated_at
    lookback: 1h
    deletes: soft
    checks:
      - { column: amount, min: 0 }
`;
const ENGINES: Engine[] = ['ferry', 'spark copy'];
const schemaOf = (engine: Engine) => `inc_${engine.replace(' ', '_')}`;

beforeAll(async () => {
  await requireSpark();
  db = await createTestDatabases('sparkinc');
  await db.source.query("SET SESSION sql_mode = ''");
  await db.source.query(
    'CREATE TABLE items (id int PRIMARY KEY, label varchar(20), amount decimal(10,2), shipped date NULL, updated_at datetime(6) NOT NULL, KEY (updated_at))',
  );
  await db.source.query(
    `INSERT INTO items SELECT seq, CONCAT('item ', seq), seq / 100, '2020-01-01' + INTERVAL seq % 300 DAY, '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_3000`,
  );
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

async function syncAll() {
  const out = [];
  for (const engine of ENGINES) {
    const summary = await syncBy(engine, db, schemaOf(engine), STREAMS);
    expect(summary.status, engine).toBe('succeeded');
    const got = await outcome(db, schemaOf(engine), 'items');
    expectCountsAddUp(summary, got.runs);
    const { rows: deleted } = await db.target.query<{ id: number }>(
      `SELECT id FROM "${schemaOf(engine)}".items WHERE _ferry_deleted_at IS NOT NULL ORDER BY id`,
    );
    const { rows: state } = await db.target.query(
      `SELECT mode, cursor_column, high_water FROM _ferry.streams WHERE target_schema = $1`,
      [schemaOf(engine)],
    );
    out.push({ engine, summary, got: { ...got, deleted, state } });
  }
  return out;
}

describe('an incremental stream copied by Spark', () => {
  it('reads only the rows past its mark after changes, and ends where ferry sync ends', async () => {
    const [ferryFirst, sparkFirst] = await syncAll();
    expect(sparkFirst!.got).toEqual(ferryFirst!.got);
    expect(sparkFirst!.got.runs).toEqual([expect.objectContaining({ mode: 'incremental', rows_read: 3000 })]);
    expect(sparkFirst!.got.state).toEqual([
      { mode: 'incremental', cursor_column: 'updated_at', high_water: '2020-01-03 02:00:00.000000' },
    ]);

    // Five rows changed (one to a zero date, one to a negative amount), two new, one deleted.
    await db.source.query(
      `UPDATE items SET label = CONCAT('changed ', id), updated_at = '2024-01-01 00:00:00' + INTERVAL id SECOND WHERE id IN (10, 20, 30, 40, 50)`,
    );
    await db.source.query(`UPDATE items SET shipped = '0000-00-00' WHERE id = 20`);
    await db.source.query(`UPDATE items SET amount = -5 WHERE id = 30`);
    await db.source.query(
      `INSERT INTO items VALUES (3001, 'new', 1, NULL, '2024-01-01 00:01:00'), (3002, 'new', 2, NULL, '2024-01-01 00:02:00')`,
    );
    await db.source.query(`DELETE FROM items WHERE id = 7`);

    const [ferry, spark] = await syncAll();
    const sparkRun = spark!.got.runs.at(-1)!;
    // The 7 rows past the mark, and the 61 rows within the lookback hour under the old mark
    // (ids 2940 to 3000), of 3,001 rows.
    expect(sparkRun).toEqual({
      mode: 'incremental',
      status: 'succeeded',
      rows_read: 7 + 61,
      rows_loaded: 6 + 61,
      rows_quarantined: 1,
      values_nulled: 1,
      rows_deleted: 1,
    });
    const table = (spark!.summary as SparkSyncSummary).tables[0]!;
    expect(table).toMatchObject({ mode: 'incremental', sourceRows: 68, partitions: 1 });
    expect(spark!.got).toEqual(ferry!.got);
    expect(spark!.got.deleted).toEqual([{ id: 7 }]);
    expect(spark!.got.state[0].high_water).toBe('2024-01-01 00:02:00.000000');

    // No change: the lookback (1h) reads the rows just under the mark again, as ferry sync does.
    const [ferryAgain, sparkAgain] = await syncAll();
    expect(sparkAgain!.got.runs.at(-1)).toMatchObject({ rows_read: ferryAgain!.got.runs.at(-1)!.rows_read });
    expect(sparkAgain!.got).toEqual(ferryAgain!.got);
  });
});
