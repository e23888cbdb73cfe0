// Schedules fire once per interval, on the interval boundaries, also with two schedulers and two
// workers running at once; no task runs twice.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFerry } from '../../support/cli.js';
import { eventually, pipelineFixture, stopProcess, type PipelineFixture } from './fixture.js';

interface RunRecord {
  run_id: string;
  trigger: string;
  state: string;
  interval_start: Date;
  interval_end: Date;
  created_at: Date;
}

describe('ferry scheduler', () => {
  let f: PipelineFixture;
  const processes: ChildProcess[] = [];
  beforeAll(async () => {
    f = await pipelineFixture('orch_sched');
    // Every 3 seconds; each run syncs, then records its interval in a file.
    f.writeConfig(`  every3s:
    schedule: '*/3 * * * * *'
    max_active_runs: 1 # two syncs of one target would wait on each other's lock and retry
    tasks:
      sync: { kind: sync }
      mark: { kind: shell, command: 'echo "$FERRY_RUN_ID $FERRY_INTERVAL_START $FERRY_INTERVAL_END" >> ${join('$FERRY_TEST_DIR', 'marks.txt')}' }
`);
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => stopProcess(p)));
    await f.cleanup();
  });

  it('with two schedulers and two workers, creates one run per interval and runs each task once', async () => {
    const env = { FERRY_TEST_DIR: f.dir };
    for (const args of [['scheduler', '--tick', '1'], ['scheduler', '--tick', '1'], ['worker'], ['worker']])
      processes.push(spawnFerry(['-c', f.configPath, ...args], { env }));

    const runs = await eventually(async () => {
      const { rows } = await f.db.target.query<RunRecord>(
        `SELECT run_id, trigger, state, interval_start, interval_end, created_at FROM _ferry.pipeline_runs ORDER BY interval_end`,
      );
      return rows.filter((r) => r.state === 'succeeded').length >= 4 ? rows : undefined;
    }, 'four scheduled runs to succeed');
    await Promise.all(processes.splice(0).map((p) => stopProcess(p)));

    // One run per 3-second interval, consecutive and aligned, none twice.
    const ends = runs.map((r) => r.interval_end.getTime());
    expect(new Set(ends).size).toBe(ends.length);
    for (const run of runs) {
      expect(run.trigger).toBe('schedule');
      expect(run.interval_end.getTime() - run.interval_start.getTime()).toBe(3000);
      expect(run.interval_start.getUTCSeconds() % 3).toBe(0);
      expect(run.interval_start.getUTCMilliseconds()).toBe(0);
      // A run is created only once its interval is over.
      expect(run.created_at.getTime()).toBeGreaterThanOrEqual(run.interval_end.getTime());
    }
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]!.interval_start.getTime()).toBe(runs[i - 1]!.interval_end.getTime());

    // Every task instance ran exactly once, and the shell task saw its own run's interval.
    const { rows: tasks } = await f.db.target.query<{
      run_id: string;
      task: string;
      attempts: number;
      state: string;
    }>(`SELECT run_id, task, attempts, state FROM _ferry.task_instances WHERE state = 'succeeded'`);
    expect(tasks.every((t) => t.attempts === 1)).toBe(true);
    const marks = readFileSync(join(f.dir, 'marks.txt'), 'utf8').trim().split('\n');
    const succeeded = runs.filter((r) => tasks.some((t) => t.run_id === r.run_id && t.task === 'mark'));
    expect(marks.length).toBe(succeeded.length);
    for (const run of succeeded)
      expect(marks).toContain(
        `${run.run_id} ${run.interval_start.toISOString()} ${run.interval_end.toISOString()}`,
      );

    const { rows: items } = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM raw.items');
    expect(items[0]?.n).toBe('50');
  });
});
