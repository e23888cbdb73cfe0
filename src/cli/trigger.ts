// `ferry trigger`: start a run of a pipeline now, with optional params; --wait runs it here.
import type { Command } from 'commander';
import type { Register } from './context.js';
import { collectParam } from './pipeline-flags.js';

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
    .action(async (pipeline: string, flags: { param: Record<string, string>; wait?: boolean }) => {
      const { openOrchestrator } = await import('../orchestration/orchestrator.js');
      const { runUntilDone, triggerRun } = await import('../orchestration/operations.js');
      const { pipelineNamed } = await import('../orchestration/pipeline.js');
      const { printGrid } = await import('./runs.js');
      const ctx = context();
      pipelineNamed(ctx.config(), pipeline); // a wrong name fails before connecting
      const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
      try {
        const runId = await triggerRun(orch, pipeline, flags.param);
        process.stdout.write(`run ${runId} of ${pipeline} queued\n`);
        if (!flags.wait) return;
        const [run] = await runUntilDone(orch, [runId], ctx.signal);
        await printGrid(orch.pool, orch.state, orch.config, pipeline, [runId]);
        process.exitCode = run?.state === 'succeeded' ? 0 : 1;
      } finally {
        await orch.close();
      }
    });
};
