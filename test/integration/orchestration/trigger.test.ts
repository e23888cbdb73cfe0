import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
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

describe('run history in a database of its own', () => {
  let f: PipelineFixture;
  let ops: TestDatabases;
  beforeAll(async () => {
    f = await pipelineFixture('orch_opsdb');
    ops = await createTestDatabases('orch_ops');
    f.writeConfig(`  p:
    tasks:
      sync: { kind: sync }
orchestration:
  database: "${ops.postgresUrl}"
  queue_schema: jobs
`);
  });
  afterAll(async () => {
    await f.cleanup();
    await ops.drop();
  });

  it('keeps runs and the queue in orchestration.database, and the data in the target', async () => {
    const result = await runFerry(['-c', f.configPath, 'trigger', 'p', '--wait']);
    expect(result.code).toBe(0);
    const { rows: runs } = await ops.target.query<{ state: string }>(
      'SELECT state FROM _ferry.pipeline_runs',
    );
    expect(runs).toEqual([{ state: 'succeeded' }]);
    const { rows: queue } = await ops.target.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'jobs'`,
    );
    expect(Number(queue[0]?.n)).toBeGreaterThan(0);
    const { rows: inTarget } = await f.db.target.query<{ t: string | null }>(
      `SELECT to_regclass('_ferry.pipeline_runs')::text AS t`,
    );
    expect(inTarget[0]?.t).toBeNull();
    const { rows: items } = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM raw.items');
    expect(items[0]?.n).toBe('50');
  });
});

describe('several sync tasks in one pipeline', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('orch_syncs');
    await f.db.source.query('CREATE TABLE tags (id INT PRIMARY KEY, label VARCHAR(20))');
    await f.db.source.query("INSERT INTO tags VALUES (1, 'a'), (2, 'b')");
    f.writeConfig(`  p:
    concurrency: 4
    defaults: { retries: 0 }
    tasks:
      sync_items: { kind: sync, streams: [items] }
      sync_tags: { kind: sync, streams: [tags] }
      verify_tags: { kind: verify, streams: [tags] }
`);
  });
  afterAll(() => f.cleanup());

  it('runs them one at a time (each holds the target lock), each once, with verify after its own sync', async () => {
    const result = await runFerry(['-c', f.configPath, 'trigger', 'p', '--wait']);
    expect(result.code).toBe(0);
    const { rows } = await f.db.target.query<{
      task: string;
      attempts: number;
      started_at: Date;
      finished_at: Date;
    }>(`SELECT task, attempts, started_at, finished_at FROM _ferry.task_instances ORDER BY started_at`);
    expect(rows.map((r) => r.task).sort()).toEqual(['sync_items', 'sync_tags', 'verify_tags']);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const [first, second] = rows.filter((r) => r.task.startsWith('sync_'));
    expect(second!.started_at.getTime()).toBeGreaterThanOrEqual(first!.finished_at.getTime());
    const tags = rows.find((r) => r.task === 'sync_tags')!;
    const verify = rows.find((r) => r.task === 'verify_tags')!;
    expect(verify.started_at.getTime()).toBeGreaterThanOrEqual(tags.finished_at.getTime());
    const { rows: counts } = await f.db.target.query<{ items: string; tags: string }>(
      'SELECT (SELECT count(*) FROM raw.items) AS items, (SELECT count(*) FROM raw.tags) AS tags',
    );
    expect(counts[0]).toEqual({ items: '50', tags: '2' });
  });
});

describe('a quality task', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('orch_quality');
  });
  afterAll(() => f.cleanup());

  const pipeline = (max: number) => `  p:
    tasks:
      sync: { kind: sync }
      quality: { kind: quality, max_quarantined: ${max}, retries: 0 }
      report: { kind: shell, command: 'echo built', depends_on: [quality] }
`;

  it('fails the run while more rows than allowed wait in quarantine, and passes once they are allowed', async () => {
    f.writeConfig(pipeline(0), ', checks: [{ column: id, max: 45 }]');
    const failed = await runFerry(['-c', f.configPath, 'trigger', 'p', '--wait']);
    expect(failed.code).toBe(1);
    const runId = /run (\d+) of p queued/.exec(failed.stdout)?.[1];
    const { rows } = await f.db.target.query<{ task: string; state: string; error: string | null }>(
      `SELECT task, state, error FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task`,
      [runId],
    );
    expect(rows.map((r) => [r.task, r.state])).toEqual([
      ['quality', 'failed'],
      ['report', 'upstream_failed'],
      ['sync', 'succeeded'],
    ]);
    expect(rows[0]!.error).toMatch(/items: 5 row\(s\) in quarantine \(at most 0 allowed\)/);

    f.writeConfig(pipeline(5), ', checks: [{ column: id, max: 45 }]');
    const passed = await runFerry(['-c', f.configPath, 'trigger', 'p', '--wait']);
    expect(passed.stderr).not.toContain('bug in ferry');
    expect(passed.code).toBe(0);
  });
});
