// Parsers of numeric flags for commander: a value out of range is a usage error (exit 2) that names
// the flag, the value and the valid range, before the command connects to anything.
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max` (inclusive; no upper bound when omitted). */
export function wholeNumber(min: number, max?: number): (text: string) => number {
  const range = max === undefined ? `from ${min} up` : `from ${min} to ${max}`;
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || (max !== undefined && value > max))
      throw new InvalidArgumentError(`expected a whole number ${range}`);
    return value;
  };
}

/** A number of seconds above 0 (fractions allowed), at most `max`. */
export function positiveSeconds(max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max)
      throw new InvalidArgumentError(`expected a number of seconds above 0, at most ${max}`);
    return value;
  };
}

/** Tasks one process runs at once: pg-boss's local concurrency. */
export const CONCURRENCY = wholeNumber(1, 64);
