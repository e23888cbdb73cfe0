// `ferry worker`: run pipeline tasks from the queue until Ctrl-C; start as many as you like.
import type { Command } from 'commander';
import type { Register } from './context.js';
import { CONCURRENCY } from './number-flags.js';
import { untilAborted } from './pipeline-flags.js';

export const registerWorker: Register = (program: Command, context) => {
  program
    .command('worker')
    .description('run pipeline tasks from the queue (on any number of machines; each task runs once)')
    .option('--concurrency <n>', 'tasks run at once by this process', CONCURRENCY, 2)
    .action(async (flags: { concurrency: number }) => {
      const { openOrchestrator } = await import('../orchestration/orchestrator.js');
      const { startWorker } = await import('../orchestration/worker.js');
      const ctx = context();
      const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
      try {
        const stop = await startWorker(orch, { concurrency: flags.concurrency, signal: ctx.signal });
        ctx.logger.info(`worker started (${flags.concurrency} task(s) at once)`);
        await untilAborted(ctx.signal);
        await stop();
      } finally {
        await orch.close();
      }
    });
};
