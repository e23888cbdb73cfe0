// `ferry airflow export`: a pipeline as an Airflow DAG file (Python) with the same tasks,
// dependencies, schedule, retries and timeouts; each task runs `ferry task run`, so Airflow
// schedules and ferry does the work. The file is generated, small, and meant to be read. One form per
// Airflow major version: 3 (the default) and 2 for installations not yet moved.
import { airflow2Dag } from './airflow2-dag.js';
import { airflow3Dag } from './airflow3-dag.js';
import { shellQuote, type DagText } from './airflow-python.js';
import type { Pipeline } from './pipeline.js';

export { airflowCron, dagId, shellQuote } from './airflow-python.js';

/** The Airflow major versions a DAG can be written for, newest first. */
export const AIRFLOW_VERSIONS = ['3', '2'] as const;
export type AirflowVersion = (typeof AIRFLOW_VERSIONS)[number];

const forms: Record<AirflowVersion, DagText> = { '3': airflow3Dag, '2': airflow2Dag };

export interface ExportOptions {
  /** The command that runs ferry on the Airflow workers, e.g. `ferry` or `npx ferry`. */
  ferryCommand: string;
  /** Absolute path of ferry.yaml on the Airflow workers. */
  configPath: string;
  /** The Airflow major version to write for; 3 when omitted. */
  airflow?: AirflowVersion;
  /** Used as start_date when the pipeline sets no `start`. */
  now?: Date;
}

export function exportDag(pipeline: Pipeline, options: ExportOptions): string {
  return forms[options.airflow ?? '3'](pipeline, {
    ferry: `${options.ferryCommand} --config ${shellQuote(options.configPath)}`,
    now: options.now ?? new Date(),
  });
}
