// Holes of a numeric cursor (auto-increment ids): values below the mark that no committed row had in
// the snapshot that saw them. InnoDB hands out an id when a row is inserted, not when it commits, so
// a transaction still open at the snapshot leaves a hole that its commit fills later; MySQL shows no
// uncommitted id. Each run re-reads the holes, and keeps those that may still fill: every hole stays
// until a snapshot at least `lookback` later still lacks it and no write transaction open when it
// was seen is still open (without the PROCESS privilege ferry cannot see them, and waits `lookback`).
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { WriteHorizon } from '../connectors/mysql/write-horizon.js';
import { quoteMysql } from '../schema/identifiers.js';
import type { SourceTable } from '../schema/source-table.js';
import type { CursorHole } from '../state/streams.js';
import { numericLiteral, type Cursor } from './cursor-mark.js';

/** Holes a stream keeps at most; beyond, the closest ones merge (more is read again, nothing lost). */
const HOLES_KEPT = 10_000;
/** Hole ranges one read names; beyond, the closest ones merge for the read. */
const HOLES_READ = 500;
/** Rows of one gap query; a region with more gaps stays a hole as a whole. */
const GAP_ROWS = 20_000;
/** A full load looks for holes among this many of the largest cursor values. */
const LOAD_HOLE_ROWS = 100_000;

