// The DAG file for Airflow 3 (the default of `ferry airflow export`): the Task SDK's DAG, the standard
// provider's BashOperator, and a CronDataIntervalTimetable, since in Airflow 3 a cron string means
// CronTriggerTimetable, whose data interval is empty (start = end) and would reach every ferry task.
import { dagDoc } from './airflow-dag-doc.js';
import { airflowCron, dagBody, py, type DagText } from './airflow-python.js';
import type { Pipeline } from './pipeline.js';

/** The `schedule=` value: a timetable with real data intervals, in the pipeline's time zone. */
function schedule(pipeline: Pipeline): string {
  if (!pipeline.schedule) return 'None';
  return `CronDataIntervalTimetable(${py(airflowCron(pipeline.schedule))}, timezone=${py(pipeline.timezone)})`;
}

export const airflow3Dag: DagText = (pipeline, { ferry, now }) => {
  const timetable = pipeline.schedule
    ? `${py(airflowCron(pipeline.schedule))} in ${pipeline.timezone}, each run for the interval [previous tick, tick), catch-up ${pipeline.catchup ? 'on' : 'off'}`
    : 'none (triggered runs only)';
  return (
    [
      `# Airflow 3 DAG for the ferry pipeline ${py(pipeline.name)}, written by \`ferry airflow export\`.`,
      '# Edit ferry.yaml and export again rather than editing this file (`--airflow 2` writes the 2.x form).',
      'from datetime import timedelta',
      '',
      'import pendulum',
      'from airflow.providers.standard.operators.bash import BashOperator',
      'from airflow.sdk import DAG',
      '',
      'try:',
      '    from airflow.sdk import CronDataIntervalTimetable',
      'except ImportError:  # earlier Airflow 3 releases have it in airflow.timetables only',
      '    from airflow.timetables.interval import CronDataIntervalTimetable',
      '',
      `FERRY = ${py(ferry)}`,
      '# A run triggered without a logical date has no data interval (the keys are missing from the',
      '# context): ferry then records the interval [now, now].',
      'RUN = (',
      `    "--run-id '{{ run_id }}'"`,
      '    "{% if data_interval_start is defined and data_interval_start %}"',
      `    " --interval-start '{{ data_interval_start }}' --interval-end '{{ data_interval_end }}'"`,
      '    "{% endif %}"',
      ')',
      'DOC = "\\n".join([',
      ...dagDoc(pipeline, ferry, timetable).map((line) => `    ${py(line)},`),
      '])',
      ...dagBody(pipeline, now, {
        schedule: schedule(pipeline),
        backoff: [
          "# Doubled for each further retry, at most an hour, as ferry's own workers do. True, not 2.0:",
          '# Airflow 3.3 reads True as the multiplier 2.0, and releases before the multiplier take a bool.',
          'retry_exponential_backoff=True,',
          'max_retry_delay=timedelta(hours=1),',
        ],
        dagArguments: ['doc_md=DOC,'],
      }),
    ].join('\n') + '\n'
  );
};
