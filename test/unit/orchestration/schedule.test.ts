import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  dueIntervals,
  intervalsWithin,
  latestInterval,
  parseSchedule,
} from '../../../src/orchestration/schedule.js';

const d = (iso: string) => new Date(iso);
const iso = (i: { start: Date; end: Date }) => [i.start.toISOString(), i.end.toISOString()];
const hourly = parseSchedule('0 * * * *', 'UTC');

describe('schedules as data intervals', () => {
  it('makes the interval that just ended due, like Airflow', () => {
    expect(iso(latestInterval(hourly, d('2026-01-01T03:00:00Z'))!)).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(iso(latestInterval(hourly, d('2026-01-01T03:59:59Z'))!)).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
  });

  it('without catch-up, schedules only the newest complete interval, once', () => {
    const now = d('2026-01-01T05:10:00Z');
    expect(
      dueIntervals(hourly, { catchup: false, start: undefined, lastEnd: undefined, now }).map(iso),
    ).toEqual([['2026-01-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z']]);
    expect(
      dueIntervals(hourly, { catchup: false, start: undefined, lastEnd: d('2026-01-01T05:00:00Z'), now }),
    ).toEqual([]);
    // Missed intervals after a long stop are skipped.
    expect(
      dueIntervals(hourly, { catchup: false, start: undefined, lastEnd: d('2026-01-01T01:00:00Z'), now }).map(
        iso,
      ),
    ).toEqual([['2026-01-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z']]);
  });

  it('with catch-up, schedules every interval since start, then every one since the last', () => {
    const start = d('2026-01-01T00:00:00Z');
    const now = d('2026-01-01T03:30:00Z');
    expect(dueIntervals(hourly, { catchup: true, start, lastEnd: undefined, now }).map(iso)).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z'],
      ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'],
      ['2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z'],
    ]);
    expect(
      dueIntervals(hourly, { catchup: true, start, lastEnd: d('2026-01-01T02:00:00Z'), now }).map(iso),
    ).toEqual([['2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']]);
  });

  it('reads the schedule in its time zone, across a daylight saving change', () => {
    const berlin = parseSchedule('0 6 * * *', 'Europe/Berlin');
    const intervals = intervalsWithin(berlin, d('2026-03-28T00:00:00Z'), d('2026-03-31T00:00:00Z')).map(iso);
    expect(intervals).toEqual([
      ['2026-03-28T05:00:00.000Z', '2026-03-29T04:00:00.000Z'], // 23 hours: clocks go forward
      ['2026-03-29T04:00:00.000Z', '2026-03-30T04:00:00.000Z'],
    ]);
  });

  it('backfills only intervals wholly inside the range', () => {
    const got = intervalsWithin(hourly, d('2026-01-01T00:30:00Z'), d('2026-01-01T03:00:00Z')).map(iso);
    expect(got).toEqual([
      ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'],
      ['2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z'],
    ]);
  });

  it('supports seconds as a sixth field', () => {
    const every3s = parseSchedule('*/3 * * * * *', 'UTC');
    expect(iso(latestInterval(every3s, d('2026-01-01T00:00:07.5Z'))!)).toEqual([
      '2026-01-01T00:00:03.000Z',
      '2026-01-01T00:00:06.000Z',
    ]);
  });

  it('rejects a bad expression or time zone with a hint', () => {
    expect(() => parseSchedule('every hour', 'UTC', 'pipelines.p.schedule')).toThrow(ConfigError);
    try {
      parseSchedule('0 * * * *', 'Mars/Olympus', 'pipelines.p.schedule');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).message).toContain(
        'pipelines.p.schedule: "0 * * * *" (Mars/Olympus) is not a valid schedule',
      );
      expect((error as ConfigError).hint).toContain('IANA time zone');
    }
  });
});
