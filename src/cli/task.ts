// `ferry task run`: run one task of a pipeline here and record it; what Airflow's DAG calls.
import type { Command } from 'commander';
import type { Register } from './context.js';
import { printJson } from './output.js';
import { collectParam, parseDate } from './pipeline-flags.js';

interface TaskRunFlags {
  runId?: string;
  intervalStart?: string;
  intervalEnd?: string;
  param: Record<string, string>;
  json?: boolean;
}

export const registerTask: Register = (program: Command, context) => {
  const task = program.command('task').description('run single tasks of a pipeline');
  task
    .command('run <pipeline> <task>')
    .description('run one task now, in this process, and record it in the run history')
    .option('--run-id <id>', "a ferry run id, or the caller's run id (Airflow's {{ run_id }})")
    .option('--interval-start <date>', 'data interval start (ISO 8601)')
    .option('--interval-end <date>', 'data interval end (ISO 8601)')
    .option('--param <key=value>', 'a run parameter (repeatable)', collectParam, {})
    .option('--json', 'print the outcome as JSON')
    .action(async (pipeline: string, name: string, flags: TaskRunFlags) => {
      const ctx = context();
      const start = flags.intervalStart ? parseDate(flags.intervalStart, '--interval-start') : undefined;
      const end = flags.intervalEnd ? parseDate(flags.intervalEnd, '--interval-end') : undefined;
      const { runExternalTask } = await import('../orchestration/task-run.js');
      const { run, rows } = await runExternalTask({
        project: ctx.project(),
        state: ctx.state,
        pipeline,
        task: name,
        ...(flags.runId ? { runId: flags.runId } : {}),
        ...(start || end ? { interval: { start: start ?? end!, end: end ?? start! } } : {}),
        params: flags.param,
        logger: ctx.logger,
        signal: ctx.signal,
        echo: process.stderr,
      });
      if (flags.json)
        printJson({
          pipeline,
          task: name,
          runId: Number(run.run_id),
          state: 'succeeded',
          rows: rows ?? null,
        });
      else
        process.stdout.write(
          `${pipeline}.${name} succeeded in run ${run.run_id}${rows === undefined ? '' : ` (${rows} rows)`}\n`,
        );
    });
};
