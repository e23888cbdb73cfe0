// What users ask of pipelines by hand: trigger a run, backfill past intervals, clear a run from a
// task on, and wait for runs to finish (running a worker in this process meanwhile, if asked).
import { inTransaction } from '../connectors/postgres/transaction.js';
import { randomBytes } from 'node:crypto';
import { ConfigError, FerryError } from '../errors.js';
import { advancePipeline } from './advance.js';
import type { Orchestrator } from './orchestrator.js';
import { downstreamOf, pipelineNamed, taskNamed, type Pipeline } from './pipeline.js';
import { intervalsWithin, latestInterval, parseSchedule, type DataInterval } from './schedule.js';
import { createRun, readRun, scheduledRunKey, type RunRow } from './store.js';
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
  const runId = await createRun(orch.pool, pipeline, { trigger: 'manual', runKey, interval, params });
  if (!runId) throw new FerryError('engine', `could not create a run of ${pipelineName}`);
  await advancePipeline(orch.pool, orch.boss, pipeline);
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
    const runId = await createRun(orch.pool, pipeline, {
      trigger: 'backfill',
      runKey: scheduledRunKey(interval),
      interval,
    });
    if (runId) result.created.push({ runId, interval });
    else result.existing.push(interval);
  }
  await advancePipeline(orch.pool, orch.boss, pipeline);
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
  const run = await readRun(orch.pool, runId);
  if (!run) throw new ConfigError(`no run ${runId}`, [], { hint: 'list runs with `ferry runs`' });
  if (run.trigger === 'airflow')
    throw new ConfigError(`run ${runId} was started by Airflow`, [], {
      hint: 'clear its tasks in Airflow instead',
    });
  const pipeline = pipelineNamed(orch.config, run.pipeline);
  const cleared = fromTask
    ? [...downstreamOf(pipeline, taskNamed(pipeline, fromTask).name)]
    : (
        await orch.pool.query<{ task: string }>(
          `SELECT task FROM "_ferry"."task_instances" WHERE run_id = $1 AND state <> 'succeeded'`,
          [runId],
        )
      ).rows.map((r) => r.task);
  const client = await orch.pool.connect();
  try {
    await inTransaction(client, async () => {
      const active = await client.query<{ task: string }>(
        `SELECT task FROM "_ferry"."task_instances" WHERE run_id = $1 AND task = ANY($2) AND state IN ('queued', 'running', 'up_for_retry') FOR UPDATE`,
        [runId, cleared],
      );
      if (active.rows.length > 0)
        throw new ConfigError(
          `run ${runId}: ${active.rows.map((r) => r.task).join(', ')} still running`,
          [],
          {
            hint: 'wait for the run to finish, then retry it',
          },
        );
      for (const name of cleared) {
        const task = taskNamed(pipeline, name);
        await client.query(
          `UPDATE "_ferry"."task_instances" SET state = 'pending', max_attempts = attempts + $3, started_at = NULL, finished_at = NULL, error = NULL, rows_moved = NULL
            WHERE run_id = $1 AND task = $2`,
          [runId, name, task.retries + 1],
        );
      }
      await client.query(
        `UPDATE "_ferry"."pipeline_runs" SET state = 'queued', finished_at = NULL WHERE run_id = $1`,
        [runId],
      );
    });
  } finally {
    client.release();
  }
  await advancePipeline(orch.pool, orch.boss, pipeline);
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
    const { rows } = await orch.pool.query<RunRow>(
      `SELECT * FROM "_ferry"."pipeline_runs" WHERE run_id = ANY($1::bigint[])`,
      [runIds],
    );
    if (rows.every((r) => r.state === 'succeeded' || r.state === 'failed')) return rows;
    if (signal.aborted)
      throw new FerryError('interrupted', 'stopped waiting for the runs; they go on in the workers');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    // A run can only move on when something advances it; do it here too, in case no scheduler runs.
    for (const name of new Set(rows.map((r) => r.pipeline)))
      await advancePipeline(orch.pool, orch.boss, pipelineOf(orch, name));
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
