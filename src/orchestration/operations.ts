// What users ask of pipelines by hand: trigger a run, backfill past intervals, clear a run from a
// task on, and wait for runs to finish (running a worker in this process meanwhile, if asked).
import { inTransaction } from '../connectors/postgres/transaction.js';
import { randomBytes } from 'node:crypto';
import { ConfigError, FerryError } from '../errors.js';
import { advancePipeline } from './advance.js';
import type { Orchestrator } from './orchestrator.js';
import { downstreamOf, pipelineNamed, taskNamed, type Pipeline } from './pipeline.js';
import { intervalsWithin, latestInterval, parseSchedule, type DataInterval } from './schedule.js';
import type { RunRow } from '../state/pipeline-runs.js';
import { scheduledRunKey } from './schedule.js';
import { startWorker } from './worker.js';

export async function triggerRun(
  orch: Orchestrator,
  pipelineName: string,
  params: Record<string, string>,
  now = new Date(),
): Promise<string> {
  const pipeline = pipelineNamed(orch.config, pipelineName);
  // Like Airflow: a manual run of a scheduled pipeline covers the last complete interval.
  const interval: DataInterval = (pipeline.schedule
    ? latestInterval(parseSchedule(pipeline.schedule, pipeline.timezone), now)
    : undefined) ?? { start: now, end: now };
  const runKey = `manual__${now.toISOString()}__${randomBytes(3).toString('hex')}`;
  const runId = await orch.state.pipelines.createRun(orch.pool, pipeline, {
    trigger: 'manual',
    runKey,
    interval,
    params,
  });
  if (!runId) throw new FerryError('engine', `could not create a run of ${pipelineName}`);
  await advancePipeline(orch, pipeline);
  return runId;
}

export interface BackfillResult {
  created: { runId: string; interval: DataInterval }[];
  existing: DataInterval[];
}

export async function backfill(
  orch: Orchestrator,
  pipelineName: string,
  from: Date,
  to: Date,
): Promise<BackfillResult> {
  const pipeline = pipelineNamed(orch.config, pipelineName);
  if (!pipeline.schedule)
    throw new ConfigError(
      `pipeline ${pipelineName} has no schedule, so it has no intervals to backfill`,
      [],
      {
        hint: `give it a schedule in ferry.yaml, or run it with \`ferry trigger ${pipelineName}\``,
      },
    );
  if (!(from.getTime() < to.getTime()))
    throw new ConfigError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  const intervals = intervalsWithin(parseSchedule(pipeline.schedule, pipeline.timezone), from, to);
  const result: BackfillResult = { created: [], existing: [] };
  for (const interval of intervals) {
    const runId = await orch.state.pipelines.createRun(orch.pool, pipeline, {
      trigger: 'backfill',
      runKey: scheduledRunKey(interval),
      interval,
    });
    if (runId) result.created.push({ runId, interval });
    else result.existing.push(interval);
  }
  await advancePipeline(orch, pipeline);
  return result;
}

/**
 * Clears a finished (or stuck) run so it runs again: from `fromTask` and everything downstream of
 * it, or, without it, the tasks that did not succeed. Tasks that succeeded upstream are kept.
 */
export async function retryRun(
  orch: Orchestrator,
  runId: string,
  fromTask?: string,
): Promise<{ run: RunRow; cleared: string[] }> {
  const history = orch.state.pipelines;
  const run = await history.readRun(orch.pool, runId);
  if (!run) throw new ConfigError(`no run ${runId}`, [], { hint: 'list runs with `ferry runs`' });
  if (run.trigger === 'airflow')
    throw new ConfigError(`run ${runId} was started by Airflow`, [], {
      hint: 'clear its tasks in Airflow instead',
    });
  const pipeline = pipelineNamed(orch.config, run.pipeline);
  const cleared = fromTask
    ? [...downstreamOf(pipeline, taskNamed(pipeline, fromTask).name)]
    : await history.unfinishedTasks(orch.pool, runId);
  const client = await orch.pool.connect();
  try {
    await inTransaction(client, async () => {
      const active = await history.activeTasksForUpdate(client, runId, cleared);
      if (active.length > 0)
        throw new ConfigError(`run ${runId}: ${active.join(', ')} still running`, [], {
          hint: 'wait for the run to finish, then retry it',
        });
      for (const name of cleared) {
        const task = taskNamed(pipeline, name);
        await history.clearTask(client, runId, name, task.retries + 1);
      }
      await history.requeueRun(client, runId);
    });
  } finally {
    client.release();
  }
  await advancePipeline(orch, pipeline);
  return { run, cleared: pipeline.tasks.map((t) => t.name).filter((n) => cleared.includes(n)) };
}

/** Waits until every run is finished; resolves with their final rows. */
export async function waitForRuns(
  orch: Orchestrator,
  runIds: readonly string[],
  signal: AbortSignal,
  pollMs = 500,
): Promise<RunRow[]> {
  for (;;) {
    const rows = await orch.state.pipelines.readRuns(orch.pool, runIds);
    if (rows.every((r) => r.state === 'succeeded' || r.state === 'failed')) return rows;
    if (signal.aborted)
      throw new FerryError('interrupted', 'stopped waiting for the runs; they go on in the workers');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    // A run can only move on when something advances it; do it here too, in case no scheduler runs.
    for (const name of new Set(rows.map((r) => r.pipeline)))
      await advancePipeline(orch, pipelineOf(orch, name));
  }
}

function pipelineOf(orch: Orchestrator, name: string): Pipeline {
  return pipelineNamed(orch.config, name);
}

/** Runs a worker in this process until the runs are finished (for `--wait` without `ferry worker`). */
export async function runUntilDone(
  orch: Orchestrator,
  runIds: readonly string[],
  signal: AbortSignal,
  concurrency = 2,
): Promise<RunRow[]> {
  if (runIds.length === 0) return [];
  const stop = await startWorker(orch, { concurrency, signal });
  try {
    return await waitForRuns(orch, runIds, signal);
  } finally {
    await stop();
  }
}
