// What every command receives: its options, a logger, the loaded config (on demand) and a cancel signal.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import type { FerryConfig } from '../config/schema.js';
import { compileProject, type Project } from '../config/project.js';
import { ferryState, type FerryState } from '../state/ferry-state.js';
import { createLogger, type Logger, type LogFormat } from '../observability/logger.js';

export interface GlobalOptions {
  config: string;
  logLevel?: string;
  logFormat?: LogFormat;
  debug?: boolean;
}

export interface CommandContext {
  logger: Logger;
  signal: AbortSignal;
  configPath: string;
  /** Loads and validates the config file (once). */
  config(): FerryConfig;
  /** The project compiled from it (once): connection specs, settings, stream rules. */
  project(): Project;
  /** ferry's state tables (in the target's `_ferry` schema). */
  state: FerryState;
  /** Whether stdout is a terminal (progress bars and tables) or not (JSON). */
  interactive: boolean;
  /** Whether stderr, where logs and progress bars go, is a terminal. */
  terminal: boolean;
  /** Sends log lines to `print` instead of stderr (progress bars print them above the bars); undefined restores stderr. */
  routeLogs(print: ((text: string) => void) | undefined): void;
}

export function createContext(program: Command, signal: AbortSignal): CommandContext {
  const options = program.opts<GlobalOptions>();
  let route: ((text: string) => void) | undefined;
  const stderr = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        if (route) route(chunk.toString());
        else process.stderr.write(chunk);
        done();
      },
    }),
    { isTTY: process.stderr.isTTY === true },
  );
  const logger = createLogger({
    ...(options.logLevel ? { level: options.logLevel } : options.debug ? { level: 'debug' } : {}),
    ...(options.logFormat ? { format: options.logFormat } : {}),
    destination: stderr,
  });
  let cached: FerryConfig | undefined;
  let project: Project | undefined;
  const config = () => (cached ??= loadConfigFile(options.config));
  return {
    logger,
    signal,
    configPath: options.config,
    config,
    project: () => (project ??= compileProject(config(), options.config)),
    state: ferryState(),
    interactive: process.stdout.isTTY === true,
    terminal: process.stderr.isTTY === true,
    routeLogs: (print) => {
      route = print;
    },
  };
}

/** How a command file adds its command: given the program and the (lazily made) context. */
export type Register = (program: Command, context: () => CommandContext) => void;

/** The stream names of a --streams flag (comma-separated); undefined when the flag is absent. */
export function streamNames(flag: string | undefined): string[] | undefined {
  return flag
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
