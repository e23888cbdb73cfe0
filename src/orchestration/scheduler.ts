// `ferry scheduler`: on every tick, creates the runs that came due (one per pipeline and interval:
// a unique key makes a second scheduler's insert a no-op), moves active runs forward, and settles
// task instances whose job the queue gave up on (a worker killed on its last attempt).
import { messageOf } from '../errors.js';
import { advancePipeline } from './advance.js';
import type { Orchestrator } from './orchestrator.js';
import { allPipelines, type Pipeline } from './pipeline.js';
import { TASK_QUEUE } from './queue.js';
import { dueIntervals, parseSchedule } from './schedule.js';
import { scheduledRunKey } from './schedule.js';
import { waitOrAbort } from '../wait.js';

export interface SchedulerOptions {
  /** Seconds between passes. */
  tickSeconds: number;
  now?: () => Date;
  signal: AbortSignal;
}

/** One pass: returns the ids of the runs it created. */
export async function schedulePass(
  orch: Orchestrator,
  pipelines: readonly Pipeline[],
  now: Date,
): Promise<string[]> {
  const created: string[] = [];
  for (const pipeline of pipelines) {
    if (pipeline.schedule) {
      const cron = parseSchedule(pipeline.schedule, pipeline.timezone, `pipelines.${pipeline.name}.schedule`);
      const intervals = dueIntervals(cron, {
        catchup: pipeline.catchup,
        start: pipeline.start,
        lastEnd: await orch.state.pipelines.lastScheduledEnd(orch.pool, pipeline.name),
        now,
      });
      for (const interval of intervals) {
        const runId = await orch.state.pipelines.createRun(orch.pool, pipeline, {
          trigger: 'schedule',
          runKey: scheduledRunKey(interval),
          interval,
        });
        if (runId) {
          created.push(runId);
          orch.logger.info(
            { pipeline: pipeline.name, run: runId, interval },
            `${pipeline.name}: run ${runId} for ${interval.start.toISOString()} .. ${interval.end.toISOString()}`,
          );
        }
      }
    }
    await settleAbandonedTasks(orch, pipeline);
    await advancePipeline(orch, pipeline);
  }
  return created;
}

/** Task instances still marked active whose job the queue has failed or lost: mark them failed. */
export async function settleAbandonedTasks(orch: Orchestrator, pipeline: Pipeline): Promise<void> {
  const rows = await orch.state.pipelines.activeTaskJobs(orch.pool, pipeline.name);
  for (const row of rows) {
    if (!row.job_id) continue;
    const job = await orch.boss.getJobById(TASK_QUEUE, row.job_id);
    if (job && job.state !== 'failed' && job.state !== 'cancelled') continue;
    const why = job
      ? `its job was ${job.state} by the queue (the worker stopped responding on the last attempt)`
      : 'its job is gone from the queue';
    await orch.state.pipelines.failAbandonedTask(orch.pool, row.run_id, row.task, row.job_id, why);
    orch.logger.warn({ run: row.run_id, task: row.task }, `run ${row.run_id} ${row.task}: failed, ${why}`);
  }
}

export async function runScheduler(orch: Orchestrator, options: SchedulerOptions): Promise<void> {
  const pipelines = allPipelines(orch.config);
  const scheduled = pipelines.filter((p) => p.schedule);
  orch.logger.info(
    { pipelines: scheduled.map((p) => `${p.name} (${p.schedule} ${p.timezone})`) },
    `scheduler started: ${scheduled.length} scheduled pipeline(s)`,
  );
  const now = options.now ?? (() => new Date());
  while (!options.signal.aborted) {
    try {
      await schedulePass(orch, pipelines, now());
    } catch (error) {
      orch.logger.error({ err: error }, `scheduler pass failed: ${messageOf(error)} (retrying next tick)`);
    }
    await waitOrAbort(options.tickSeconds * 1000, options.signal);
  }
}
