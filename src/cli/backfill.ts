// `ferry backfill`: one run per schedule interval lying within --from .. --to, run here by default.
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { Register } from './context.js';
import { parseDate } from './pipeline-flags.js';
import { printJson } from './output.js';

export const registerBackfill: Register = (program: Command, context) => {
  program
    .command('backfill <pipeline>')
    .description(
      'run a pipeline for every schedule interval within --from .. --to (intervals already run are skipped)',
    )
    .requiredOption('--from <date>', 'start of the first interval (ISO 8601)')
    .requiredOption('--to <date>', 'end of the last interval (ISO 8601)')
    .option('--no-wait', 'only queue the runs for `ferry worker`')
    .option('--json', 'print the runs created and the intervals skipped as JSON')
    .action(async (pipeline: string, flags: { from: string; to: string; wait: boolean; json?: boolean }) => {
      const { openOrchestrator } = await import('../orchestration/orchestrator.js');
      const { backfill, runUntilDone } = await import('../orchestration/operations.js');
      const { pipelineNamed } = await import('../orchestration/pipeline.js');
      const { printGrid, reportOfRuns } = await import('./runs.js');
      const ctx = context();
      const from = parseDate(flags.from, '--from');
      const to = parseDate(flags.to, '--to');
      if (!(from.getTime() < to.getTime()))
        throw new ConfigError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
      pipelineNamed(ctx.config(), pipeline); // a wrong name fails before connecting
      const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
      try {
        const result = await backfill(orch, pipeline, from, to);
        const ids = result.created.map((c) => c.runId);
        if (flags.json) {
          const runs = flags.wait && ids.length > 0 ? await runUntilDone(orch, ids, ctx.signal) : [];
          printJson({
            ...(await reportOfRuns(orch.pool, orch.state, pipeline, ids)),
            skipped: result.existing.map((i) => ({ intervalStart: i.start, intervalEnd: i.end })),
          });
          if (flags.wait) process.exitCode = runs.every((r) => r.state === 'succeeded') ? 0 : 1;
          return;
        }
        for (const { runId, interval } of result.created)
          process.stdout.write(
            `run ${runId}: ${interval.start.toISOString()} .. ${interval.end.toISOString()}\n`,
          );
        for (const interval of result.existing)
          process.stdout.write(
            `skipped ${interval.start.toISOString()} .. ${interval.end.toISOString()}: already has a run (clear it with ferry runs retry)\n`,
          );
        process.stdout.write(`${result.created.length} run(s) created, ${result.existing.length} skipped\n`);
        if (!flags.wait || result.created.length === 0) return;
        const runs = await runUntilDone(orch, ids, ctx.signal);
        await printGrid(orch.pool, orch.state, orch.config, pipeline, ids);
        process.exitCode = runs.every((r) => r.state === 'succeeded') ? 0 : 1;
      } finally {
        await orch.close();
      }
    });
};
