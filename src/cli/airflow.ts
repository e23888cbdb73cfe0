// `ferry airflow export`: write a pipeline as an Airflow DAG file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dagId, exportDag } from '../orchestration/airflow-export.js';
import { pipelineNamed } from '../orchestration/pipeline.js';
import type { Register } from './context.js';

export const registerAirflow: Register = (program: Command, context) => {
  const airflow = program.command('airflow').description('Apache Airflow interop');
  airflow
    .command('export <pipeline>')
    .description(
      'write an Airflow DAG file whose tasks run `ferry task run` (same tasks, schedule, retries, timeouts)',
    )
    .option('--out <dir>', 'folder to write <dag_id>.py into (prints to stdout when omitted)')
    .option('--ferry-command <command>', 'how Airflow workers start ferry', 'ferry')
    .action((pipelineName: string, flags: { out?: string; ferryCommand: string }) => {
      const ctx = context();
      const pipeline = pipelineNamed(ctx.config(), pipelineName);
      const text = exportDag(pipeline, {
        ferryCommand: flags.ferryCommand,
        configPath: resolve(ctx.configPath),
      });
      if (!flags.out) {
        process.stdout.write(text);
        return;
      }
      mkdirSync(flags.out, { recursive: true });
      const file = join(flags.out, `${dagId(pipeline)}.py`);
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file} (DAG ${dagId(pipeline)})\n`);
    });
};
