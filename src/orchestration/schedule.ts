// Schedules as data intervals, as Airflow reads them: a cron expression in a time zone fires at
// t0, t1, t2, ...; the run for the interval [t0, t1) becomes due at t1. Pure functions of the
// clock they are given, so tests pass any "now".
import { Cron } from 'croner';
import { ConfigError } from '../errors.js';

export interface DataInterval {
  start: Date;
  end: Date;
}

/** At most this many intervals are created in one pass, so a long catch-up comes in batches. */
export const MAX_INTERVALS_PER_PASS = 500;

export function parseSchedule(expression: string, timezone: string, where = 'schedule'): Cron {
  try {
    // croner accepts any time zone name and fails later; Intl knows the real ones.
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return new Cron(expression, { timezone, paused: true });
  } catch (error) {
    throw new ConfigError(
      `${where}: "${expression}" (${timezone}) is not a valid schedule`,
      [`${where}: ${error instanceof Error ? error.message : String(error)}`],
      {
        hint: 'use 5 cron fields (minute hour day month weekday), 6 with seconds first, and an IANA time zone such as Europe/Berlin',
      },
    );
  }
}

/** Intervals that end after `after` (exclusive) and no later than `until`, oldest first. */
export function intervalsEndingBetween(
  cron: Cron,
  after: Date,
  until: Date,
  limit = MAX_INTERVALS_PER_PASS,
): DataInterval[] {
  const found: DataInterval[] = [];
  let start = cron.previousRuns(1, new Date(after.getTime() + 1))[0];
  let end = cron.nextRun(after);
  while (end && end.getTime() <= until.getTime() && found.length < limit) {
    if (start) found.push({ start, end });
    start = end;
    end = cron.nextRun(end);
  }
  return found;
}

/** The last interval complete at `now`, if any. */
export function latestInterval(cron: Cron, now: Date): DataInterval | undefined {
  const [end, start] = cron.previousRuns(2, new Date(now.getTime() + 1));
  return end && start ? { start, end } : undefined;
}

export interface DueOptions {
  catchup: boolean;
  /** First interval start allowed (pipeline `start`). */
  start: Date | undefined;
  /** End of the newest interval already scheduled, if any. */
  lastEnd: Date | undefined;
  now: Date;
}

/**
 * The intervals to create runs for now. With catch-up, every interval since the last one (or since
 * `start`); without, only the newest complete interval, if it is not scheduled yet.
 */
export function dueIntervals(cron: Cron, options: DueOptions): DataInterval[] {
  const { now, lastEnd, start } = options;
  const notBeforeStart = (i: DataInterval) => !start || i.start.getTime() >= start.getTime();
  if (options.catchup) {
    const after = lastEnd ?? new Date((start ?? now).getTime());
    return intervalsEndingBetween(cron, lastEnd ? after : new Date(after.getTime() - 1), now)
      .filter(notBeforeStart)
      .filter((i) => !lastEnd || i.end.getTime() > lastEnd.getTime());
  }
  const latest = latestInterval(cron, now);
  if (!latest || !notBeforeStart(latest)) return [];
  if (lastEnd && latest.end.getTime() <= lastEnd.getTime()) return [];
  return [latest];
}

/** Intervals lying wholly within [from, to]: what a backfill runs. */
export function intervalsWithin(cron: Cron, from: Date, to: Date): DataInterval[] {
  const all: DataInterval[] = [];
  let cursor = new Date(from.getTime() - 1);
  for (;;) {
    const batch = intervalsEndingBetween(cron, cursor, to);
    all.push(...batch.filter((i) => i.start.getTime() >= from.getTime()));
    if (batch.length < MAX_INTERVALS_PER_PASS) return all;
    cursor = batch[batch.length - 1]!.end;
  }
}

/** The key of a scheduled (or backfilled) run: one per pipeline and interval, like Airflow's run id. */
export function scheduledRunKey(interval: DataInterval): string {
  return `scheduled__${interval.end.toISOString()}`;
}
