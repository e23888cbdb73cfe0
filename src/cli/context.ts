// What every command receives: its options, a logger, the loaded config (on demand) and a cancel signal.
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import type { FerryConfig } from '../config/schema.js';
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
  /** Whether stdout is a terminal (progress bars and tables) or not (JSON). */
  interactive: boolean;
}

export function createContext(program: Command, signal: AbortSignal): CommandContext {
  const options = program.opts<GlobalOptions>();
  const logger = createLogger({
    ...(options.logLevel ? { level: options.logLevel } : options.debug ? { level: 'debug' } : {}),
    ...(options.logFormat ? { format: options.logFormat } : {}),
  });
  let cached: FerryConfig | undefined;
  return {
    logger,
    signal,
    configPath: options.config,
    config: () => (cached ??= loadConfigFile(options.config)),
    interactive: process.stdout.isTTY === true,
  };
}
