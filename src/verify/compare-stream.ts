// Compares one stream: bucket checksums (key ranges or key hashes) on both sides, drilling into the buckets that
// differ until they are small enough to compare row by row; JSON columns are compared apart.
import type { ColumnMapping } from '../schema/type-mapping.js';
import { COMPARED_APART } from './canonical.js';
import { displayKey, type Bucket, type Side } from './table-side.js';

export interface ColumnDifference {
  column: string;
  source: string | null;
  target: string | null;
}

export interface RowDifference {
  key: string;
  columns: ColumnDifference[];
}

export interface StreamComparison {
  sourceRows: number;
  targetRows: number;
  /** Keys (as text) of rows in the source and not in the target. */
  missing: string[];
  /** Keys of rows in the target and not in the source. */
  extra: string[];
  /** Keys of rows whose values differ. */
  different: string[];
  /** For key-less tables: rows (by hash) whose count differs. */
  multisetMissing: number;
  multisetExtra: number;
  /** For key-less tables: row hash -> how many more copies one side has (the first ROWS_KEPT hashes). */
  missingRows: Map<string, number>;
  extraRows: Map<string, number>;
  bucketsCompared: number;
}

/** A bucket holding at most this many rows on either side is compared row by row. */
const ROW_LIMIT = 5000;
/** Differing rows of a key-less table kept by hash (for expected rows and samples); the counts are all. */
const ROWS_KEPT = 10_000;

function keep(rows: Map<string, number>, hash: string, count: number): void {
  if (rows.size < ROWS_KEPT || rows.has(hash)) rows.set(hash, (rows.get(hash) ?? 0) + count);
}

function sameBucket(a: Bucket | undefined, b: Bucket | undefined): boolean {
  return (a?.count ?? 0) === (b?.count ?? 0) && (a?.sum ?? '0') === (b?.sum ?? '0');
}

export async function compareByChecksums(
  source: Side,
  target: Side,
  options: { multiset: boolean; levels: number; signal?: AbortSignal; onPhase?: (phase: string) => void },
): Promise<StreamComparison> {
  const { multiset, levels, signal, onPhase } = options;
  const result: StreamComparison = {
    sourceRows: 0,
    targetRows: 0,
    missing: [],
    extra: [],
    different: [],
    multisetMissing: 0,
    multisetExtra: 0,
    missingRows: new Map(),
    extraRows: new Map(),
    bucketsCompared: 0,
  };
  const [top1, top2] = await Promise.all([source.buckets(0), target.buckets(0)]);
  for (const b of top1.values()) result.sourceRows += b.count;
  for (const b of top2.values()) result.targetRows += b.count;

  // Level by level: every differing bucket of a level is handled in one scan per side, either by
  // comparing its rows (small buckets, or the last level) or by splitting it into smaller ones.
  let s = top1;
  let t = top2;
  for (let level = 0; ; level++) {
    if (signal?.aborted) throw signal.reason;
    const small: string[] = [];
    const large: string[] = [];
    for (const prefix of new Set([...s.keys(), ...t.keys()])) {
      result.bucketsCompared++;
      const a = s.get(prefix);
      const b = t.get(prefix);
      if (sameBucket(a, b)) continue;
      if (Math.max(a?.count ?? 0, b?.count ?? 0) <= ROW_LIMIT || level >= levels - 1) small.push(prefix);
      else large.push(prefix);
    }
    if (small.length + large.length > 0)
      onPhase?.(`drilling into ${small.length + large.length} differing bucket(s), level ${level + 1}`);
    if (small.length > 0) {
      const [rs, rt] = await Promise.all([source.rows(level, small), target.rows(level, small)]);
      if (multiset) {
        for (const [hash, count] of rs) {
          const diff = Number(count) - Number(rt.get(hash) ?? 0);
          if (diff > 0) {
            result.multisetMissing += diff;
            keep(result.missingRows, hash, diff);
          } else if (diff < 0) {
            result.multisetExtra -= diff;
            keep(result.extraRows, hash, -diff);
          }
        }
        for (const [hash, count] of rt)
          if (!rs.has(hash)) {
            result.multisetExtra += Number(count);
            keep(result.extraRows, hash, Number(count));
          }
      } else {
        for (const [key, hash] of rs) {
          const other = rt.get(key);
          if (other === undefined) result.missing.push(key);
          else if (other !== hash) result.different.push(key);
        }
        for (const key of rt.keys()) if (!rs.has(key)) result.extra.push(key);
      }
    }
    if (large.length === 0) break;
    [s, t] = await Promise.all([source.buckets(level + 1, large), target.buckets(level + 1, large)]);
  }
  return result;
}

