// ferry's commands and global options, put together as one commander program (main.ts runs it;
// tests read its options to check that docs/cli.md describes every one).
import { Command, Option } from 'commander';
import { createContext, type CommandContext, type Register } from './context.js';
import { registerAirflow } from './airflow.js';
import { registerBackfill } from './backfill.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerPipelines } from './pipelines.js';
import { registerPlan } from './plan.js';
import { registerRuns } from './runs.js';
import { registerScheduler } from './scheduler.js';
import { registerQuarantine } from './quarantine.js';
import { registerRepair } from './repair.js';
import { registerReset } from './reset.js';
import { registerSeed } from './seed.js';
import { registerSimulate } from './simulate.js';
import { registerStatus } from './status.js';
import { registerStream } from './stream.js';
import { registerSync } from './sync.js';
import { registerTask } from './task.js';
import { registerTrigger } from './trigger.js';
import { registerModels } from './models.js';
import { registerTransform } from './transform.js';
import { registerUi } from './ui.js';
import { registerVerify } from './verify.js';
import { version } from '../version.js';
import { registerWorker } from './worker.js';

const commands: Register[] = [
  registerInit,
  registerDoctor,
  registerQuarantine,
  registerSeed,
  registerSimulate,
  registerPlan,
  registerSync,
  registerStream,
  registerStatus,
  registerVerify,
  registerRepair,
  registerReset,
  registerPipelines,
  registerTrigger,
  registerBackfill,
  registerRuns,
  registerLogs,
  registerScheduler,
  registerUi,
  registerWorker,
  registerTask,
  registerAirflow,
  registerTransform,
  registerModels,
];

export function buildProgram(signal: AbortSignal): Command {
  const program = new Command('ferry')
    .description('Replicate MySQL/MariaDB into PostgreSQL: extract, validate, load, transform, verify.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'configuration file', './ferry.yaml')
    .addOption(
      new Option('--log-format <format>', 'log lines as readable text or JSON').choices(['pretty', 'json']),
    )
    .addOption(
      new Option('--log-level <level>', 'least severe level logged').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'silent',
      ]),
    )
    .option('--debug', 'log debug lines and show stack traces')
    .showHelpAfterError('(run `ferry --help` for the commands and options)')
    .exitOverride();
  let context: CommandContext | undefined;
  const getContext = () => (context ??= createContext(program, signal));
  for (const register of commands) register(program, getContext);
  return program;
}
