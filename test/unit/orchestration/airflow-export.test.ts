// The text of `ferry airflow export`: both DAG forms (Airflow 3, the default, and 2.x) and their pieces.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { codeSpan } from '../../../src/orchestration/airflow-dag-doc.js';
import { airflowCron, exportDag, shellQuote } from '../../../src/orchestration/airflow-export.js';
import { pipelineNamed } from '../../../src/orchestration/pipeline.js';

const config = parseConfig(
  `source: { url: "mysql://u@127.0.0.1/shop" }
target: { url: "postgres://u@127.0.0.1/w" }
pipelines:
  shop:
    schedule: '*/15 * * * *'
    timezone: Europe/Berlin
    start: '2026-01-01T00:00:00Z'
    catchup: true
    max_active_runs: 2
    concurrency: 3
    defaults: { retries: 2, retry_delay: 30s, timeout: 1h }
    tasks:
      sync_a: { kind: sync, streams: [a] }
      sync_b: { kind: sync, streams: [b], full_refresh: true }
      verify: { kind: verify, depends_on: [sync_a, sync_b] }
      gate: { kind: quality, max_quarantined: 5, depends_on: [sync_a] }
      build: { kind: transform, select: [orders+, customers], depends_on: [gate] }
      notify: { kind: shell, command: 'echo "|" done', depends_on: [verify], trigger_rule: all_done, retries: 0 }
  on_demand:
    tasks:
      sync: { kind: sync }
`,
  'ferry.yaml',
  { env: {} },
);
const pipeline = pipelineNamed(config, 'shop');
const options = { ferryCommand: 'ferry', configPath: "/etc/ferry/it's.yaml" };

describe('the exported Airflow 3 DAG', () => {
  const dag = exportDag(pipeline, options);

  it('is the default and imports from the Task SDK and the standard provider', () => {
    expect(exportDag(pipeline, { ...options, airflow: '3' })).toBe(dag);
    expect(dag).toContain('from airflow.sdk import DAG\n');
    expect(dag).toContain('from airflow.providers.standard.operators.bash import BashOperator\n');
    expect(dag).toContain('    from airflow.sdk import CronDataIntervalTimetable\n');
    expect(dag).toContain('    from airflow.timetables.interval import CronDataIntervalTimetable\n');
  });

  it('schedules by data intervals in the pipeline time zone, with catch-up and limits set explicitly', () => {
    expect(dag).toContain('dag_id="ferry_shop"');
    expect(dag).toContain('schedule=CronDataIntervalTimetable("*/15 * * * *", timezone="Europe/Berlin"),');
    expect(dag).toContain(
      'start_date=pendulum.datetime(2026, 1, 1, 0, 0, 0, tz="UTC").in_tz("Europe/Berlin")',
    );
    expect(dag).toContain('catchup=True');
    expect(dag).toContain('max_active_runs=2');
    expect(dag).toContain('max_active_tasks=3');
    const onDemand = exportDag(pipelineNamed(config, 'on_demand'), options);
    expect(onDemand).toContain('schedule=None,');
    expect(onDemand).toContain('catchup=False,');
  });

  it('moves a seconds field to the end inside the timetable', () => {
    const everyTenSeconds = { ...pipeline, schedule: '*/10 * * * * *' };
    expect(exportDag(everyTenSeconds, options)).toContain('CronDataIntervalTimetable("* * * * * */10",');
  });

  it('has one task per ferry task with its retries, delay, timeout and trigger rule, and the same edges', () => {
    expect(dag).toContain('t["sync_a"] = ferry_task("sync_a", 2, 30, 3600)');
    expect(dag).toContain('t["notify"] = ferry_task("notify", 0, 30, 3600, trigger_rule="all_done")');
    expect(dag).toContain('[t["sync_a"], t["sync_b"]] >> t["verify"]');
    expect(dag).toContain('t["verify"] >> t["notify"]');
    expect(dag).toContain('retry_exponential_backoff=True,');
    expect(dag).toContain('max_retry_delay=timedelta(hours=1),');
  });

  it("runs `ferry task run` with Airflow's run id, and the data interval only when the run has one", () => {
    expect(dag).toContain(`FERRY = "ferry --config '/etc/ferry/it'\\\\''s.yaml'"`);
    expect(dag).toContain("task run 'shop' '{name}' {RUN}");
    expect(dag).toContain('"{% if data_interval_start is defined and data_interval_start %}"');
    expect(dag).toContain(
      `" --interval-start '{{ data_interval_start }}' --interval-end '{{ data_interval_end }}'"`,
    );
  });

  it('uses none of the context keys Airflow 3 removed', () => {
    expect(dag).not.toMatch(
      /execution_date|next_ds|prev_ds|next_execution_date|prev_execution_date|tomorrow_ds|yesterday_ds|schedule_interval/,
    );
  });

  it('documents, per task, the command Airflow runs and what ferry does', () => {
    expect(dag).toContain('    doc_md=DOC,');
    expect(dag).toContain('docs/orchestration.md');
    expect(dag).toContain(
      '"| `sync_b` | `ferry task run shop sync_b` | `ferry sync --streams b --full-refresh` |  |",',
    );
    expect(dag).toContain(
      '| `verify` | `ferry task run shop verify` | `ferry verify --at-snapshot` | sync_a, sync_b |',
    );
    expect(dag).toContain('at most 5 row(s) per stream waiting in quarantine');
    expect(dag).toContain('`ferry transform --select orders+,customers` | gate |');
    // The pipe of the shell command is escaped for the Markdown table (and the backslash for Python).
    expect(dag).toContain('shell: `echo \\"\\\\|\\" done` | verify |');
  });

  it('stays small', () => {
    expect(dag.split('\n').length).toBeLessThan(70 + pipeline.tasks.length * 3);
  });
});

describe('the exported Airflow 2 DAG (--airflow 2)', () => {
  const dag = exportDag(pipeline, { ...options, airflow: '2' });

  it('keeps the 2.x form: airflow.DAG, the core BashOperator, a cron string', () => {
    expect(dag).toContain('from airflow import DAG\n');
    expect(dag).toContain('from airflow.operators.bash import BashOperator\n');
    expect(dag).toContain('schedule="*/15 * * * *",');
    expect(dag).toContain('catchup=True');
    expect(dag).toContain('t["notify"] = ferry_task("notify", 0, 30, 3600, trigger_rule="all_done")');
    expect(dag).toContain("--run-id '{{ run_id }}' --interval-start '{{ data_interval_start }}'");
    expect(dag).not.toContain('airflow.sdk');
  });
});

describe('the pieces of the DAG text', () => {
  it('quotes shell words', () => {
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
  });

  it("moves a seconds field to the end, where Airflow's croniter reads it", () => {
    expect(airflowCron('*/10 * * * * *')).toBe('* * * * * */10');
    expect(airflowCron('0 6 * * 1-5')).toBe('0 6 * * 1-5');
  });

  it('makes Markdown code spans that hold backticks, pipes and line breaks', () => {
    expect(codeSpan('ferry sync')).toBe('`ferry sync`');
    // CommonMark strips one space from each side when both are there.
    expect(codeSpan('echo `date`')).toBe('`` echo `date` ``');
    expect(codeSpan('a | b')).toBe('`a \\| b`');
    expect(codeSpan('one\n  two')).toBe('`one ↵ two`');
  });
});
