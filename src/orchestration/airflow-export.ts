// `ferry airflow export`: a pipeline as an Airflow DAG file (Python) with the same tasks,
// dependencies, schedule, retries and timeouts; each task runs `ferry task run`, so Airflow
// schedules and ferry does the work. The file is generated, small, and meant to be read.
import type { Pipeline } from './pipeline.js';

export interface ExportOptions {
  /** The command that runs ferry on the Airflow workers, e.g. `ferry` or `npx ferry`. */
  ferryCommand: string;
  /** Absolute path of ferry.yaml on the Airflow workers. */
  configPath: string;
  /** Used as start_date when the pipeline sets no `start`. */
  now?: Date;
}

/** A Python string literal (JSON's escapes are valid Python). */
const py = (text: string) => JSON.stringify(text);

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

function startDate(pipeline: Pipeline, now: Date): string {
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

export function exportDag(pipeline: Pipeline, options: ExportOptions): string {
  const ferry = `${options.ferryCommand} --config ${shellQuote(options.configPath)}`;
  const lines = [
    `# Airflow DAG for the ferry pipeline ${py(pipeline.name)}, written by \`ferry airflow export\`.`,
    '# Edit ferry.yaml and export again rather than editing this file.',
    'from datetime import timedelta',
    '',
    'import pendulum',
    'from airflow import DAG',
    'from airflow.operators.bash import BashOperator',
    '',
    `FERRY = ${py(ferry)}`,
    `RUN = "--run-id '{{ run_id }}' --interval-start '{{ data_interval_start }}' --interval-end '{{ data_interval_end }}'"`,
    '',
    '',
    'def ferry_task(name, retries, retry_delay, timeout, trigger_rule="all_success"):',
    '    return BashOperator(',
    '        task_id=name,',
    `        bash_command=f"{FERRY} task run ${shellQuote(pipeline.name)} '{name}' {RUN}",`,
    '        retries=retries,',
    '        retry_delay=timedelta(seconds=retry_delay),',
    '        retry_exponential_backoff=True,',
    '        execution_timeout=timedelta(seconds=timeout),',
    '        trigger_rule=trigger_rule,',
    '    )',
    '',
    '',
    'with DAG(',
    `    dag_id=${py(dagId(pipeline))},`,
    `    schedule=${pipeline.schedule ? py(airflowCron(pipeline.schedule)) : 'None'},`,
    `    start_date=${startDate(pipeline, options.now ?? new Date())},`,
    `    catchup=${pipeline.catchup ? 'True' : 'False'},`,
    `    max_active_runs=${pipeline.maxActiveRuns},`,
    `    max_active_tasks=${pipeline.concurrency},`,
    '    tags=["ferry"],',
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
  for (const task of edges)
    lines.push(
      `    ${task.upstream.length === 1 ? `t[${py(task.upstream[0]!)}]` : `[${task.upstream.map((u) => `t[${py(u)}]`).join(', ')}]`} >> t[${py(task.name)}]`,
    );
  return lines.join('\n') + '\n';
}
