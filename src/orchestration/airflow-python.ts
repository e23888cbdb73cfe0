// Python text shared by both forms of the exported Airflow DAG (2.x and 3.x): literals, shell quoting,
// the cron expression as Airflow reads it, the start date, and the body: the task function, the DAG,
// its tasks and edges.
import type { Pipeline } from './pipeline.js';

/** What a DAG form is written from: the command line that runs ferry with its config, and the clock. */
export interface DagInput {
  /** `<ferry command> --config '<path>'`, as the Airflow workers start ferry. */
  ferry: string;
  now: Date;
}

/** One form of the DAG file: the Python text for a pipeline. */
export type DagText = (pipeline: Pipeline, input: DagInput) => string;

/** A Python string literal (JSON's escapes are valid Python). */
export const py = (text: string) => JSON.stringify(text);

/** A single-quoted shell word. */
export const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Airflow's cron parser (croniter) reads a sixth field as seconds at the end; ferry's at the start. */
export function airflowCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  return fields.length === 6 ? [...fields.slice(1), fields[0]!].join(' ') : expression;
}

export function dagId(pipeline: Pipeline): string {
  return `ferry_${pipeline.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The pipeline's `start` (or today, 00:00 UTC), shown in the pipeline's time zone. */
export function startDate(pipeline: Pipeline, now: Date): string {
  const d = pipeline.start ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const parts = [
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
  return `pendulum.datetime(${parts.join(', ')}, tz="UTC").in_tz(${py(pipeline.timezone)})`;
}

/** What the two forms of the DAG write differently in its body. */
export interface BodyParts {
  /** The `schedule=` value. */
  schedule: string;
  /** BashOperator arguments after retry_delay: the backoff. */
  backoff: readonly string[];
  /** DAG arguments after tags. */
  dagArguments: readonly string[];
}

/**
 * The DAG's body after FERRY and RUN: `ferry_task()`, one BashOperator running `ferry task run`, then
 * the `with DAG(...)` block with one task per ferry task (its retries, delay, timeout, trigger rule)
 * and an `upstream >> task` line per edge.
 */
export function dagBody(pipeline: Pipeline, now: Date, parts: BodyParts): string[] {
  const lines = [
    '',
    '',
    'def ferry_task(name, retries, retry_delay, timeout, trigger_rule="all_success"):',
    '    return BashOperator(',
    '        task_id=name,',
    `        bash_command=f"{FERRY} task run ${shellQuote(pipeline.name)} '{name}' {RUN}",`,
    '        retries=retries,',
    '        retry_delay=timedelta(seconds=retry_delay),',
    ...parts.backoff.map((line) => `        ${line}`),
    '        execution_timeout=timedelta(seconds=timeout),',
    '        trigger_rule=trigger_rule,',
    '    )',
    '',
    '',
    'with DAG(',
    `    dag_id=${py(dagId(pipeline))},`,
    `    schedule=${parts.schedule},`,
    `    start_date=${startDate(pipeline, now)},`,
    `    catchup=${pipeline.catchup ? 'True' : 'False'},`,
    `    max_active_runs=${pipeline.maxActiveRuns},`,
    `    max_active_tasks=${pipeline.concurrency},`,
    '    tags=["ferry"],',
    ...parts.dagArguments.map((line) => `    ${line}`),
    '):',
    '    t = {}',
  ];
  for (const task of pipeline.tasks) {
    const rule = task.triggerRule === 'all_success' ? '' : `, trigger_rule=${py(task.triggerRule)}`;
    lines.push(
      `    t[${py(task.name)}] = ferry_task(${py(task.name)}, ${task.retries}, ${Math.round(task.retryDelaySeconds)}, ${Math.ceil(task.timeoutSeconds)}${rule})`,
    );
  }
  const edges = pipeline.tasks.filter((t) => t.upstream.length > 0);
  if (edges.length > 0) lines.push('');
  for (const task of edges) {
    const upstream =
      task.upstream.length === 1
        ? `t[${py(task.upstream[0]!)}]`
        : `[${task.upstream.map((u) => `t[${py(u)}]`).join(', ')}]`;
    lines.push(`    ${upstream} >> t[${py(task.name)}]`);
  }
  return lines;
}
