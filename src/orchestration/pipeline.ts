// A pipeline of ferry.yaml turned into a checked DAG: each task with its resolved settings and
// upstream tasks (declared, or inferred from what the task reads), in an order where every task
// comes after its upstream tasks.
import type { FerryConfig, PipelineConfig, PipelineTaskConfig, TriggerRule } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { parseSchedule } from './schedule.js';
import { durationSeconds } from '../config/duration.js';

export interface PipelineTask {
  name: string;
  spec: PipelineTaskConfig;
  upstream: readonly string[];
  retries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  triggerRule: TriggerRule;
}

export interface Pipeline {
  name: string;
  schedule: string | undefined;
  timezone: string;
  start: Date | undefined;
  catchup: boolean;
  maxActiveRuns: number;
  concurrency: number;
  /** Tasks in dependency order. */
  tasks: readonly PipelineTask[];
}

const DEFAULTS = { retries: 2, retryDelay: '30s', timeout: '2h' };

/**
 * Upstream tasks ferry infers when a task declares none: a transform task runs after the sync tasks
 * of the pipeline, a verify or quality task after those covering its streams; a shell task after nothing.
 */
function inferredUpstream(task: PipelineTaskConfig, all: Record<string, PipelineTaskConfig>): string[] {
  const syncs = Object.entries(all).filter(([, t]) => t.kind === 'sync');
  if (task.kind === 'transform') return syncs.map(([name]) => name);
  if (task.kind === 'verify' || task.kind === 'quality') {
    const wanted = task.streams;
    return syncs
      .filter(
        ([, t]) => t.kind === 'sync' && (!wanted || !t.streams || t.streams.some((s) => wanted.includes(s))),
      )
      .map(([name]) => name);
  }
  return [];
}

export function buildPipeline(name: string, config: PipelineConfig): Pipeline {
  const problems: string[] = [];
  const at = `pipelines.${name}`;
  const names = Object.keys(config.tasks);
  const upstreamOf = new Map<string, string[]>();
  for (const [taskName, task] of Object.entries(config.tasks)) {
    const upstream = task.depends_on ?? inferredUpstream(task, config.tasks);
    for (const u of upstream) {
      if (!names.includes(u))
        problems.push(
          `${at}.tasks.${taskName}.depends_on: no task named "${u}" (tasks: ${names.join(', ')})`,
        );
      if (u === taskName) problems.push(`${at}.tasks.${taskName}.depends_on: a task cannot depend on itself`);
    }
    upstreamOf.set(taskName, upstream);
  }
  for (const field of ['retry_delay', 'timeout'] as const) {
    for (const [taskName, task] of Object.entries(config.tasks)) {
      const value = task[field] ?? config.defaults[field];
      if (value !== undefined && durationSeconds(value) <= 0)
        problems.push(`${at}.tasks.${taskName}.${field}: must be longer than 0`);
    }
  }
  if (config.catchup && !config.start)
    problems.push(`${at}.start: required when catchup is true (the first interval to run)`);
  const start = config.start === undefined ? undefined : new Date(config.start);
  if (start && Number.isNaN(start.getTime()))
    problems.push(`${at}.start: "${config.start}" is not an ISO 8601 date such as 2026-01-01T00:00:00Z`);
  if (config.schedule !== undefined) {
    try {
      parseSchedule(config.schedule, config.timezone, `${at}.schedule`);
    } catch (error) {
      problems.push(error instanceof ConfigError ? `${error.message}: ${error.hint ?? ''}` : String(error));
    }
  }
  if (problems.length > 0) throw new ConfigError(`pipeline ${name} is not valid`, problems);

  const order = topologicalOrder(name, names, upstreamOf);
  const tasks = order.map((taskName): PipelineTask => {
    const spec = config.tasks[taskName]!;
    return {
      name: taskName,
      spec,
      upstream: upstreamOf.get(taskName)!,
      retries: spec.retries ?? config.defaults.retries ?? DEFAULTS.retries,
      retryDelaySeconds: durationSeconds(
        spec.retry_delay ?? config.defaults.retry_delay ?? DEFAULTS.retryDelay,
      ),
      timeoutSeconds: durationSeconds(spec.timeout ?? config.defaults.timeout ?? DEFAULTS.timeout),
      triggerRule: spec.trigger_rule ?? 'all_success',
    };
  });
  return {
    name,
    schedule: config.schedule,
    timezone: config.timezone,
    start,
    catchup: config.catchup,
    maxActiveRuns: config.max_active_runs,
    concurrency: config.concurrency,
    tasks,
  };
}

function topologicalOrder(pipeline: string, names: string[], upstreamOf: Map<string, string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (taskName: string, path: string[]) => {
    if (state.get(taskName) === 'done') return;
    if (state.get(taskName) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(taskName)), taskName].join(' -> ');
      throw new ConfigError(
        `pipeline ${pipeline} has a dependency cycle`,
        [`pipelines.${pipeline}.tasks: ${cycle}`],
        {
          hint: 'remove one of the depends_on entries in the cycle',
        },
      );
    }
    state.set(taskName, 'visiting');
    for (const u of upstreamOf.get(taskName) ?? []) visit(u, [...path, taskName]);
    state.set(taskName, 'done');
    order.push(taskName);
  };
  for (const n of names) visit(n, []);
  return order;
}

/** The pipeline called `name` in the config, or a ConfigError listing the pipelines there are. */
export function pipelineNamed(config: FerryConfig, name: string): Pipeline {
  const spec = config.pipelines[name];
  if (!spec) {
    const known = Object.keys(config.pipelines);
    throw new ConfigError(`no pipeline named "${name}"`, [], {
      hint: known.length
        ? `pipelines in the config: ${known.join(', ')}`
        : 'add a `pipelines:` section to ferry.yaml (see ferry.example.yaml)',
    });
  }
  return buildPipeline(name, spec);
}

export function allPipelines(config: FerryConfig): Pipeline[] {
  return Object.keys(config.pipelines).map((name) => pipelineNamed(config, name));
}

export function taskNamed(pipeline: Pipeline, name: string): PipelineTask {
  const task = pipeline.tasks.find((t) => t.name === name);
  if (!task)
    throw new ConfigError(`pipeline ${pipeline.name} has no task "${name}"`, [], {
      hint: `its tasks: ${pipeline.tasks.map((t) => t.name).join(', ')}`,
    });
  return task;
}

/** The task and every task downstream of it, transitively. */
export function downstreamOf(pipeline: Pipeline, name: string): Set<string> {
  const found = new Set([name]);
  for (const task of pipeline.tasks) if (task.upstream.some((u) => found.has(u))) found.add(task.name);
  return found;
}
