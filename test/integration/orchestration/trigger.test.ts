import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';

describe('a triggered pipeline run', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('orch_trigger');
    f.writeConfig(`  p:
    tasks:
      sync: { kind: sync }
      verify: { kind: verify }
      report:
        kind: shell
        command: 'echo "report for $FERRY_INTERVAL_START..$FERRY_INTERVAL_END region=$FERRY_PARAM_REGION"'
        depends_on: [verify]
`);
  });
  afterAll(() => f.cleanup());

  it('runs sync, verify and a shell task in dependency order and records them', async () => {
    const result = await runFerry(['-c', f.configPath, 'trigger', 'p', '--param', 'region=eu', '--wait']);
    expect(result.stderr).not.toContain('bug in ferry');
    expect(result.code).toBe(0);
    const runId = /run (\d+) of p queued/.exec(result.stdout)?.[1];
    expect(runId).toBeDefined();

    const { rows } = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM raw.items');
    expect(rows[0]?.n).toBe('50');
    const { rows: tasks } = await f.db.target.query<{
      task: string;
      state: string;
      attempts: number;
      started_at: Date;
      rows_moved: string | null;
    }>(
      `SELECT task, state, attempts, started_at, rows_moved FROM _ferry.task_instances WHERE run_id = $1 ORDER BY started_at`,
      [runId],
    );
    expect(tasks.map((t) => [t.task, t.state, t.attempts])).toEqual([
      ['sync', 'succeeded', 1],
      ['verify', 'succeeded', 1],
      ['report', 'succeeded', 1],
    ]);
    expect(tasks[0]?.rows_moved).toBe('50');

    const logs = await runFerry(['-c', f.configPath, 'logs', runId!, 'report']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/report for \d{4}-\d\d-\d\dT.*\.\.\d{4}-\d\d-\d\dT.* region=eu/);

    const grid = await runFerry(['-c', f.configPath, 'runs', 'p']);
    expect(grid.code).toBe(0);
    expect(grid.stdout).toContain(`run ${runId}`);
    expect(grid.stdout).toMatch(/sync\s+│ ok .*50 rows/);
  });
});
