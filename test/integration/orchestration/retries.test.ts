// A task that fails is retried with exponential backoff until it succeeds or runs out of attempts;
// a failed run is resumed from a task with `ferry runs retry --from`, keeping what succeeded.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';

describe('retries', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('orch_retry');
    // flaky fails on its first two attempts; gated fails until a file exists.
    f.writeConfig(`  flaky:
    tasks:
      sync: { kind: sync }
      flaky:
        kind: shell
        command: 'date +%s.%N >> "$FERRY_TEST_DIR/attempts.txt"; [ $(wc -l < "$FERRY_TEST_DIR/attempts.txt") -ge 3 ]'
        retries: 3
        retry_delay: 1s
  gated:
    tasks:
      sync: { kind: sync }
      gated: { kind: shell, command: 'test -f "$FERRY_TEST_DIR/open"', depends_on: [sync], retries: 0 }
      after: { kind: shell, command: 'echo after', depends_on: [gated] }
      notify: { kind: shell, command: 'echo notified', depends_on: [gated], trigger_rule: all_done }
  stuck:
    tasks:
      hang: { kind: shell, command: 'echo waiting; sleep 60', timeout: 2s, retries: 0 }
`);
  });
  afterAll(() => f.cleanup());
  const env = () => ({ FERRY_TEST_DIR: f.dir });

  it('retries a failing task with growing delays until it succeeds', async () => {
    const result = await runFerry(['-c', f.configPath, 'trigger', 'flaky', '--wait'], { env: env() });
    expect(result.code).toBe(0);
    const runId = /run (\d+)/.exec(result.stdout)?.[1];
    const { rows } = await f.db.target.query<{ task: string; state: string; attempts: number }>(
      `SELECT task, state, attempts FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task`,
      [runId],
    );
    expect(rows).toEqual([
      { task: 'flaky', state: 'succeeded', attempts: 3 },
      { task: 'sync', state: 'succeeded', attempts: 1 },
    ]);
    // Backoff: the queue waits at least retry_delay * 2^(n-1) before attempt n+1 (1 s, then 2 s).
    const starts = readFileSync(join(f.dir, 'attempts.txt'), 'utf8').trim().split('\n').map(Number);
    expect(starts).toHaveLength(3);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(2);
    const logs = await runFerry(['-c', f.configPath, 'logs', runId!, 'flaky']);
    expect(logs.stdout).toContain('flaky attempt 1 failed: task flaky exited with code 1 (will retry)');
    expect(logs.stdout).toContain('--- attempt 3 at');
  });

  it('marks downstream tasks upstream_failed, runs all_done tasks, and resumes from a task', async () => {
    const failed = await runFerry(['-c', f.configPath, 'trigger', 'gated', '--wait'], { env: env() });
    expect(failed.code).toBe(1);
    const runId = /run (\d+)/.exec(failed.stdout)?.[1];
    const states = async () =>
      (
        await f.db.target.query<{ task: string; state: string; attempts: number }>(
          `SELECT task, state, attempts FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task`,
          [runId],
        )
      ).rows;
    expect(await states()).toEqual([
      { task: 'after', state: 'upstream_failed', attempts: 0 },
      { task: 'gated', state: 'failed', attempts: 1 },
      { task: 'notify', state: 'succeeded', attempts: 1 },
      { task: 'sync', state: 'succeeded', attempts: 1 },
    ]);
    expect(failed.stdout).toMatch(/gated\s+│ FAILED/);

    writeFileSync(join(f.dir, 'open'), '');
    const retried = await runFerry(
      ['-c', f.configPath, 'runs', 'retry', runId!, '--from', 'gated', '--wait'],
      { env: env() },
    );
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`run ${runId}: cleared gated, after, notify`);
    expect(await states()).toEqual([
      { task: 'after', state: 'succeeded', attempts: 1 },
      { task: 'gated', state: 'succeeded', attempts: 2 },
      { task: 'notify', state: 'succeeded', attempts: 2 },
      { task: 'sync', state: 'succeeded', attempts: 1 },
    ]);
    const { rows } = await f.db.target.query<{ state: string }>(
      `SELECT state FROM _ferry.pipeline_runs WHERE run_id = $1`,
      [runId],
    );
    expect(rows[0]?.state).toBe('succeeded');
    expect(existsSync(join(f.dir, 'open'))).toBe(true);
  });

  it('stops an attempt that outlives its timeout and says which setting to change', async () => {
    const result = await runFerry(['-c', f.configPath, 'trigger', 'stuck', '--wait'], { env: env() });
    expect(result.code).toBe(1);
    const runId = /run (\d+)/.exec(result.stdout)?.[1];
    const { rows } = await f.db.target.query<{ state: string; error: string }>(
      `SELECT state, error FROM _ferry.task_instances WHERE run_id = $1 AND task = 'hang'`,
      [runId],
    );
    expect(rows[0]?.state).toBe('failed');
    expect(rows[0]?.error).toBe("hang: timed out after 2 s (the task's timeout)");
    const logs = await runFerry(['-c', f.configPath, 'logs', runId!, 'hang']);
    expect(logs.stdout).toContain('waiting');
    expect(logs.stdout).toContain('raise timeout of task hang in ferry.yaml');
  });
});
