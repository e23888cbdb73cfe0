// `ferry runs`: recent runs as a grid (runs x tasks); `ferry runs retry`: run a run again from a task.
import type { Command } from 'commander';
import type { FerryConfig } from '../config/schema.js';
import { renderGrid } from '../orchestration/grid.js';
import { buildPipeline } from '../orchestration/pipeline.js';
import type { Queryable } from '../connectors/postgres/connect.js';
import type { FerryState } from '../state/ferry-state.js';
import type { RunRow } from '../state/pipeline-runs.js';
import type { Register } from './context.js';
import { printJson } from './output.js';
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

/** Runs with their task instances, as --json prints them (camelCase, ids and counts as numbers). */
export async function runsReport(
  pool: Queryable,
  state: FerryState,
  runs: readonly RunRow[],
): Promise<{ runs: object[] }> {
  const tasks = await state.pipelines.readTasks(
    pool,
    runs.map((r) => r.run_id),
  );
  return {
    runs: runs.map((r) => ({
      runId: Number(r.run_id),
      pipeline: r.pipeline,
      runKey: r.run_key,
      trigger: r.trigger,
      state: r.state,
      intervalStart: r.interval_start,
      intervalEnd: r.interval_end,
      params: r.params,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      tasks: tasks
        .filter((t) => t.run_id === r.run_id)
        .map((t) => ({
          task: t.task,
          state: t.state,
          attempts: t.attempts,
          maxAttempts: t.max_attempts,
          startedAt: t.started_at,
          finishedAt: t.finished_at,
          rowsMoved: t.rows_moved === null ? null : Number(t.rows_moved),
          error: t.error,
        })),
    })),
  };
}

/** The runs named (of the last 1000 of the pipeline), as runsReport gives them. */
export async function reportOfRuns(
  pool: Queryable,
  state: FerryState,
  pipeline: string | undefined,
  ids: readonly string[],
): Promise<{ runs: object[] }> {
  const runs = (await state.pipelines.recentRuns(pool, pipeline, 1000)).filter((r) => ids.includes(r.run_id));
  return runsReport(pool, state, runs);
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
          printJson(await runsReport(pool, ctx.state, list));
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
    .option('--json', 'print the run (and what was cleared) as JSON')
    .action(async (runId: string, flags: { from?: string; wait?: boolean; json?: boolean }) => {
      const { openOrchestrator } = await import('../orchestration/orchestrator.js');
      const { retryRun, runUntilDone } = await import('../orchestration/operations.js');
      const ctx = context();
      // `ferry runs` has a --json of its own, which commander gives it wherever the flag stands
      const json = flags.json === true || runs.opts<{ json?: boolean }>().json === true;
      const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
      try {
        const { run, cleared } = await retryRun(orch, runId, flags.from);
        if (!json) process.stdout.write(`run ${runId}: cleared ${cleared.join(', ') || 'nothing'}\n`);
        const done = flags.wait ? (await runUntilDone(orch, [runId], ctx.signal))[0] : undefined;
        if (json)
          printJson({ cleared, ...(await reportOfRuns(orch.pool, orch.state, run.pipeline, [runId])) });
        else if (flags.wait) await printGrid(orch.pool, orch.state, orch.config, run.pipeline, [runId]);
        if (flags.wait) process.exitCode = done?.state === 'succeeded' ? 0 : 1;
      } finally {
        await orch.close();
      }
    });
};
