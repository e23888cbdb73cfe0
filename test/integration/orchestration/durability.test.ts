// A `ferry server` (scheduler and worker in one process) killed with SIGKILL in the middle of a run
// neither loses nor duplicates it: after a restart the task that was running is retried (the queue
// notices the missing heartbeat), the tasks that had succeeded are not run again, and the run ends.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { eventually, pipelineFixture, stopProcess, type PipelineFixture } from './fixture.js';

describe('a server killed mid-run', () => {
  let f: PipelineFixture;
  const processes: ChildProcess[] = [];
  beforeAll(async () => {
    f = await pipelineFixture('orch_kill');
    f.writeConfig(`  p:
    defaults: { retries: 2, retry_delay: 1s }
    tasks:
      sync: { kind: sync }
      slow:
        kind: shell
        command: 'echo "start $FERRY_RUN_ID" >> "$FERRY_TEST_DIR/slow.txt"; sleep 6; echo "end $FERRY_RUN_ID" >> "$FERRY_TEST_DIR/slow.txt"'
        depends_on: [sync]
      verify: { kind: verify, depends_on: [slow] }
`);
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => stopProcess(p, 'SIGKILL')));
    await f.cleanup();
  });

  it('resumes the run after a restart without redoing the finished tasks', async () => {
    const env = { FERRY_TEST_DIR: f.dir };
    const trigger = await runFerry(['-c', f.configPath, 'trigger', 'p']);
    expect(trigger.code).toBe(0);
    const runId = /run (\d+)/.exec(trigger.stdout)?.[1];

    const first = spawnFerry(['-c', f.configPath, 'server', '--tick', '1', '--no-ui'], { env });
    processes.push(first);
    await eventually(
      () => Promise.resolve(existsSync(join(f.dir, 'slow.txt')) ? true : undefined),
      'the slow task to start',
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const { rows: during } = await f.db.target.query<{ task: string; state: string }>(
      `SELECT task, state FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task`,
      [runId],
    );
    expect(during).toEqual([
      { task: 'slow', state: 'running' },
      { task: 'sync', state: 'succeeded' },
      { task: 'verify', state: 'pending' },
    ]);

    const second = spawnFerry(['-c', f.configPath, 'server', '--tick', '1', '--no-ui'], { env });
    processes.push(second);
    const state = await eventually(
      async () => {
        const { rows } = await f.db.target.query<{ state: string }>(
          `SELECT state FROM _ferry.pipeline_runs WHERE run_id = $1 AND state IN ('succeeded', 'failed')`,
          [runId],
        );
        return rows[0]?.state;
      },
      'the run to finish after the restart',
      120_000,
    );
    expect(state).toBe('succeeded');

    const { rows: tasks } = await f.db.target.query<{ task: string; state: string; attempts: number }>(
      `SELECT task, state, attempts FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task`,
      [runId],
    );
    expect(tasks).toEqual([
      { task: 'slow', state: 'succeeded', attempts: 2 },
      { task: 'sync', state: 'succeeded', attempts: 1 },
      { task: 'verify', state: 'succeeded', attempts: 1 },
    ]);
    // The killed attempt started and never ended; the retry ran once, to the end.
    expect(readFileSync(join(f.dir, 'slow.txt'), 'utf8').trim().split('\n')).toEqual([
      `start ${runId}`,
      `start ${runId}`,
      `end ${runId}`,
    ]);
    const { rows: runs } = await f.db.target.query<{ n: string }>(
      'SELECT count(*) AS n FROM _ferry.pipeline_runs',
    );
    expect(runs[0]?.n).toBe('1');
    const { rows: items } = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM raw.items');
    expect(items[0]?.n).toBe('50');

    const logs = await runFerry(['-c', f.configPath, 'logs', runId!, 'slow']);
    expect(logs.stdout).toContain('--- attempt 1 at');
    expect(logs.stdout).toContain('--- attempt 2 at');
  });
});
