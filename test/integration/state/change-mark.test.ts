// The run history's change mark (what the web UI's live events watch): it must move whenever a page
// would show something else, also when a retried run starts and finishes between two reads of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferryState } from '../../../src/state/ferry-state.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
const state = ferryState();

beforeAll(async () => {
  db = await createTestDatabases('change_mark');
  await state.migrate(db.target, 'history');
});

afterAll(async () => {
  await db?.drop();
});

describe('the run history change mark', () => {
  it('moves when a finished run is run again and finishes between two reads', async () => {
    const { rows } = await db.target.query<{ run_id: string }>(
      `INSERT INTO _ferry.pipeline_runs (pipeline, run_key, trigger, state, interval_start, interval_end, finished_at)
       VALUES ('shop', 'manual-1', 'manual', 'failed', now(), now(), now() - interval '1 minute') RETURNING run_id`,
    );
    const runId = rows[0]!.run_id;
    await db.target.query(
      `INSERT INTO _ferry.task_instances (run_id, task, state, attempts, max_attempts) VALUES ($1, 'quality', 'failed', 1, 1)`,
      [runId],
    );
    const before = await state.pipelines.changeMark(db.target);
    // the retry: cleared, running, and finished again before the next read
    await state.pipelines.clearTask(db.target, runId, 'quality', 2);
    await state.pipelines.requeueRun(db.target, runId);
    await state.pipelines.markRunRunning(db.target, runId);
    await db.target.query(
      `UPDATE _ferry.task_instances SET state = 'succeeded', attempts = 2 WHERE run_id = $1`,
      [runId],
    );
    await state.pipelines.finishRun(db.target, runId, 'succeeded');
    const after = await state.pipelines.changeMark(db.target);
    expect(after).not.toBe(before);
    // and stays put while nothing changes
    expect(await state.pipelines.changeMark(db.target)).toBe(after);
  });
});
