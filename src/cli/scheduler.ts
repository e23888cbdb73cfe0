// `ferry scheduler`: create runs as schedules come due and move runs forward; stops on Ctrl-C.
// `ferry server`: the scheduler, a worker and the web UI in one process.
import type { Command } from 'commander';
import type { Register } from './context.js';
import { CONCURRENCY, positiveSeconds } from './number-flags.js';
import type { UiServer } from '../web/server.js';
import { startUi, uiBinding, withUiFlags, type UiFlags } from './ui.js';

interface SchedulerFlags extends UiFlags {
  tick: number;
  worker?: boolean;
  concurrency: number;
  /** `ferry server` only: false with --no-ui. */
  ui?: boolean;
}

export const registerScheduler: Register = (program: Command, context) => {
  const action = (withWorker: boolean) => async (flags: SchedulerFlags) => {
    const { openOrchestrator } = await import('../orchestration/orchestrator.js');
    const { runScheduler } = await import('../orchestration/scheduler.js');
    const { startWorker } = await import('../orchestration/worker.js');
    const ctx = context();
    const binding = withWorker && flags.ui !== false ? uiBinding(ctx, flags) : undefined;
    const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
    let ui: UiServer | undefined;
    try {
      if (binding) ui = await startUi(ctx, orch, binding);
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
      await ui?.close();
      await orch.close();
    }
  };
  program
    .command('scheduler')
    .description('run pipelines on their schedules (several schedulers may run; each interval runs once)')
    .option('--tick <seconds>', 'seconds between checks of the schedules', positiveSeconds(3600), 5)
    .option('--worker', 'also run tasks in this process (like `ferry server`)')
    .option('--concurrency <n>', 'tasks run at once by the worker', CONCURRENCY, 2)
    .action(action(false));
  withUiFlags(
    program
      .command('server')
      .description('scheduler, worker, the web UI and the cdc streams (ferry stream) in one process')
      .option('--tick <seconds>', 'seconds between checks of the schedules', positiveSeconds(3600), 5)
      .option('--concurrency <n>', 'tasks run at once', CONCURRENCY, 2)
      .option('--no-ui', 'do not serve the web UI'),
  ).action(action(true));
};
