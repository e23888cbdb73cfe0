// How verify groups rows into buckets and splits a differing bucket into smaller ones. Tables keyed by
// one integer column use primary-key ranges (drilling down is an index range scan); every other
// table uses prefixes of the MD5 of its key text (drilling down rescans the table, filtered).
import type { ColumnMapping } from '../schema/type-mapping.js';

export interface RangeBucketing {
  kind: 'range';
  key: ColumnMapping;
  /** The smallest key on either side: bucket b of a level holds keys lo + b*width .. lo + (b+1)*width - 1. */
  lo: bigint;
  /** Bucket width per level, from the top level down to 1 (one key per bucket). */
  widths: bigint[];
}

export interface HashBucketing {
  kind: 'hash';
}

export type Bucketing = RangeBucketing | HashBucketing;

/** Each level splits a bucket into this many. */
const FAN_OUT = 64n;
/** The top level has at most about this many buckets. */
const TOP_BUCKETS = 4096n;
/** Hash prefixes grow by two hex digits a level, up to all 32 digits of an MD5. */
export const HASH_LEVELS = 16;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** The key column that range bucketing can use: a single integer primary key (not a TINYINT(1) flag). */
export function rangeKeyOf(key: readonly ColumnMapping[]): ColumnMapping | undefined {
  if (key.length !== 1) return undefined;
  const [m] = key;
  return m && INTEGER_TYPES.has(m.column.dataType) && m.rule.encoder !== 'boolean' ? m : undefined;
}

/** Range bucketing over the keys both sides hold; hash bucketing when a side is empty. */
export function planBuckets(
  key: ColumnMapping | undefined,
  bounds: Array<{ min: bigint; max: bigint } | undefined>,
): Bucketing {
  const known = bounds.filter((b): b is { min: bigint; max: bigint } => b !== undefined);
  if (!key || known.length === 0) return { kind: 'hash' };
  const lo = known.reduce((m, b) => (b.min < m ? b.min : m), known[0]!.min);
  const hi = known.reduce((m, b) => (b.max > m ? b.max : m), known[0]!.max);
  const span = hi - lo + 1n;
  let top = 1n;
  while (span / top > TOP_BUCKETS) top *= FAN_OUT;
  const widths: bigint[] = [];
  for (let w = top; w >= 1n; w /= FAN_OUT) widths.push(w);
  return { kind: 'range', key, lo, widths };
}

export function levelCount(bucketing: Bucketing): number {
  return bucketing.kind === 'range' ? bucketing.widths.length : HASH_LEVELS;
}

/** The key ranges of some buckets of one level, adjacent ones merged, in key order. */
export function keyRanges(
  bucketing: RangeBucketing,
  level: number,
  ids: readonly string[],
): Array<[bigint, bigint]> {
  const width = bucketing.widths[level]!;
  const sorted = ids.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: Array<[bigint, bigint]> = [];
  for (const id of sorted) {
    const start = bucketing.lo + id * width;
    const end = start + width - 1n;
    const last = ranges[ranges.length - 1];
    if (last && last[1] + 1n === start) last[1] = end;
    else ranges.push([start, end]);
  }
  return ranges;
}

/** The hash prefix length (hex digits) of a level. */
export function prefixLength(level: number): number {
  return 2 * (level + 1);
}
