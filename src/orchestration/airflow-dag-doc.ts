// The exported DAG's doc_md (Markdown shown on the DAG's page in Airflow): what each task runs, as the
// `ferry task run` command Airflow starts and the ferry command that does the work, and where the
// mapping is documented.
import type { PipelineTask, Pipeline } from './pipeline.js';

type TaskSpec = PipelineTask['spec'];

/** A Markdown code span on one line, safe inside a table cell, whatever backticks and pipes it holds. */
export function codeSpan(text: string): string {
  const oneLine = text
    .trim()
    .replace(/\s*\n\s*/g, ' ↵ ')
    .replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

const streams = (names: readonly string[] | undefined) => (names ? ` --streams ${names.join(',')}` : '');

/** What ferry does for each kind of task, as the command a user would run by hand. */
const workOf: { [K in TaskSpec['kind']]: (spec: Extract<TaskSpec, { kind: K }>) => string } = {
  sync: (spec) =>
    codeSpan(
      `ferry sync${streams(spec.streams)}${spec.full_refresh ? ' --full-refresh' : ''}${spec.verify ? ' --verify' : ''}`,
    ),
  verify: (spec) => codeSpan(`ferry verify --at-snapshot${streams(spec.streams)}`),
  quality: (spec) =>
    `quality gate: at most ${spec.max_quarantined} row(s) per stream waiting in quarantine (${codeSpan(`ferry quarantine list${spec.streams ? ` --stream ${spec.streams.join(',')}` : ''}`)})`,
  transform: (spec) => codeSpan(`ferry transform --select ${spec.select.join(',')}`),
  shell: (spec) => `shell: ${codeSpan(spec.command)}`,
};

const work = (spec: TaskSpec) => (workOf[spec.kind] as (s: TaskSpec) => string)(spec);

/** The Markdown lines of the DAG's documentation. */
export function dagDoc(pipeline: Pipeline, ferry: string, schedule: string): string[] {
  const lines = [
    `### ferry pipeline \`${pipeline.name}\``,
    '',
    `Written by \`ferry airflow export\`. Each task runs ${codeSpan(`${ferry} task run ${pipeline.name} <task>`)} with this run's id and data interval: ferry does the work and records it in its history under Airflow's run id (\`ferry runs\`); Airflow schedules, orders and retries.`,
    `Schedule: ${schedule}. How ferry maps a pipeline to a DAG: docs/orchestration.md, section "Apache Airflow", in ferry's repository.`,
    '',
    '| task | Airflow runs | ferry does | after |',
    '| --- | --- | --- | --- |',
  ];
  for (const task of pipeline.tasks)
    lines.push(
      `| ${codeSpan(task.name)} | ${codeSpan(`ferry task run ${pipeline.name} ${task.name}`)} | ${work(task.spec)} | ${task.upstream.join(', ')} |`,
    );
  return lines;
}
