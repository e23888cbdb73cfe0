import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { airflowCron, exportDag, shellQuote } from '../../../src/orchestration/airflow-export.js';
import { pipelineNamed } from '../../../src/orchestration/pipeline.js';

const pipeline = pipelineNamed(
  parseConfig(
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
      sync_b: { kind: sync, streams: [b] }
      verify: { kind: verify, depends_on: [sync_a, sync_b] }
      notify: { kind: shell, command: 'true', depends_on: [verify], trigger_rule: all_done, retries: 0 }
`,
    'ferry.yaml',
    { env: {} },
  ),
  'shop',
);

describe('the exported Airflow DAG', () => {
  const dag = exportDag(pipeline, { ferryCommand: 'ferry', configPath: "/etc/ferry/it's.yaml" });

  it('carries the schedule, time zone, catch-up and limits', () => {
    expect(dag).toContain('dag_id="ferry_shop"');
    expect(dag).toContain('schedule="*/15 * * * *"');
    expect(dag).toContain(
      'start_date=pendulum.datetime(2026, 1, 1, 0, 0, 0, tz="UTC").in_tz("Europe/Berlin")',
    );
    expect(dag).toContain('catchup=True');
    expect(dag).toContain('max_active_runs=2');
    expect(dag).toContain('max_active_tasks=3');
  });

  it('has one task per ferry task with its retries, delay, timeout and trigger rule, and the same edges', () => {
    expect(dag).toContain('t["sync_a"] = ferry_task("sync_a", 2, 30, 3600)');
    expect(dag).toContain('t["notify"] = ferry_task("notify", 0, 30, 3600, trigger_rule="all_done")');
    expect(dag).toContain('[t["sync_a"], t["sync_b"]] >> t["verify"]');
    expect(dag).toContain('t["verify"] >> t["notify"]');
  });

  it("runs `ferry task run` with Airflow's run id and data interval, the config path quoted for the shell", () => {
    expect(dag).toContain(`FERRY = "ferry --config '/etc/ferry/it'\\\\''s.yaml'"`);
    expect(dag).toContain("task run 'shop' '{name}' {RUN}");
    expect(dag).toContain("--run-id '{{ run_id }}' --interval-start '{{ data_interval_start }}'");
  });

  it('stays small', () => {
    expect(dag.split('\n').length).toBeLessThan(50);
  });

  it('quotes shell words', () => {
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
  });

  it("moves a seconds field to the end, where Airflow's croniter reads it", () => {
    expect(airflowCron('*/10 * * * * *')).toBe('* * * * * */10');
    expect(airflowCron('0 6 * * 1-5')).toBe('0 6 * * 1-5');
  });
});
