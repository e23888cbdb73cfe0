// `ferry runs`: recent runs as a grid (runs x tasks); `ferry runs retry`: run a run again from a task.
import type { Command } from 'commander';
import type { FerryConfig } from '../config/schema.js';
import { renderGrid } from '../orchestration/grid.js';
import { buildPipeline } from '../orchestration/pipeline.js';
import type { Queryable } from '../connectors/postgres/connect.js';
import type { FerryState } from '../state/ferry-state.js';
import type { RunRow } from '../state/pipeline-runs.js';
import type { Register } from './context.js';
import { wholeNumber } from './number-flags.js';

export async function printGrid(
  pool: Queryable,
  state: FerryState,
  config: FerryConfig,
  pipeline: string | undefined,
  only?: readonly string[],
  limit = 10,
): Promise<void> {
  const runs = (await state.pipelines.recentRuns(pool, pipeline, only ? 1000 : limit)).filter(
    (r) => !only || only.includes(r.run_id),
  );
  const byPipeline = new Map<string, RunRow[]>();
  for (const run of runs) byPipeline.set(run.pipeline, [...(byPipeline.get(run.pipeline) ?? []), run]);
  if (byPipeline.size === 0) process.stdout.write(`no runs${pipeline ? ` of ${pipeline}` : ''} yet\n`);
  for (const [name, list] of byPipeline) {
    const spec = config.pipelines[name];
    const order = spec ? buildPipeline(name, spec).tasks.map((t) => t.name) : [];
    const tasks = await state.pipelines.readTasks(
      pool,
      list.map((r) => r.run_id),
    );
    process.stdout.write(`${name}\n${renderGrid(list, tasks, order)}\n`);
  }
}

export const registerRuns: Register = (program: Command, context) => {
  const runs = program
    .command('runs [pipeline]')
    .description('recent runs of the pipelines as a grid of tasks: state, duration, tries, rows')
    .option('--limit <n>', 'runs per pipeline', wholeNumber(1, 1000), 10)
    .option('--json', 'print runs and task instances as JSON')
    .action(async (pipeline: string | undefined, flags: { limit: number; json?: boolean }) => {
      const { openHistory } = await import('../orchestration/orchestrator.js');
      const ctx = context();
      const pool = await openHistory(ctx.project(), ctx.state, ctx.logger, 1);
      try {
        if (flags.json) {
          const list = await ctx.state.pipelines.recentRuns(pool, pipeline, flags.limit);
          const tasks = await ctx.state.pipelines.readTasks(
            pool,
            list.map((r) => r.run_id),
          );
          process.stdout.write(
            JSON.stringify(
              list.map((r) => ({ ...r, tasks: tasks.filter((t) => t.run_id === r.run_id) })),
              null,
              2,
            ) + '\n',
          );
        } else await printGrid(pool, ctx.state, ctx.config(), pipeline, undefined, flags.limit);
      } finally {
        await pool.end();
      }
    });
  runs
    .command('retry <run>')
    .description(
      'run a run again: from --from <task> and its downstream tasks, or its tasks that did not succeed',
    )
    .option('--from <task>', 'clear this task and every task downstream of it')
    .option('--wait', 'run the tasks in this process and wait')
    .action(async (runId: string, flags: { from?: string; wait?: boolean }) => {
      const { openOrchestrator } = await import('../orchestration/orchestrator.js');
      const { retryRun, runUntilDone } = await import('../orchestration/operations.js');
      const ctx = context();
      const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
      try {
        const { run, cleared } = await retryRun(orch, runId, flags.from);
        process.stdout.write(`run ${runId}: cleared ${cleared.join(', ') || 'nothing'}\n`);
        if (!flags.wait) return;
        const [done] = await runUntilDone(orch, [runId], ctx.signal);
        await printGrid(orch.pool, orch.state, orch.config, run.pipeline, [runId]);
        process.exitCode = done?.state === 'succeeded' ? 0 : 1;
      } finally {
        await orch.close();
      }
    });
};
