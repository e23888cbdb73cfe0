// Which PostgreSQL type changes cannot lose a value, so that schema_changes: evolve follows them.
import { describe, expect, it } from 'vitest';
import { isLosslessWidening } from '../../../src/replication/widen.js';

describe('isLosslessWidening', () => {
  it.each([
    ['smallint', 'integer'],
    ['smallint', 'bigint'],
    ['integer', 'bigint'],
    ['bigint', 'numeric(20,0)'],
    ['integer', 'numeric(12,2)'],
    ['numeric(8,2)', 'numeric(12,4)'],
    ['numeric(8,2)', 'numeric(10,2)'],
    ['character varying(10)', 'character varying(200)'],
    ['character varying(10)', 'text'],
    ['real', 'double precision'],
    ['timestamp(0) without time zone', 'timestamp(6) without time zone'],
    ['timestamp(3) with time zone', 'timestamp(6) with time zone'],
    ['interval(0)', 'interval(6)'],
  ])('%s -> %s is followed', (from, to) => {
    expect(isLosslessWidening(from, to)).toBe(true);
  });

  it.each([
    ['bigint', 'integer'],
    ['integer', 'integer'],
    ['integer', 'numeric(10,2)'],
    ['numeric(12,4)', 'numeric(12,2)'],
    ['numeric(8,2)', 'numeric(9,4)'],
    ['character varying(200)', 'character varying(10)'],
    ['text', 'character varying(200)'],
    ['double precision', 'real'],
    ['timestamp(6) without time zone', 'timestamp(0) without time zone'],
    ['timestamp(0) without time zone', 'timestamp(0) with time zone'],
    ['boolean', 'smallint'],
    ['bit(3)', 'bit(5)'],
    ['text', 'jsonb'],
  ])('%s -> %s is not', (from, to) => {
    expect(isLosslessWidening(from, to)).toBe(false);
  });
});
