// `ferry airflow export`: write a pipeline as an Airflow DAG file (Airflow 3 by default, or 2.x).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { AIRFLOW_VERSIONS, dagId, exportDag, type AirflowVersion } from '../orchestration/airflow-export.js';
import { pipelineNamed } from '../orchestration/pipeline.js';
import type { Register } from './context.js';

interface ExportFlags {
  out?: string;
  ferryCommand: string;
  airflow: AirflowVersion;
}

export const registerAirflow: Register = (program: Command, context) => {
  const airflow = program.command('airflow').description('Apache Airflow interop');
  airflow
    .command('export <pipeline>')
    .description(
      'write an Airflow DAG file whose tasks run `ferry task run` (same tasks, schedule, retries, timeouts)',
    )
    .option('--out <dir>', 'folder to write <dag_id>.py into (prints to stdout when omitted)')
    .option('--ferry-command <command>', 'how Airflow workers start ferry', 'ferry')
    .addOption(
      new Option('--airflow <major>', 'the Airflow major version the DAG is written for')
        .choices([...AIRFLOW_VERSIONS])
        .default('3'),
    )
    .action((pipelineName: string, flags: ExportFlags) => {
      const ctx = context();
      const pipeline = pipelineNamed(ctx.config(), pipelineName);
      const text = exportDag(pipeline, {
        ferryCommand: flags.ferryCommand,
        configPath: resolve(ctx.configPath),
        airflow: flags.airflow,
      });
      if (!flags.out) {
        process.stdout.write(text);
        return;
      }
      mkdirSync(flags.out, { recursive: true });
      const file = join(flags.out, `${dagId(pipeline)}.py`);
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file} (DAG ${dagId(pipeline)}, Airflow ${flags.airflow})\n`);
    });
};
