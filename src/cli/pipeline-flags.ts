// Flag parsing shared by the pipeline commands: --param k=v (repeatable) and ISO dates.
import { ConfigError } from '../errors.js';

export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0)
    throw new ConfigError(`--param ${value}: expected key=value`, [], {
      hint: 'for example --param region=eu',
    });
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function parseDate(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new ConfigError(`${flag} ${value}: not a date`, [], {
      hint: 'use ISO 8601, such as 2026-01-01 or 2026-01-01T06:00:00Z',
    });
  return date;
}

/** Resolves when the signal aborts: how long-running commands (scheduler, worker) wait. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
