// The exported DAG on real Apache Airflow 3.3 (installed from PyPI by scripts/airflow.sh): Airflow reads
// the schedule, limits and retries as exported, and `airflow dags test` runs every task through
// `ferry task run` against this test's databases, with the cron data interval. The `--airflow 2` form
// is compiled, and imported by Airflow 2.10 where that environment is installed.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runFerry } from '../../support/cli.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';

const AIRFLOW = join(REPO_ROOT, 'scripts/airflow.sh');
const FACTS = fileURLToPath(new URL('airflow_dag_facts.py', import.meta.url));
const TSX_LOADER = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const FERRY_COMMAND = `${process.execPath} --import ${TSX_LOADER} ${join(REPO_ROOT, 'src/cli/main.ts')}`;
/** The logical date of the test run: 06:00 in Berlin (UTC+1 in January), a tick of the schedule. */
const LOGICAL_DATE = '2026-01-02T05:00:00+00:00';
const INTERVAL = { start: '2026-01-01T05:00:00.000Z', end: '2026-01-02T05:00:00.000Z' };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function airflow(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      AIRFLOW,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Whether scripts/airflow.sh has the environment of this Airflow major version (installs nothing). */
function installed(major: string): boolean {
  try {
    execFileSync(AIRFLOW, ['installed'], { env: { ...process.env, FERRY_AIRFLOW: major }, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface DagFacts {
  airflow: string;
  import_errors: Record<string, string>;
  dags: string[];
  timetable: { class: string; summary: string; timezone: string };
  catchup: boolean;
  max_active_runs: number;
  max_active_tasks: number;
  doc_md: string;
  tasks: Record<string, Record<string, unknown>>;
  manual_interval: [string, string];
  command_with_interval: string;
  command_without_interval: string;
}

describe('a pipeline exported to Airflow 3', () => {
  let f: PipelineFixture;
  let env: NodeJS.ProcessEnv;
  let dags: string;
  beforeAll(async () => {
    // Installing Airflow takes a minute or so the first time; later runs find the cached venv.
    const install = await airflow(['install'], {}, 1_200_000);
    expect(install.stdout + install.stderr, 'scripts/airflow.sh install').not.toMatch(/error/i);
    f = await pipelineFixture('orch_airflow');
    dags = join(f.dir, 'dags');
    f.writeConfig(`  p:
    schedule: '0 6 * * *'
    timezone: Europe/Berlin
    start: '2026-01-01T00:00:00Z'
    catchup: true
    max_active_runs: 2
    concurrency: 3
    defaults: { retries: 1, retry_delay: 5s, timeout: 10m }
    tasks:
      sync: { kind: sync }
      verify: { kind: verify }
      stamp:
        kind: shell
        command: 'echo "$FERRY_INTERVAL_START $FERRY_INTERVAL_END" > ${join(f.dir, 'interval.txt')}'
        depends_on: [verify]
        trigger_rule: all_done
`);
    const home = join(f.dir, 'airflow-home');
    mkdirSync(home);
    env = { AIRFLOW_HOME: home, AIRFLOW__CORE__DAGS_FOLDER: dags, FERRY_LOG_FORMAT: 'json', NO_COLOR: '1' };
  }, 1_300_000);
  afterAll(() => f?.cleanup());

  it('writes a DAG file for Airflow 3: the Task SDK, the standard provider, a data-interval timetable', async () => {
    const result = await runFerry(
      ['-c', f.configPath, 'airflow', 'export', 'p', '--out', dags, '--ferry-command', FERRY_COMMAND],
      {},
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('(DAG ferry_p, Airflow 3)');
    const dag = readFileSync(join(dags, 'ferry_p.py'), 'utf8');
    expect(dag).toContain('from airflow.sdk import DAG');
    expect(dag).toContain('from airflow.providers.standard.operators.bash import BashOperator');
    expect(dag).toContain('schedule=CronDataIntervalTimetable("0 6 * * *", timezone="Europe/Berlin")');
    expect(dag).not.toMatch(/execution_date|next_ds|prev_ds|schedule_interval|airflow\.operators\.bash/);
  });

  it('is read by Airflow 3.3 with the schedule, time zone, catch-up, limits, retries and edges of the pipeline', async () => {
    const run = await airflow(['python', FACTS, dags, 'ferry_p', LOGICAL_DATE], env, 300_000);
    expect(run.code, run.stderr).toBe(0);
    const facts = JSON.parse(run.stdout) as DagFacts;
    expect(facts.airflow).toMatch(/^3\.3\./);
    expect(facts.import_errors).toEqual({});
    expect(facts.timetable).toEqual({
      class: 'CronDataIntervalTimetable',
      summary: '0 6 * * *',
      timezone: 'Europe/Berlin',
    });
    expect(facts).toMatchObject({ catchup: true, max_active_runs: 2, max_active_tasks: 3 });
    const retry = {
      retries: 1,
      retry_delay: 5,
      retry_exponential_backoff: 2,
      max_retry_delay: 3600,
      execution_timeout: 600,
    };
    expect(facts.tasks).toEqual({
      sync: { ...retry, trigger_rule: 'all_success', upstream: [] },
      verify: { ...retry, trigger_rule: 'all_success', upstream: ['sync'] },
      stamp: { ...retry, trigger_rule: 'all_done', upstream: ['verify'] },
    });
    expect(facts.doc_md).toContain(
      '| `verify` | `ferry task run p verify` | `ferry verify --at-snapshot` | sync |',
    );
    expect(facts.doc_md).toContain('docs/orchestration.md');
    // A manual run at a tick covers the day before it, in Berlin time, not the empty [tick, tick].
    expect(facts.manual_interval).toEqual(['2026-01-01T05:00:00+00:00', '2026-01-02T05:00:00+00:00']);
    expect(facts.command_with_interval).toContain(
      "task run 'p' 'sync' --run-id 'scheduled__x' --interval-start '2026-01-01 05:00:00+00:00' --interval-end '2026-01-02 05:00:00+00:00'",
    );
    // Without a logical date Airflow 3 puts no data interval in the context; ferry records [now, now].
    expect(facts.command_without_interval).toMatch(/task run 'p' 'sync' --run-id 'manual__y'$/);
  });

  it('runs on Airflow 3.3 (`airflow dags test`), fills the target tables and hands ferry the cron interval', async () => {
    const run = await airflow(['dags', 'test', 'ferry_p', LOGICAL_DATE], env, 600_000);
    expect(run.stdout + run.stderr).not.toMatch(/Traceback/);
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
    expect(runs[0]?.run_key).toMatch(/^airflow__manual__/);
    expect(runs[0]?.interval_start.toISOString()).toBe(INTERVAL.start);
    expect(runs[0]?.interval_end.toISOString()).toBe(INTERVAL.end);
    // What a shell task sees.
    expect(readFileSync(join(f.dir, 'interval.txt'), 'utf8').trim()).toBe(
      `${INTERVAL.start} ${INTERVAL.end}`,
    );
    const { rows: tasks } = await f.db.target.query<{ task: string; state: string }>(
      `SELECT task, state FROM _ferry.task_instances ORDER BY started_at`,
    );
    expect(tasks).toEqual([
      { task: 'sync', state: 'succeeded' },
      { task: 'verify', state: 'succeeded' },
      { task: 'stamp', state: 'succeeded' },
    ]);
  });

  describe('with --airflow 2', () => {
    let file: string;
    beforeAll(async () => {
      const out = join(f.dir, 'dags2');
      const result = await runFerry(
        ['-c', f.configPath, 'airflow', 'export', 'p', '--airflow', '2', '--out', out],
        {},
      );
      expect(result.code, result.stderr).toBe(0);
      file = join(out, 'ferry_p.py');
    });

    it('writes the Airflow 2 form, which Python compiles', async () => {
      expect(existsSync(file)).toBe(true);
      const dag = readFileSync(file, 'utf8');
      expect(dag).toContain('from airflow import DAG');
      expect(dag).toContain('schedule="0 6 * * *"');
      const compiled = await airflow(['python', '-m', 'py_compile', file], env, 120_000);
      expect(compiled.code, compiled.stderr).toBe(0);
    });

    it.skipIf(!installed('2'))(
      'is imported by Airflow 2.10 (FERRY_AIRFLOW=2 scripts/airflow.sh install)',
      async () => {
        const home = join(f.dir, 'airflow2-home');
        mkdirSync(home, { recursive: true });
        const run = await airflow(
          ['python', FACTS, join(f.dir, 'dags2'), 'ferry_p'],
          { FERRY_AIRFLOW: '2', AIRFLOW_HOME: home },
          300_000,
        );
        expect(run.code, run.stderr).toBe(0);
        const facts = JSON.parse(run.stdout) as DagFacts;
        expect(facts.airflow).toMatch(/^2\.10\./);
        expect(facts.import_errors).toEqual({});
        expect(facts.dags).toEqual(['ferry_p']);
      },
    );
  });
});
