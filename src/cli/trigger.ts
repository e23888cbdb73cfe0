// `ferry trigger`: start a run of a pipeline now, with optional params; --wait runs it here.
import type { Command } from 'commander';
import type { Register } from './context.js';
import { collectParam } from './pipeline-flags.js';
import { printJson } from './output.js';

export const registerTrigger: Register = (program: Command, context) => {
  program
    .command('trigger <pipeline>')
    .description('start a run of a pipeline now (workers pick it up; --wait runs it in this process)')
    .option(
      '--param <key=value>',
      'a run parameter, passed to shell tasks as FERRY_PARAM_<KEY> (repeatable)',
      collectParam,
      {},
    )
    .option('--wait', 'run the tasks in this process and wait for the run to finish')
    .option('--json', 'print the run (with --wait: as it ended) as JSON')
    .action(
      async (pipeline: string, flags: { param: Record<string, string>; wait?: boolean; json?: boolean }) => {
        const { openOrchestrator } = await import('../orchestration/orchestrator.js');
        const { runUntilDone, triggerRun } = await import('../orchestration/operations.js');
        const { pipelineNamed } = await import('../orchestration/pipeline.js');
        const { printGrid, reportOfRuns } = await import('./runs.js');
        const ctx = context();
        pipelineNamed(ctx.config(), pipeline); // a wrong name fails before connecting
        const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
        try {
          const runId = await triggerRun(orch, pipeline, flags.param);
          if (!flags.json) process.stdout.write(`run ${runId} of ${pipeline} queued\n`);
          const run = flags.wait ? (await runUntilDone(orch, [runId], ctx.signal))[0] : undefined;
          if (flags.json) printJson(await reportOfRuns(orch.pool, orch.state, pipeline, [runId]));
          else if (flags.wait) await printGrid(orch.pool, orch.state, orch.config, pipeline, [runId]);
          if (flags.wait) process.exitCode = run?.state === 'succeeded' ? 0 : 1;
        } finally {
          await orch.close();
        }
      },
    );
};
