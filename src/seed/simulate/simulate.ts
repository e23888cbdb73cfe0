// `ferry simulate`: runs the shop's workload at a given rate for a duration or a number of
// operations, and reports what it did per table and operation (with the keys it touched).
import type { MysqlConnection } from '../../connectors/mysql/connect.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { Random } from '../random.js';
import { OPERATION_WEIGHTS, perform, type Operation, type Touch } from './workload.js';

export interface SimulateOptions {
  seed: number;
  /** Operations per second. */
  rate: number;
  durationSeconds?: number;
  operations?: number;
  logger: Logger;
  signal?: AbortSignal;
  onOperation?: (done: number) => void;
}

export interface SimulationLog {
  seed: number;
  operations: number;
  seconds: number;
  /** counts[table][action] */
  counts: Record<string, Record<string, number>>;
  /** operation -> how many times it ran */
  byOperation: Record<string, number>;
  /** keys[table][action] = primary keys (composite keys joined with a comma) */
  keys: Record<string, Record<string, string[]>>;
}

export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(?:\/s)?$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0)
    throw new ConfigError(`--rate expects operations per second such as 200/s, got "${text}"`);
  return Number(match[1]);
}

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new ConfigError(`--duration expects a duration such as 60s, 5m or 1h, got "${text}"`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}

export async function simulate(
  connection: MysqlConnection,
  options: SimulateOptions,
): Promise<SimulationLog> {
  if (options.durationSeconds === undefined && options.operations === undefined) {
    throw new ConfigError('say how long to simulate: --duration 60s or --operations 1000');
  }
  const random = new Random(options.seed, 99);
  const names = Object.keys(OPERATION_WEIGHTS) as Operation[];
  const weights = names.map((n) => OPERATION_WEIGHTS[n]);
  const log: SimulationLog = {
    seed: options.seed,
    operations: 0,
    seconds: 0,
    counts: {},
    byOperation: {},
    keys: {},
  };
  const started = Date.now();
  const deadline =
    options.durationSeconds === undefined ? Infinity : started + options.durationSeconds * 1000;
  const limit = options.operations ?? Infinity;
  const interval = 1000 / options.rate;

  const record = (touch: Touch) => {
    const counts = (log.counts[touch.table] ??= {});
    counts[touch.action] = (counts[touch.action] ?? 0) + 1;
    ((log.keys[touch.table] ??= {})[touch.action] ??= []).push(touch.key);
  };

  while (log.operations < limit && Date.now() < deadline && !options.signal?.aborted) {
    const operation = random.weighted(names, weights);
    for (const touch of await perform(connection, random, operation)) record(touch);
    log.byOperation[operation] = (log.byOperation[operation] ?? 0) + 1;
    log.operations++;
    options.onOperation?.(log.operations);
    const due = started + log.operations * interval;
    const wait = due - Date.now();
    if (wait > 0)
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, deadline - Date.now()))));
  }
  log.seconds = (Date.now() - started) / 1000;
  options.logger.debug({ operations: log.operations }, 'simulation finished');
  return log;
}
