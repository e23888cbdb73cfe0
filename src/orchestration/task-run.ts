// `ferry task run`: one task of a pipeline run in this process, outside ferry's queue. What Airflow's
// exported DAG calls; the run is recorded in ferry's history under the caller's run id, so
// `ferry runs` shows Airflow's runs too. The caller (Airflow) owns retries and ordering.
import type { FerryConfig } from '../config/schema.js';
import { ConfigError, FerryError, messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { runAttempt } from './attempt.js';
import { openHistory } from './orchestrator.js';
import { pipelineNamed, taskNamed } from './pipeline.js';
import type { DataInterval } from './schedule.js';
import { createRun, readRun, type Queryable, type RunRow } from './store.js';

export interface ExternalTaskOptions {
  config: FerryConfig;
  configPath: string;
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
  const pipeline = pipelineNamed(options.config, options.pipeline);
  if (options.runId && /^\d+$/.test(options.runId)) {
    const run = await readRun(pool, options.runId);
    if (run && run.pipeline === pipeline.name) return run;
  }
  const runKey = options.runId ? `airflow__${options.runId}` : `cli__${now.toISOString()}`;
  const interval = options.interval ?? { start: now, end: now };
  await createRun(pool, pipeline, {
    trigger: options.runId ? 'airflow' : 'manual',
    runKey,
    interval,
    params: options.params,
  });
  const { rows } = await pool.query<RunRow>(
    `SELECT * FROM "_ferry"."pipeline_runs" WHERE pipeline = $1 AND run_key = $2`,
    [pipeline.name, runKey],
  );
  if (!rows[0]) throw new FerryError('engine', `could not record run ${runKey} of ${pipeline.name}`);
  return rows[0];
}

export async function runExternalTask(
  options: ExternalTaskOptions,
): Promise<{ run: RunRow; rows: number | undefined }> {
  const pipeline = pipelineNamed(options.config, options.pipeline);
  const task = taskNamed(pipeline, options.task);
  if (options.interval && options.interval.start.getTime() > options.interval.end.getTime())
    throw new ConfigError('--interval-start is after --interval-end');
  const pool = await openHistory(options.config, options.logger, 2);
  try {
    const run = await findOrCreateRun(pool, options, new Date());
    // The caller decides when to run a task again (an Airflow retry or clear): reopen it.
    await pool.query(
      `UPDATE "_ferry"."task_instances" SET state = 'queued', max_attempts = greatest(max_attempts, attempts + 1) WHERE run_id = $1 AND task = $2`,
      [run.run_id, task.name],
    );
    const result = await runAttempt({
      pool,
      config: options.config,
      configPath: options.configPath,
      pipeline,
      task,
      run,
      jobId: null,
      finalAttempt: true,
      logger: options.logger,
      signal: options.signal,
      ...(options.echo ? { echo: options.echo } : {}),
    });
    await pool.query(
      `UPDATE "_ferry"."pipeline_runs" r SET
         state = CASE WHEN bool_or_failed THEN 'failed' WHEN all_ok THEN 'succeeded' ELSE 'running' END,
         started_at = coalesce(r.started_at, now()),
         finished_at = CASE WHEN bool_or_failed OR all_ok THEN now() END
        FROM (SELECT bool_or(state IN ('failed', 'upstream_failed')) AS bool_or_failed, bool_and(state = 'succeeded') AS all_ok
                FROM "_ferry"."task_instances" WHERE run_id = $1) t
       WHERE r.run_id = $1`,
      [run.run_id],
    );
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
