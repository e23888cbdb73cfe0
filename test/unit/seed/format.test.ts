import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatMoney, formatSeconds } from '../../../src/seed/format.js';
import { Random } from '../../../src/seed/random.js';

/** The slow, obviously right way: Date's UTC fields. */
function viaDate(ms: number, micros: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const fraction = String(d.getUTCMilliseconds() * 1000 + micros).padStart(6, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${fraction}`;
}

describe('the seed value printer', () => {
  it('prints the same date and time as Date for instants from 1950 to 2099, leap days included', () => {
    const r = new Random(11);
    const from = Date.UTC(1950, 0, 1);
    const to = Date.UTC(2099, 11, 31, 23, 59, 59, 999);
    const instants = [from, to, Date.UTC(2000, 1, 29, 12), Date.UTC(2024, 1, 29, 23, 59, 59, 999), 0, -1];
    for (let i = 0; i < 20_000; i++) instants.push(from + Math.floor(r.next() * (to - from)));
    for (const ms of instants) {
      const micros = Math.floor(r.next() * 1000);
      expect(formatDateTime(ms, micros)).toBe(viaDate(ms, micros));
      expect(formatSeconds(ms)).toBe(viaDate(ms, 0).slice(0, 19));
      expect(formatDate(ms)).toBe(viaDate(ms, 0).slice(0, 10));
    }
  });

  it('prints cents as DECIMAL literals, negative ones included', () => {
    expect([0, 5, 99, 100, 123_456, -7, -1234].map(formatMoney)).toEqual([
      '0.00',
      '0.05',
      '0.99',
      '1.00',
      '1234.56',
      '-0.07',
      '-12.34',
    ]);
  });
});
