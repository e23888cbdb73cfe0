// `ferry worker`: takes task jobs from the queue (pg-boss: SKIP LOCKED, so each job goes to one
// worker), runs each attempt, records it, and moves the run forward. A transient failure with
// retries left goes back to the queue as failed, which retries it with jittered exponential
// backoff; a terminal one is dead-lettered, which ends the job without using its retries.
import type { JobResult, JobWithMetadata } from 'pg-boss';
import { messageOf } from '../errors.js';
import { advancePipeline } from './advance.js';
import { runAttempt } from './attempt.js';
import type { Orchestrator } from './orchestrator.js';
import { pipelineNamed, taskNamed } from './pipeline.js';
import { TASK_QUEUE, type TaskJob } from './queue.js';

export interface WorkerOptions {
  /** Tasks this process runs at the same time. */
  concurrency: number;
  signal: AbortSignal;
  echo?: NodeJS.WritableStream;
}

export async function startWorker(orch: Orchestrator, options: WorkerOptions): Promise<() => Promise<void>> {
  const { boss, pool, config, logger } = orch;
  const history = orch.state.pipelines;
  const workOptions = {
    localConcurrency: options.concurrency,
    pollingIntervalSeconds: 0.5,
    includeMetadata: true,
    perJobResults: true,
  } as const;
  const runJob = async (job: JobWithMetadata<TaskJob>): Promise<JobResult> => {
    const run = await history.readRun(pool, job.data.runId);
    if (!run) {
      logger.warn({ job: job.id }, `run ${job.data.runId} no longer exists; job dropped`);
      return { id: job.id, status: 'completed' };
    }
    const pipeline = pipelineNamed(config, run.pipeline);
    const task = taskNamed(pipeline, job.data.task);
    const signal = AbortSignal.any([options.signal, job.signal]);
    const result = await runAttempt({
      pool,
      project: orch.project,
      state: orch.state,
      pipeline,
      task,
      run,
      jobId: job.id,
      finalAttempt: job.retryCount >= job.retryLimit,
      logger,
      signal,
      ...(options.echo ? { echo: options.echo } : {}),
    });
    if (result.state === 'skipped') return { id: job.id, status: 'completed' };
    logger.info(
      { run: run.run_id, task: task.name, state: result.state, attempt: result.attempt },
      `run ${run.run_id} ${task.name}: ${result.state}`,
    );
    if (result.state !== 'up_for_retry') await advancePipeline(orch, pipeline);
    if (result.state === 'succeeded') return { id: job.id, status: 'completed' };
    const output = { error: messageOf(result.error) };
    // A stopped worker leaves the task to the queue, which hands it on as the next attempt.
    if (result.state === 'up_for_retry' || signal.aborted) return { id: job.id, status: 'failed', output };
    return { id: job.id, status: 'deadletter', output };
  };
  const workerId = await boss.work<TaskJob, unknown, typeof workOptions>(
    TASK_QUEUE,
    workOptions,
    (jobs: JobWithMetadata<TaskJob>[]) => Promise.all(jobs.map(runJob)),
  );
  return async () => {
    await boss.offWork(TASK_QUEUE, { id: workerId, wait: true }).catch(() => undefined);
  };
}
