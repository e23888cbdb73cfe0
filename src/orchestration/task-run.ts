// `ferry task run`: one task of a pipeline run in this process, outside ferry's queue. What Airflow's
// exported DAG calls; the run is recorded in ferry's history under the caller's run id, so
// `ferry runs` shows Airflow's runs too. The caller (Airflow) owns retries and ordering.
import type { Project } from '../config/project.js';
import type { Queryable } from '../connectors/postgres/connect.js';
import { ConfigError, FerryError, messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { runAttempt } from './attempt.js';
import { openHistory } from './orchestrator.js';
import { pipelineNamed, taskNamed } from './pipeline.js';
import type { DataInterval } from './schedule.js';
import type { FerryState } from '../state/ferry-state.js';
import type { RunRow } from '../state/pipeline-runs.js';

export interface ExternalTaskOptions {
  project: Project;
  state: FerryState;
  pipeline: string;
  task: string;
  /** A ferry run id, or the caller's own run id (Airflow's run_id). */
  runId?: string;
  interval?: DataInterval;
  params: Record<string, string>;
  logger: Logger;
  signal: AbortSignal;
  echo?: NodeJS.WritableStream;
}

async function findOrCreateRun(pool: Queryable, options: ExternalTaskOptions, now: Date): Promise<RunRow> {
  const pipeline = pipelineNamed(options.project.config, options.pipeline);
  const history = options.state.pipelines;
  if (options.runId && /^\d+$/.test(options.runId)) {
    const run = await history.readRun(pool, options.runId);
    if (run && run.pipeline === pipeline.name) return run;
  }
  const runKey = options.runId ? `airflow__${options.runId}` : `cli__${now.toISOString()}`;
  const interval = options.interval ?? { start: now, end: now };
  await history.createRun(pool, pipeline, {
    trigger: options.runId ? 'airflow' : 'manual',
    runKey,
    interval,
    params: options.params,
  });
  const run = await history.readRunByKey(pool, pipeline.name, runKey);
  if (!run) throw new FerryError('engine', `could not record run ${runKey} of ${pipeline.name}`);
  return run;
}

export async function runExternalTask(
  options: ExternalTaskOptions,
): Promise<{ run: RunRow; rows: number | undefined }> {
  const pipeline = pipelineNamed(options.project.config, options.pipeline);
  const task = taskNamed(pipeline, options.task);
  const history = options.state.pipelines;
  if (options.interval && options.interval.start.getTime() > options.interval.end.getTime())
    throw new ConfigError('--interval-start is after --interval-end');
  const pool = await openHistory(options.project, options.state, options.logger, 2);
  try {
    const run = await findOrCreateRun(pool, options, new Date());
    // The caller decides when to run a task again (an Airflow retry or clear): reopen it.
    await history.reopenTask(pool, run.run_id, task.name);
    const result = await runAttempt({
      pool,
      project: options.project,
      state: options.state,
      pipeline,
      task,
      run,
      jobId: null,
      finalAttempt: true,
      logger: options.logger,
      signal: options.signal,
      ...(options.echo ? { echo: options.echo } : {}),
    });
    await history.settleExternalRun(pool, run.run_id);
    if (result.state === 'skipped')
      throw new FerryError('engine', `run ${run.run_id} ${task.name} could not be claimed`);
    if (result.state !== 'succeeded') {
      const error = result.error;
      if (error instanceof FerryError) throw error;
      throw new FerryError('engine', `${task.name} failed: ${messageOf(error)}`, { cause: error });
    }
    return { run, rows: result.outcome.rows };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
