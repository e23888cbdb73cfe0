// The DAG file for Airflow 2.x (`ferry airflow export --airflow 2`), for users not yet on Airflow 3:
// `airflow.DAG`, the core BashOperator, a cron string (CronDataIntervalTimetable in 2.x).
import { airflowCron, dagBody, py, type DagText } from './airflow-python.js';

export const airflow2Dag: DagText = (pipeline, { ferry, now }) =>
  [
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
    ...dagBody(pipeline, now, {
      schedule: pipeline.schedule ? py(airflowCron(pipeline.schedule)) : 'None',
      backoff: ['retry_exponential_backoff=True,'],
      dagArguments: [],
    }),
  ].join('\n') + '\n';
