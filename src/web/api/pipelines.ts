// The pipeline pages' data: each pipeline's summary (Overview), the runs x tasks grid a page at a
// time (Pipeline), one run with its tasks (Run), and one task instance with each attempt's log.
import { allPipelines, pipelineNamed, type Pipeline } from '../../orchestration/pipeline.js';
import { parseSchedule } from '../../orchestration/schedule.js';
import type { RunRow } from '../../state/pipeline-runs.js';
import { splitAttempts } from '../log-attempts.js';
import type {
  GridJson,
  GridRunJson,
  PipelineSummaryJson,
  PipelineTaskJson,
  RunDetailJson,
  TaskDetailJson,
} from '../api-types.js';
import { HttpError, type UiContext } from '../ui-context.js';
import { iso, runJson, taskJson } from './convert.js';

/** Runs in the small chart of each pipeline on the Overview. */
const RECENT_RUNS = 20;
export const GRID_PAGE = 25;

export const tasksOf = (pipeline: Pipeline): PipelineTaskJson[] =>
  pipeline.tasks.map((t) => ({ name: t.name, kind: t.spec.kind, upstream: [...t.upstream] }));

/** A pipeline of ferry.yaml, or 404 naming those there are. */
export function pipelineOf(ctx: UiContext, name: string): Pipeline {
  if (!Object.hasOwn(ctx.orch.config.pipelines, name))
    throw new HttpError(
      404,
      `no pipeline named ${name}`,
      `pipelines in ferry.yaml: ${Object.keys(ctx.orch.config.pipelines).join(', ') || 'none'}`,
    );
  return pipelineNamed(ctx.orch.config, name);
}

/** When the scheduler creates the pipeline's next run: at the end of the next interval (after `start`). */
export function nextRunAt(pipeline: Pipeline, now: Date): Date | null {
  if (!pipeline.schedule) return null;
  const cron = parseSchedule(pipeline.schedule, pipeline.timezone);
  if (pipeline.start && pipeline.start.getTime() > now.getTime()) {
    const first = cron.nextRun(new Date(pipeline.start.getTime() - 1));
    return first ? cron.nextRun(first) : null;
  }
  return cron.nextRun(now);
}

export async function pipelineSummaries(ctx: UiContext): Promise<PipelineSummaryJson[]> {
  const now = ctx.now();
  const pipelines = allPipelines(ctx.orch.config);
  const runs = await ctx.orch.state.pipelines.latestRunsOf(
    ctx.orch.pool,
    pipelines.map((p) => p.name),
    RECENT_RUNS,
  );
  return pipelines.map((p) => {
    const mine = runs.filter((r) => r.pipeline === p.name);
    const next = p.schedule ? nextRunAt(p, now) : null;
    return {
      name: p.name,
      schedule: p.schedule ?? null,
      timezone: p.timezone,
      nextRunAt: iso(next),
      tasks: tasksOf(p),
      last: mine[0] ? runJson(mine[0], now) : null,
      recent: mine
        .map((r) => {
          const j = runJson(r, now);
          return { runId: j.runId, state: j.state, seconds: j.seconds, intervalEnd: j.intervalEnd };
        })
        .reverse(),
    };
  });
}

const positiveId = (text: string, what: string): string => {
  if (!/^[1-9]\d{0,17}$/.test(text)) throw new HttpError(400, `${what} must be a run id (a positive number)`);
  return text;
};

async function runOf(ctx: UiContext, runId: string): Promise<RunRow> {
  const run = await ctx.orch.state.pipelines.readRun(ctx.orch.pool, positiveId(runId, 'the run'));
  if (!run) throw new HttpError(404, `no run ${runId}`, 'the Overview lists the pipelines and their runs');
  return run;
}

export async function grid(
  ctx: UiContext,
  name: string,
  options: { before?: string | undefined; limit?: number | undefined },
): Promise<GridJson> {
  const pipeline = pipelineOf(ctx, name);
  const history = ctx.orch.state.pipelines;
  const limit = Math.min(Math.max(options.limit ?? GRID_PAGE, 1), 200);
  let before: { intervalEnd: Date; runId: string } | undefined;
  if (options.before !== undefined) {
    const run = await runOf(ctx, options.before);
    before = { intervalEnd: run.interval_end, runId: String(run.run_id) };
  }
  const page = await history.runsPage(ctx.orch.pool, pipeline.name, limit, before);
  const tasks = await history.readTasks(
    ctx.orch.pool,
    page.runs.map((r) => r.run_id),
  );
  const now = ctx.now();
  const runs: GridRunJson[] = page.runs
    .map((r) => ({
      ...runJson(r, now),
      tasks: Object.fromEntries(
        tasks.filter((t) => String(t.run_id) === String(r.run_id)).map((t) => [t.task, taskJson(t, now)]),
      ),
    }))
    .reverse();
  const known = tasksOf(pipeline);
  // Tasks of runs made before a task was removed from ferry.yaml still show, after the others.
  const extra = [...new Set(tasks.map((t) => t.task))].filter((t) => !known.some((k) => k.name === t));
  return {
    pipeline: pipeline.name,
    tasks: [...known, ...extra.map((t) => ({ name: t, kind: 'removed', upstream: [] }))],
    runs,
    older: page.older ? (runs[0]?.runId ?? null) : null,
  };
}

export async function runDetail(ctx: UiContext, runId: string): Promise<RunDetailJson> {
  const run = await runOf(ctx, runId);
  const now = ctx.now();
  const rows = await ctx.orch.state.pipelines.readTasks(ctx.orch.pool, [run.run_id]);
  const pipeline = Object.hasOwn(ctx.orch.config.pipelines, run.pipeline)
    ? pipelineNamed(ctx.orch.config, run.pipeline)
    : undefined;
  const order = pipeline?.tasks.map((t) => t.name) ?? [];
  const rank = (task: string) => (order.includes(task) ? order.indexOf(task) : order.length);
  return {
    run: runJson(run, now),
    tasks: rows
      .sort((a, b) => rank(a.task) - rank(b.task) || a.task.localeCompare(b.task))
      .map((t) => {
        const spec = pipeline?.tasks.find((p) => p.name === t.task);
        return { ...taskJson(t, now), upstream: [...(spec?.upstream ?? [])], kind: spec?.spec.kind ?? null };
      }),
    retryable: run.trigger !== 'airflow' && pipeline !== undefined,
  };
}

export async function taskDetail(ctx: UiContext, runId: string, task: string): Promise<TaskDetailJson> {
  const run = await runOf(ctx, runId);
  const found = await ctx.orch.state.pipelines.readTaskLog(ctx.orch.pool, String(run.run_id), task);
  if (!found) throw new HttpError(404, `run ${runId} has no task ${task}`);
  const now = ctx.now();
  return {
    run: runJson(run, now),
    task: taskJson(found, now),
    attempts: splitAttempts(found.log),
    logLength: found.logLength,
  };
}