/** Canonical JSON: keys sorted, no white space, numbers as doubles. */
export function canonicalJson(text: string | null): string | null {
  if (text === null) return null;
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** A float as the shortest text of its double value: the same number prints the same on both sides. */
export function canonicalNumber(text: string | null): string | null {
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isNaN(n) && !/^nan$/i.test(text.trim()) ? text : String(n);
}

/**
 * Merge-joins the columns compared apart (JSON, floats) of both sides in key order; returns the keys
 * whose values differ, with the columns.
 */
export async function compareApart(
  source: Side,
  target: Side,
  apart: readonly ColumnMapping[],
): Promise<Map<string, ColumnDifference[]>> {
  const differing = new Map<string, ColumnDifference[]>();
  if (apart.length === 0) return differing;
  const canon = apart.map((m) => (m.rule.encoder === 'float' ? canonicalNumber : canonicalJson));
  const a = source.apart();
  const b = target.apart();
  try {
    let x = await a.next();
    let y = await b.next();
    while (!x.done && !y.done) {
      const [ha, ka, va] = x.value;
      const [hb, , vb] = y.value;
      if (ha < hb) x = await a.next();
      else if (ha > hb) y = await b.next();
      else {
        const columns: ColumnDifference[] = [];
        apart.forEach((m, i) => {
          const ca = canon[i]!(va[i] ?? null);
          const cb = canon[i]!(vb[i] ?? null);
          if (ca !== cb) columns.push({ column: m.column.name, source: ca, target: cb });
        });
        if (columns.length > 0) differing.set(ka, columns);
        x = await a.next();
        y = await b.next();
      }
    }
  } finally {
    // Stop both reads, also after an error: an unfinished MySQL result would keep its connection busy.
    await Promise.all([a.return(undefined), b.return(undefined)]);
  }
  return differing;
}

/** Which columns differ for some keys, with both canonical values. */
export async function describeDifferences(
  source: Side,
  target: Side,
  mappings: readonly ColumnMapping[],
  keys: string[],
): Promise<RowDifference[]> {
  if (keys.length === 0) return [];
  const [vs, vt] = await Promise.all([source.values(keys), target.values(keys)]);
  return keys.map((key) => {
    const a = vs.get(key) ?? [];
    const b = vt.get(key) ?? [];
    const columns = mappings.flatMap((m, i) =>
      !COMPARED_APART.has(m.rule.encoder) && a[i] !== b[i]
        ? [{ column: m.column.name, source: a[i] ?? null, target: b[i] ?? null }]
        : [],
    );
    return { key: displayKey(key), columns };
  });
}

/**
 * Compares only the rows with these keys, in full: row hashes, then the columns compared apart.
 * Returns the keys missing from the target, extra in it, and different.
 */
export async function compareKeys(
  source: Side,
  target: Side,
  apart: readonly ColumnMapping[],
  keys: readonly string[],
): Promise<{ missing: string[]; extra: string[]; different: string[] }> {
  const out = { missing: [] as string[], extra: [] as string[], different: [] as string[] };
  if (keys.length === 0) return out;
  const [hs, ht] = await Promise.all([source.hashes(keys), target.hashes(keys)]);
  const both = [...hs.keys()].filter((k) => ht.has(k));
  const [as, at] = await Promise.all([source.apartOf(both), target.apartOf(both)]);
  const canon = apart.map((m) => (m.rule.encoder === 'float' ? canonicalNumber : canonicalJson));
  const apartDiffers = (k: string) =>
    apart.some((_, i) => canon[i]!(as.get(k)?.[i] ?? null) !== canon[i]!(at.get(k)?.[i] ?? null));
  const asked = new Set(keys);
  for (const [k, h] of hs) {
    if (!asked.has(k)) continue;
    const other = ht.get(k);
    if (other === undefined) out.missing.push(k);
    else if (other !== h || apartDiffers(k)) out.different.push(k);
  }
  for (const k of ht.keys()) if (asked.has(k) && !hs.has(k)) out.extra.push(k);
  return out;
}
