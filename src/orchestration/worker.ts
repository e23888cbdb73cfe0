// `ferry worker`: takes task jobs from the queue (pg-boss: SKIP LOCKED, so each job goes to one
// worker), runs each attempt, records it, and moves the run forward. A failed attempt with retries
// left is thrown back to the queue, which retries it with exponential backoff.
import type { JobWithMetadata } from 'pg-boss';
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
  } as const;
  const workerId = await boss.work<TaskJob, void, typeof workOptions>(
    TASK_QUEUE,
    workOptions,
    async ([job]: JobWithMetadata<TaskJob>[]) => {
      if (!job) return;
      const run = await history.readRun(pool, job.data.runId);
      if (!run) {
        logger.warn({ job: job.id }, `run ${job.data.runId} no longer exists; job dropped`);
        return;
      }
      const pipeline = pipelineNamed(config, run.pipeline);
      const task = taskNamed(pipeline, job.data.task);
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
        signal: AbortSignal.any([options.signal, job.signal]),
        ...(options.echo ? { echo: options.echo } : {}),
      });
      if (result.state === 'skipped') return;
      logger.info(
        { run: run.run_id, task: task.name, state: result.state, attempt: result.attempt },
        `run ${run.run_id} ${task.name}: ${result.state}`,
      );
      if (result.state !== 'up_for_retry') await advancePipeline(orch, pipeline);
      if (result.state !== 'succeeded') throw new Error(messageOf(result.error));
    },
  );
  return async () => {
    await boss.offWork(TASK_QUEUE, { id: workerId, wait: true }).catch(() => undefined);
  };
}