const from = (table: SourceTable) => `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;

/** Values as integers in units of the cursor's last digit, so decimals and BIGINT compare exactly. */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const value = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return negative ? -value : value;
}

function unscaled(value: bigint, scale: number): string {
  if (scale === 0) return value.toString();
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

interface Span {
  after: bigint;
  before: bigint;
  seenAt: number;
}

const toSpan = (h: CursorHole, scale: number): Span => ({
  after: scaled(h.after, scale),
  before: scaled(h.before, scale),
  seenAt: h.seenAt,
});
const toHole = (s: Span, scale: number): CursorHole => ({
  after: unscaled(s.after, scale),
  before: unscaled(s.before, scale),
  seenAt: s.seenAt,
});
/** An open interval holds a value when its ends are more than one unit apart. */
const holdsValue = (after: bigint, before: bigint) => before - after > 1n;

const byAfter = (a: Span, b: Span) => (a.after < b.after ? -1 : a.after > b.after ? 1 : 0);

/** Sorted spans, each merged into the one before when `joins` says so (keeping the earlier seenAt). */
function mergeSorted(
  spans: readonly Span[],
  joins: (last: Span, next: Span, index: number) => boolean,
): Span[] {
  const out: Span[] = [];
  [...spans].sort(byAfter).forEach((s, i) => {
    const last = out[out.length - 1];
    if (last && joins(last, s, i))
      out[out.length - 1] = {
        after: last.after,
        before: s.before > last.before ? s.before : last.before,
        seenAt: Math.min(last.seenAt, s.seenAt),
      };
    else out.push(s);
  });
  return out;
}

/** Merges the closest neighbours until at most `limit` remain; each merged span covers both. */
function coalesce(spans: readonly Span[], limit: number): Span[] {
  const sorted = [...spans].sort(byAfter);
  if (sorted.length <= limit) return sorted;
  const distances = sorted.slice(1).map((s, i) => ({ i: i + 1, d: s.after - sorted[i]!.before }));
  // The n - limit smallest distances close (ties by position), so exactly `limit` spans remain.
  const closing = new Set(
    [...distances]
      .sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : a.i - b.i))
      .slice(0, sorted.length - limit)
      .map((x) => x.i),
  );
  return mergeSorted(sorted, (_, __, i) => closing.has(i));
}

/** Sorted, with overlapping spans merged. */
const disjoint = (spans: readonly Span[]) => mergeSorted(spans, (last, next) => next.after < last.before);

/** The condition for the rows in the holes (to OR with the rows above the mark), or ''. */
export function inHoles(cursor: Cursor, holes: readonly CursorHole[]): string {
  const spans = coalesce(
    holes.map((h) => toSpan(h, cursor.scale)),
    HOLES_READ,
  );
  return spans
    .map(
      (s) =>
        `(${cursor.quoted} > ${numericLiteral(unscaled(s.after, cursor.scale))} AND ${cursor.quoted} < ${numericLiteral(unscaled(s.before, cursor.scale))})`,
    )
    .join(' OR ');
}

/**
 * The holes of some regions (open intervals) in the snapshot `source` sees: each region minus the
 * values present in it. A hole keeps the seenAt of the region it lies in.
 */
export async function findHoles(
  source: MysqlConnection,
  table: SourceTable,
  cursor: Cursor,
  regions: readonly CursorHole[],
): Promise<CursorHole[]> {
  const spans = disjoint(
    regions.map((r) => toSpan(r, cursor.scale)).filter((s) => holdsValue(s.after, s.before)),
  );
  const found: Span[] = [];
  for (let i = 0; i < spans.length; i += HOLES_READ)
    found.push(...(await holesIn(source, table, cursor, spans.slice(i, i + HOLES_READ))));
  return found.map((s) => toHole(s, cursor.scale));
}

async function holesIn(
  source: MysqlConnection,
  table: SourceTable,
  cursor: Cursor,
  regions: Span[],
): Promise<Span[]> {
  const q = cursor.quoted;
  const literal = (v: bigint) => numericLiteral(unscaled(v, cursor.scale));
  const where = regions
    .map((r) => `(${q} > ${literal(r.after)} AND ${q} < ${literal(r.before)})`)
    .join(' OR ');
  const unit = cursor.scale === 0 ? '1' : `0.${'0'.repeat(cursor.scale - 1)}1`;
  const decimal = (c: string) => `CAST(${c} AS DECIMAL(65,${cursor.scale}))`;
  // The present values that border a gap: the first, the last, and each one more than a unit above
  // the one before it. The values missing in the regions lie between them.
  const [rows] = await source.query(
    `SELECT CAST(c AS CHAR) AS c, CAST(p AS CHAR) AS p, n IS NULL AS last FROM (
       SELECT ${q} AS c, LAG(${q}) OVER (ORDER BY ${q}) AS p, LEAD(${q}) OVER (ORDER BY ${q}) AS n
         FROM ${from(table)} WHERE ${where}) g
      WHERE p IS NULL OR n IS NULL OR ${decimal('c')} - ${decimal('p')} > ${unit}
      LIMIT ${GAP_ROWS + 1}`,
  );
  const borders = rows as { c: string; p: string | null; last: number | string }[];
  if (borders.length > GAP_ROWS) return regions; // too many to list: the regions stay holes whole
  // Missing values as open intervals; null is unbounded.
  const missing: [bigint | null, bigint | null][] = [];
  if (borders.length === 0) missing.push([null, null]);
  for (const b of borders) {
    const c = scaled(b.c, cursor.scale);
    if (b.p === null) missing.push([null, c]);
    else missing.push([scaled(b.p, cursor.scale), c]);
    if (Number(b.last) === 1) missing.push([c, null]);
  }
  const holes: Span[] = [];
  let m = 0;
  for (const r of regions) {
    while (m < missing.length && missing[m]![1] !== null && missing[m]![1]! <= r.after) m++;
    for (let k = m; k < missing.length; k++) {
      const [x, y] = missing[k]!;
      if (x !== null && x >= r.before) break;
      const after = x === null || x < r.after ? r.after : x;
      const before = y === null || y > r.before ? r.before : y;
      if (holdsValue(after, before)) holes.push({ after, before, seenAt: r.seenAt });
    }
  }
  return holes;
}

/** The region a full load looks for holes in: the largest LOAD_HOLE_ROWS values up to `max`. */
export async function loadHoleRegion(
  source: MysqlConnection,
  table: SourceTable,
  cursor: Cursor,
  max: string,
  seenAt: number,
): Promise<CursorHole> {
  const [rows] = await source.query(
    `SELECT CAST(MIN(c) AS CHAR) AS lo FROM (SELECT ${cursor.quoted} AS c FROM ${from(table)} WHERE ${cursor.quoted} <= ${numericLiteral(max)} ORDER BY ${cursor.quoted} DESC LIMIT ${LOAD_HOLE_ROWS}) x`,
  );
  const lo = ((rows as Record<string, unknown>[])[0]?.lo as string | null) ?? max;
  return { after: lo, before: max, seenAt };
}

/** A region clipped to a chunk's key range (lower inclusive, upper exclusive), or undefined. */
export function clipToChunk(
  region: CursorHole,
  cursor: Cursor,
  chunk: { lower: string | null; upper: string | null },
): CursorHole | undefined {
  const span = toSpan(region, cursor.scale);
  const lower = chunk.lower === null ? null : scaled(chunk.lower, cursor.scale) - 1n;
  const upper = chunk.upper === null ? null : scaled(chunk.upper, cursor.scale);
  const after = lower !== null && lower > span.after ? lower : span.after;
  const before = upper !== null && upper < span.before ? upper : span.before;
  return holdsValue(after, before) ? toHole({ after, before, seenAt: span.seenAt }, cursor.scale) : undefined;
}

/**
 * The holes still worth reading after a run whose snapshot `horizon` describes: a hole is final once
 * that snapshot, at least `lookback` after the hole was seen, still lacks it and every write
 * transaction open when it was seen has ended (with PROCESS; without, `lookback` alone decides).
 */
export function holesToKeep(
  holes: readonly CursorHole[],
  horizon: WriteHorizon | undefined,
  lookbackSeconds: number,
  scale: number,
): CursorHole[] {
  const final = (h: CursorHole) =>
    horizon !== undefined &&
    horizon.readAt - h.seenAt >= lookbackSeconds &&
    (!horizon.visible || horizon.oldestOpen === null || horizon.oldestOpen.startedAt > h.seenAt);
  return coalesce(
    holes.filter((h) => !final(h)).map((h) => toSpan(h, scale)),
    HOLES_KEPT,
  ).map((s) => toHole(s, scale));
}
