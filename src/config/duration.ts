// Durations of ferry.yaml (30s, 5m, 1h, 250ms, 2d) in seconds.
import { ConfigError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

export function durationSeconds(text: string | undefined): number {
  if (!text) return 0;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match)
    throw new ConfigError(`bad duration ${text}`, [`expected a duration such as 30s, 5m or 1h, got ${text}`]);
  return Number(match[1]) * UNITS[match[2]!]!;
}
