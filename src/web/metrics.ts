// /metrics in the Prometheus text format (prom-client): per stream rows loaded, last success, rows
// waiting in quarantine, and lag and changes per second for change-data-capture streams; per pipeline
// runs by state and task durations. Read from the state tables at each scrape, so every `ferry ui` or
// `ferry server` reports the same numbers, whichever process ran the work.
import { Counter, Gauge, Registry } from 'prom-client';
import { version } from '../version.js';
import { streamSummaries } from './api/streams.js';
import type { UiContext } from './ui-context.js';

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
}

export function createMetrics(ctx: UiContext): Metrics {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });

  const info = gauge('ferry_info', 'ferry version of this process (always 1)', ['version']);
  const rowsLoaded = counter(
    'ferry_stream_rows_loaded_total',
    'Rows loaded into the stream over every run in the history',
    ['stream'],
  );
  const lastRows = gauge('ferry_stream_last_run_rows_loaded', "Rows the stream's latest run loaded", [
    'stream',
  ]);
  const rows = gauge('ferry_stream_rows', 'Rows in the target table after its last load', ['stream']);
  const lastSuccess = gauge(
    'ferry_stream_last_success_timestamp_seconds',
    'When the stream last finished a run successfully (Unix time)',
    ['stream'],
  );
  const lastFailed = gauge('ferry_stream_last_run_failed', "1 when the stream's latest run failed", [
    'stream',
  ]);
  const quarantined = gauge('ferry_stream_quarantined_rows', 'Rows of the stream waiting in quarantine', [
    'stream',
  ]);
  const lag = gauge(
    'ferry_stream_lag_seconds',
    'Seconds the applied data trails the source (change data capture streams)',
    ['stream'],
  );
  const throughput = gauge(
    'ferry_stream_changes_per_second',
    'Changes applied per second at the latest sample (change data capture streams)',
    ['stream'],
  );
  const sampleAge = gauge(
    'ferry_stream_sample_timestamp_seconds',
    'When the latest lag sample was taken (Unix time): a stale sample means the stream stopped',
    ['stream'],
  );
  const runs = gauge('ferry_pipeline_runs', 'Runs of the pipeline in the history, by state', [
    'pipeline',
    'state',
  ]);
  const taskRuns = counter(
    'ferry_task_runs_total',
    'Finished task instances (their latest attempt), by state',
    ['pipeline', 'task', 'state'],
  );
  const taskSeconds = counter(
    'ferry_task_duration_seconds_total',
    'Seconds spent in finished task instances (latest attempt); divide by ferry_task_runs_total for the mean',
    ['pipeline', 'task'],
  );
  const lastTaskSeconds = gauge(
    'ferry_task_last_duration_seconds',
    'Seconds the latest finished instance of the task took',
    ['pipeline', 'task'],
  );

  async function gather(): Promise<void> {
    const history = ctx.orch.state.pipelines;
    const [streams, runCounts, tasks] = await Promise.all([
      streamSummaries(ctx),
      history.runCounts(ctx.orch.pool),
      history.taskTotals(ctx.orch.pool),
    ]);
    registry.resetMetrics();
    info.set({ version }, 1);
    for (const s of streams.streams) {
      const stream = s.table;
      if (s.rowsTotal !== null) rows.set({ stream }, s.rowsTotal);
      quarantined.set({ stream }, s.quarantined);
      if (s.runs > 0) rowsLoaded.inc({ stream }, s.rowsLoadedTotal);
      if (s.lastRun) {
        lastRows.set({ stream }, s.lastRun.rowsLoaded);
        lastFailed.set({ stream }, s.lastRun.status === 'failed' ? 1 : 0);
      }
      if (s.lastSuccessAt) lastSuccess.set({ stream }, Date.parse(s.lastSuccessAt) / 1000);
      if (s.lag) {
        if (s.lag.lagSeconds !== null) lag.set({ stream }, s.lag.lagSeconds);
        if (s.lag.changesPerSecond !== null) throughput.set({ stream }, s.lag.changesPerSecond);
        sampleAge.set({ stream }, Date.parse(s.lag.sampledAt) / 1000);
      }
    }
    for (const r of runCounts) runs.set({ pipeline: r.pipeline, state: r.state }, r.runs);
    const latest = new Map<string, { at: number; seconds: number }>();
    for (const t of tasks) {
      taskRuns.inc({ pipeline: t.pipeline, task: t.task, state: t.state }, t.count);
      taskSeconds.inc({ pipeline: t.pipeline, task: t.task }, t.seconds);
      const key = JSON.stringify([t.pipeline, t.task]);
      const at = t.lastFinishedAt.getTime();
      if ((latest.get(key)?.at ?? -Infinity) < at) latest.set(key, { at, seconds: t.lastSeconds });
    }
    for (const [key, { seconds }] of latest) {
      const [pipeline, task] = JSON.parse(key) as [string, string];
      lastTaskSeconds.set({ pipeline, task }, seconds);
    }
  }

  // Scrapes one at a time: each resets the values and reads them anew.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    render() {
      const next = queue.then(async () => {
        await gather();
        return registry.metrics();
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
