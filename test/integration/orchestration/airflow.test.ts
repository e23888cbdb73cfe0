// The exported DAG on real Apache Airflow (installed from PyPI by scripts/airflow.sh): `airflow dags
// test` runs every task through `ferry task run` against this test's databases.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runFerry } from '../../support/cli.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';

const AIRFLOW = join(REPO_ROOT, 'scripts/airflow.sh');
const TSX_LOADER = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const FERRY_COMMAND = `${process.execPath} --import ${TSX_LOADER} ${join(REPO_ROOT, 'src/cli/main.ts')}`;

function airflow(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      AIRFLOW,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: stdout + stderr,
        });
      },
    );
  });
}

describe('a pipeline exported to Airflow', () => {
  let f: PipelineFixture;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    // Installing Airflow takes minutes the first time; later runs find the cached venv.
    const install = await airflow(['install'], {}, 1_200_000);
    expect(install.output, 'scripts/airflow.sh install').not.toMatch(/error/i);
    f = await pipelineFixture('orch_airflow');
    f.writeConfig(`  p:
    schedule: '0 * * * *'
    start: '2026-01-01T00:00:00Z'
    defaults: { retries: 1, retry_delay: 5s, timeout: 10m }
    tasks:
      sync: { kind: sync }
      verify: { kind: verify }
      stamp: { kind: shell, command: 'echo "interval $FERRY_INTERVAL_START $FERRY_INTERVAL_END"', depends_on: [verify] }
`);
    const home = join(f.dir, 'airflow-home');
    mkdirSync(home);
    env = {
      AIRFLOW_HOME: home,
      AIRFLOW__CORE__DAGS_FOLDER: join(f.dir, 'dags'),
      FERRY_LOG_FORMAT: 'json',
      NO_COLOR: '1',
    };
  }, 1_300_000);
  afterAll(() => f?.cleanup());

  it('writes a DAG file with the same tasks, dependencies, schedule, retries and timeouts', async () => {
    const result = await runFerry([
      '-c',
      f.configPath,
      'airflow',
      'export',
      'p',
      '--out',
      join(f.dir, 'dags'),
      '--ferry-command',
      FERRY_COMMAND,
    ]);
    expect(result.code).toBe(0);
    const file = join(f.dir, 'dags', 'ferry_p.py');
    expect(existsSync(file)).toBe(true);
    const dag = readFileSync(file, 'utf8');
    expect(dag).toContain('schedule="0 * * * *"');
    expect(dag).toContain('t["sync"] = ferry_task("sync", 1, 5, 600)');
    expect(dag).toContain('t["sync"] >> t["verify"]');
    expect(dag).toContain('t["verify"] >> t["stamp"]');
    expect(dag.split('\n').length).toBeLessThan(60);
  });

  it('runs on real Airflow (`airflow dags test`) and fills the target tables', async () => {
    const list = await airflow(['dags', 'list-import-errors'], env, 300_000);
    expect(list.output).not.toContain('ferry_p.py');

    const run = await airflow(['dags', 'test', 'ferry_p', '2026-01-01T01:00:00+00:00'], env, 600_000);
    expect(run.output).not.toMatch(/Traceback/);
    expect(run.code).toBe(0);

    const { rows } = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM raw.items');
    expect(rows[0]?.n).toBe('50');
    const { rows: runs } = await f.db.target.query<{
      trigger: string;
      state: string;
      interval_start: Date;
      interval_end: Date;
      run_key: string;
    }>(`SELECT trigger, state, interval_start, interval_end, run_key FROM _ferry.pipeline_runs`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'airflow', state: 'succeeded' });
    // `dags test` makes a manual run, whose data interval is the last one complete at its date.
    expect(runs[0]?.interval_start.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(runs[0]?.interval_end.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    const { rows: tasks } = await f.db.target.query<{ task: string; state: string }>(
      `SELECT task, state FROM _ferry.task_instances ORDER BY started_at`,
    );
    expect(tasks).toEqual([
      { task: 'sync', state: 'succeeded' },
      { task: 'verify', state: 'succeeded' },
      { task: 'stamp', state: 'succeeded' },
    ]);
  });
});
