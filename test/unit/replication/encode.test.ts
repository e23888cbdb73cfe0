import { describe, expect, it } from 'vitest';
import { dateProblem, ENCODERS, escapeCopy, type ValueIssue } from '../../../src/schema/encode-copy.js';
import { globMatches } from '../../../src/replication/stream-plan.js';
import { parseMembers } from '../../../src/connectors/mysql/introspect.js';
import { durationSeconds } from '../../../src/config/duration.js';
import { identifier } from '../../../src/schema/identifiers.js';

const encode = (kind: keyof typeof ENCODERS, value: string | Buffer) => {
  const issue: { current?: ValueIssue } = {};
  return { field: ENCODERS[kind](value, issue), issue: issue.current };
};

describe('COPY encoding', () => {
  it('escapes backslash, tab, newline and carriage return', () => {
    expect(escapeCopy('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(escapeCopy('plain')).toBe('plain');
  });

  it('writes bytes as escaped hex', () => {
    expect(encode('bytes', Buffer.from([0, 255])).field).toBe('\\\\x00ff');
  });

  it('turns a SET into an array literal with quoted members', () => {
    expect(encode('set', 'a,b c,d"e').field).toBe('{"a","b c","d\\\\"e"}');
    expect(encode('set', '').field).toBe('{}');
  });

  it('flags zero and impossible dates for the zero_dates policy', () => {
    expect(dateProblem('0000-00-00')).toBe('zero date 0000-00-00');
    expect(dateProblem('2024-00-10')).toMatch(/zero part/);
    expect(dateProblem('2023-02-29')).toMatch(/impossible/);
    expect(dateProblem('2024-02-29')).toBeUndefined();
    expect(encode('timestamp', '0000-00-00 00:00:00').issue?.policy).toBe('zero_dates');
    expect(encode('timestamp', '2024-01-01 00:00:00').field).toBe('2024-01-01 00:00:00+00');
  });

  it('flags NUL bytes and non-boolean TINYINT(1) values for the invalid_values policy', () => {
    expect(encode('text', 'a\u0000b').issue?.policy).toBe('invalid_values');
    expect(encode('boolean', '2').issue?.reason).toMatch(/neither 0 nor 1/);
    expect(encode('json', '{"a":"\\u0000"}').issue?.policy).toBe('invalid_values');
  });
});

describe('planning helpers', () => {
  it('matches table globs exactly', () => {
    expect(globMatches('order_*', 'order_items')).toBe(true);
    expect(globMatches('order_*', 'orders')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
  });

  it('parses durations', () => {
    expect(durationSeconds('5m')).toBe(300);
    expect(durationSeconds('2h')).toBe(7200);
    expect(() => durationSeconds('5 minutes')).toThrow(/bad duration 5 minutes/);
  });

  it('reads ENUM and SET members with quotes and escapes', () => {
    expect(parseMembers("enum('a','it''s','b\\\\c')")).toEqual(['a', "it's", 'b\\c']);
  });

  it('keeps generated PostgreSQL names within 63 bytes, unique by hash', () => {
    const long = 'x'.repeat(80);
    expect(Buffer.byteLength(identifier(long))).toBeLessThanOrEqual(63);
    expect(identifier(long)).not.toBe(identifier(long + 'y'));
  });
});
