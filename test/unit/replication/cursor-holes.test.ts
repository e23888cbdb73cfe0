// The holes of a numeric cursor: which stay (a transaction seen open may still fill them), how many
// one read names, and how a full load's region is cut to a chunk.
import { describe, expect, it } from 'vitest';
import type { WriteHorizon } from '../../../src/connectors/mysql/write-horizon.js';
import { clipToChunk, holesToKeep, inHoles } from '../../../src/replication/cursor-holes.js';
import type { Cursor } from '../../../src/replication/cursor-mark.js';
import { sourceColumn } from '../../support/source-column.js';

const cursor: Cursor = {
  name: 'id',
  column: sourceColumn('id', 'bigint', 'bigint'),
  kind: 'numeric',
  scale: 0,
  quoted: '`id`',
};
const horizon = (readAt: number, oldest: number | null, visible = true): WriteHorizon => ({
  readAt,
  snapshotAt: readAt,
  visible,
  oldestOpen: oldest === null ? null : { startedAt: oldest, thread: 7, what: 'transaction' },
  zoneOffset: 0,
});
const hole = (after: number, before: number, seenAt = 1000) => ({
  after: String(after),
  before: String(before),
  seenAt,
});

describe('holesToKeep', () => {
  it('keeps a hole while a transaction open when it was seen is still open', () => {
    expect(holesToKeep([hole(1, 3)], horizon(2000, 999), 5, 0)).toHaveLength(1);
    expect(holesToKeep([hole(1, 3)], horizon(2000, 1001), 5, 0)).toEqual([]);
    expect(holesToKeep([hole(1, 3)], horizon(2000, null), 5, 0)).toEqual([]);
  });

  it('keeps every hole for at least the lookback, and only that long without PROCESS', () => {
    expect(holesToKeep([hole(1, 3)], horizon(1004, null), 5, 0)).toHaveLength(1);
    expect(holesToKeep([hole(1, 3)], horizon(1004, 999, false), 5, 0)).toHaveLength(1);
    expect(holesToKeep([hole(1, 3)], horizon(1005, 999, false), 5, 0)).toEqual([]);
  });

  it('merges the closest holes beyond 10,000, so none is dropped', () => {
    const many = Array.from({ length: 10_002 }, (_, i) => hole(i * 10, i * 10 + 2, 1000 + i));
    const kept = holesToKeep(many, horizon(2000, 0), 5, 0);
    expect(kept.length).toBeLessThanOrEqual(10_000);
    expect(kept[0]!.after).toBe('0');
    expect(kept[kept.length - 1]!.before).toBe(String(10_001 * 10 + 2));
  });
});

describe('inHoles', () => {
  it('names each hole as an open range of literals', () => {
    expect(inHoles(cursor, [hole(4, 6), hole(10, 20)])).toBe(
      '(`id` > 4 AND `id` < 6) OR (`id` > 10 AND `id` < 20)',
    );
  });

  it('names at most 500 ranges, merging neighbours that lie closest', () => {
    const many = Array.from({ length: 600 }, (_, i) => hole(i * 10, i * 10 + 2));
    const ranges = inHoles(cursor, many).split(' OR ');
    expect(ranges).toHaveLength(500);
    expect(ranges.slice(0, 2)).toEqual(['(`id` > 0 AND `id` < 1002)', '(`id` > 1010 AND `id` < 1012)']);
  });

  it('handles decimal cursors by their last digit', () => {
    const price: Cursor = { ...cursor, scale: 2 };
    expect(inHoles(price, [{ after: '1.5', before: '-0.25', seenAt: 0 }])).toBe(
      '(`id` > 1.50 AND `id` < -0.25)',
    );
  });
});

describe('clipToChunk', () => {
  it('cuts a load region to the chunk range, or to nothing', () => {
    const region = hole(100, 200);
    expect(clipToChunk(region, cursor, { lower: '150', upper: null })).toEqual(hole(149, 200));
    expect(clipToChunk(region, cursor, { lower: null, upper: '120' })).toEqual(hole(100, 120));
    expect(clipToChunk(region, cursor, { lower: '0', upper: '101' })).toBeUndefined();
  });
});
