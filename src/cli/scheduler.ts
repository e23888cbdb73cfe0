// `ferry scheduler`: create runs as schedules come due and move runs forward; stops on Ctrl-C.
import type { Command } from 'commander';
import { openOrchestrator } from '../orchestration/orchestrator.js';
import { runScheduler } from '../orchestration/scheduler.js';
import { startWorker } from '../orchestration/worker.js';
import type { Register } from './context.js';

interface SchedulerFlags {
  tick: number;
  worker?: boolean;
  concurrency: number;
}

export const registerScheduler: Register = (program: Command, context) => {
  const action = (withWorker: boolean) => async (flags: SchedulerFlags) => {
    const ctx = context();
    const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
    try {
      const stop =
        withWorker || flags.worker
          ? await startWorker(orch, { concurrency: flags.concurrency, signal: ctx.signal })
          : undefined;
      // ferry server also follows the cdc streams (restarted with backoff when they stop).
      // Loaded on use: the binlog reader is not needed by the other commands.
      const streaming = withWorker
        ? import('../orchestration/stream-service.js').then(({ superviseStreams }) =>
            superviseStreams(ctx.project(), ctx.state, ctx.logger, ctx.signal),
          )
        : undefined;
      await runScheduler(orch, { tickSeconds: flags.tick, signal: ctx.signal });
      await stop?.();
      await streaming;
    } finally {
      await orch.close();
    }
  };
  program
    .command('scheduler')
    .description('run pipelines on their schedules (several schedulers may run; each interval runs once)')
    .option('--tick <seconds>', 'seconds between checks of the schedules', Number, 5)
    .option('--worker', 'also run tasks in this process (like `ferry server`)')
    .option('--concurrency <n>', 'tasks run at once by the worker', Number, 2)
    .action(action(false));
  program
    .command('server')
    .description('scheduler, worker and the cdc streams (ferry stream) in one process')
    .option('--tick <seconds>', 'seconds between checks of the schedules', Number, 5)
    .option('--concurrency <n>', 'tasks run at once', Number, 2)
    .action(action(true));
};
