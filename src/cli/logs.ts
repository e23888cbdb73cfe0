// `ferry logs`: the log of one task instance of a run, all attempts.
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { Register } from './context.js';

export const registerLogs: Register = (program: Command, context) => {
  program
    .command('logs <run> <task>')
    .description("print a task's log in a run (every attempt)")
    .action(async (runId: string, task: string) => {
      const ctx = context();
      if (!/^\d+$/.test(runId))
        throw new ConfigError(`run id ${runId}: expected a number`, [], {
          hint: 'run ids are in the header of `ferry runs`',
        });
      const { openHistory } = await import('../orchestration/orchestrator.js');
      const pool = await openHistory(ctx.project(), ctx.state, ctx.logger, 1);
      try {
        const found = await ctx.state.pipelines.readLog(pool, runId, task);
        if (!found)
          throw new ConfigError(`no task ${task} in run ${runId}`, [], {
            hint: 'see `ferry runs` for runs and task names',
          });
        process.stdout.write(found.log.length > 0 ? found.log : `(no log yet: the task is ${found.state})\n`);
      } finally {
        await pool.end();
      }
    });
};
