// The queries verify runs on each side of one stream, written once over a dialect: the key bounds,
// bucket checksums, the row hashes of some buckets, canonical column values of some rows, and the
// JSON columns in key order. Both sides compute the same canonical text, so equal rows hash equally.
import { createHash } from 'node:crypto';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { keyRanges, prefixLength, type Bucketing } from './buckets.js';
import type { VerifyDialect } from './checksum-dialects.js';

export interface Bucket {
  count: number;
  /** Sum of the rows' 64-bit hashes modulo 2^64: equal multisets of rows give equal sums. */
  sum: string;
}

/** The order of rows compared apart: the key for range-bucketed tables, the key's MD5 otherwise. */
export type OrderKey = bigint | string;

export interface Side {
  /** Checksums of the buckets of a level, inside the given buckets of the level above (all at level 0). */
  buckets(level: number, parents?: readonly string[]): Promise<Map<string, Bucket>>;
  /** key text -> row hash for the rows of some buckets of a level (key-less tables: row hash -> count). */
  rows(level: number, ids: readonly string[]): Promise<Map<string, string>>;
  /** key text -> canonical column values, for rows with these key texts. */
  values(keys: readonly string[]): Promise<Map<string, (string | null)[]>>;
  /**
   * key text -> a fingerprint of the row (its hash and the texts of the columns compared apart), for
   * the rows with these key texts: equal fingerprints, equal rows.
   */
  fingerprints(keys: readonly string[]): Promise<Map<string, string>>;
  /** A condition selecting the rows with these key texts. */
  whereKeys(keys: readonly string[]): string;
  /** Those of the key texts whose rows meet a condition (SQL of this side's dialect). */
  keysWhere(condition: string, keys: readonly string[]): Promise<Set<string>>;
  /** (order key, key text, texts of the columns compared apart), in order key order. */
  apart(): AsyncGenerator<[OrderKey, string, (string | null)[]]>;
  /** key text -> row hash, for the rows with these key texts (a repair checks its keys again). */
  hashes(keys: readonly string[]): Promise<Map<string, string>>;
  /** key text -> texts of the columns compared apart, for the rows with these key texts. */
  apartOf(keys: readonly string[]): Promise<Map<string, (string | null)[]>>;
  /**
   * For the rows with these key texts: key text -> the values of `select` (SQL of this side, read
   * as the sync reads: the indexes in `binary` as bytes).
   */
  selectByKey(
    keys: readonly string[],
    select: readonly string[],
    binary?: ReadonlySet<number>,
  ): Promise<Map<string, unknown[]>>;
  /** For the rows with these row hashes (key-less tables): hash -> each such row's text and values of `select`. */
  selectByHash(
    hashes: readonly string[],
    select: readonly string[],
    binary?: ReadonlySet<number>,
  ): Promise<Map<string, { text: string; values: unknown[] }[]>>;
}

export interface SideTable {
  mappings: ColumnMapping[];
  /** Key columns; empty for a key-less table (compared as a multiset of rows). */
  key: ColumnMapping[];
  /** Columns compared apart, in ferry, rather than in the row hash: JSON and floats. */
  apart: ColumnMapping[];
}

const SEP = '\u001f';

/** The MD5 of a key text, as both databases compute it. */
export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
/** Buckets (or keys) per query: bounds the length of the SQL. */
const BATCH = 500;

const HEX = /^[0-9a-f]+$/;
const INTEGER = /^-?\d+$/;

function literal(text: string, pattern: RegExp): string {
  // Only ever hex digests and integers that the databases printed; anything else is a bug.
  if (!pattern.test(text)) throw new Error(`verify: unexpected key text ${JSON.stringify(text)}`);
  return `'${text}'`;
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** The key bounds of a range-bucketable key column, or undefined for an empty table. */
export async function keyBounds(
  dialect: VerifyDialect,
  key: ColumnMapping,
): Promise<{ min: bigint; max: bigint } | undefined> {
  const q = dialect.column(key);
  const where = dialect.live ? ` WHERE ${dialect.live}` : '';
  const [row] = await dialect.query(
    `SELECT ${dialect.asText(`MIN(${q})`)} AS lo, ${dialect.asText(`MAX(${q})`)} AS hi FROM ${dialect.from}${where}`,
  );
  if (!row || row.lo === null || row.hi === null) return undefined;
  return { min: BigInt(row.lo as string), max: BigInt(row.hi as string) };
}

export function tableSide(dialect: VerifyDialect, table: SideTable, bucketing: Bucketing): Side {
  const multiset = table.key.length === 0;
  const keyColumns = multiset ? table.mappings : table.key;
  const keyText = multiset ? dialect.rowText(keyColumns) : dialect.keyText(keyColumns);
  const rowHash = dialect.md5(dialect.rowText(table.mappings));
  const keyHash = dialect.md5(keyText);
  const rangeKey = bucketing.kind === 'range' ? dialect.column(bucketing.key) : '';

  const bucketAt = (level: number) =>
    bucketing.kind === 'range'
      ? dialect.bucketOf(rangeKey, bucketing.lo, bucketing.widths[level]!, bucketing.key)
      : dialect.substr(keyHash, prefixLength(level));

  /** A condition selecting the rows of some buckets of a level ('' for all). */
  function inBuckets(level: number, ids: readonly string[] | undefined): string {
    if (ids === undefined) return '';
    if (bucketing.kind === 'range') {
      return keyRanges(bucketing, level, ids)
        .map(([a, b]) => (a === b ? `${rangeKey} = ${a}` : `${rangeKey} BETWEEN ${a} AND ${b}`))
        .join(' OR ');
    }
    return `${dialect.substr(keyHash, prefixLength(level))} IN (${ids.map((p) => literal(p, HEX)).join(', ')})`;
  }

  function where(...conditions: string[]): string {
    const parts = [dialect.live, ...conditions].filter(Boolean).map((c) => `(${c})`);
    return parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '';
  }

  async function perBatch<T>(
    ids: readonly string[] | undefined,
    run: (batch: readonly string[] | undefined) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> {
    if (ids === undefined) return run(undefined);
    const merged = new Map<string, T>();
    for (const batch of batches(ids)) for (const [k, v] of await run(batch)) merged.set(k, v);
    return merged;
  }

  /** Streams `SELECT <leading> AS c0.., <select> ... WHERE condition`, the select's binary indexes shifted past the leading ones. */
  async function* selected(
    leading: readonly string[],
    select: readonly string[],
    binary: ReadonlySet<number> | undefined,
    condition: string,
  ): AsyncGenerator<unknown[]> {
    const list = [...leading, ...select].map((e, i) => `${e} AS c${i}`).join(', ');
    const shifted = new Set([...(binary ?? [])].map((i) => i + leading.length));
    yield* dialect.stream(`SELECT ${list} FROM ${dialect.from}${where(condition)}`, shifted);
  }

  return {
    buckets(level, parents) {
      return perBatch(parents, async (batch) => {
        const rows = await dialect.query(
          `SELECT ${bucketAt(level)} AS b, COUNT(*) AS n, ${dialect.hashSum(rowHash)} AS s
             FROM ${dialect.from}${where(inBuckets(level - 1, batch))} GROUP BY 1`,
        );
        return new Map(rows.map((r) => [String(r.b), { count: Number(r.n), sum: String(r.s) }]));
      });
    },
    rows(level, ids) {
      return perBatch(ids, async (batch) => {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k, ${rowHash} AS h FROM ${dialect.from}${where(inBuckets(level, batch))}`,
        );
        const out = new Map<string, string>();
        for (const r of rows) {
          const h = String(r.h);
          if (multiset) out.set(h, String(Number(out.get(h) ?? 0) + 1));
          else out.set(String(r.k), h);
        }
        return out;
      });
    },
    async fingerprints(keys) {
      const apart = table.apart.map((m, i) => `${dialect.apartText(dialect.column(m), m)} AS a${i}`);
      const out = new Map<string, string>();
      for (const batch of batches(keys)) {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k, ${rowHash} AS h${apart.map((a) => `, ${a}`).join('')} FROM ${dialect.from}${where(this.whereKeys(batch))}`,
        );
        for (const r of rows)
          out.set(String(r.k), JSON.stringify([r.h, ...table.apart.map((_, i) => r[`a${i}`] ?? null)]));
      }
      return out;
    },
    whereKeys(keys) {
      if (bucketing.kind === 'range')
        return `${rangeKey} IN (${keys.map((k) => literal(k, INTEGER)).join(', ')})`;
      // By the key's own values where they read back (its index finds them), by its hash otherwise.
      const byValue: string[][] = [];
      const byHash: string[] = [];
      for (const k of keys) {
        const values = multiset ? undefined : dialect.keyLiterals(k, table.key);
        if (values) byValue.push(values);
        else byHash.push(k);
      }
      const columns = table.key.map((m) => dialect.column(m));
      const parts = [
        ...(byValue.length === 0
          ? []
          : columns.length === 1
            ? [`${columns[0]!} IN (${byValue.map((v) => v[0]!).join(', ')})`]
            : byValue.map((v) => `(${columns.map((c, i) => `${c} = ${v[i]!}`).join(' AND ')})`)),
        ...(byHash.length === 0
          ? []
          : [`${keyHash} IN (${byHash.map((k) => literal(md5Hex(k), HEX)).join(', ')})`]),
      ];
      return parts.length === 0 ? '1 = 0' : parts.join(' OR ');
    },
    async keysWhere(condition, keys) {
      const found = new Set<string>();
      for (const batch of batches(keys)) {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k FROM ${dialect.from}${where(condition, this.whereKeys(batch))}`,
        );
        for (const r of rows) found.add(String(r.k));
      }
      return found;
    },
    async values(keys) {
      const list = table.mappings.map((m, i) => `${dialect.columnText(m)} AS c${i}`).join(', ');
      const out = new Map<string, (string | null)[]>();
      for (const batch of batches(keys)) {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k, ${list} FROM ${dialect.from}${where(this.whereKeys(batch))}`,
        );
        for (const r of rows)
          out.set(
            String(r.k),
            table.mappings.map((_, i) => (r[`c${i}`] === null ? null : String(r[`c${i}`]))),
          );
      }
      return out;
    },
    async selectByKey(keys, select, binary) {
      const out = new Map<string, unknown[]>();
      for (const batch of batches(keys))
        for await (const row of selected([keyText], select, binary, this.whereKeys(batch)))
          out.set(String(row[0]), row.slice(1));
      return out;
    },
    async selectByHash(hashes, select, binary) {
      const out = new Map<string, { text: string; values: unknown[] }[]>();
      for (const batch of batches(hashes)) {
        const condition = `${rowHash} IN (${batch.map((h) => literal(h, HEX)).join(', ')})`;
        for await (const row of selected([rowHash, keyText], select, binary, condition)) {
          const hash = String(row[0]);
          out.set(hash, [...(out.get(hash) ?? []), { text: String(row[1]), values: row.slice(2) }]);
        }
      }
      return out;
    },
    async hashes(keys) {
      const out = new Map<string, string>();
      for (const batch of batches(keys)) {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k, ${rowHash} AS h FROM ${dialect.from}${where(this.whereKeys(batch))}`,
        );
        for (const r of rows) out.set(String(r.k), String(r.h));
      }
      return out;
    },
    async apartOf(keys) {
      const out = new Map<string, (string | null)[]>();
      if (table.apart.length === 0) return out;
      const cols = table.apart.map((m, i) => `${dialect.apartText(dialect.column(m), m)} AS a${i}`);
      for (const batch of batches(keys)) {
        const rows = await dialect.query(
          `SELECT ${keyText} AS k, ${cols.join(', ')} FROM ${dialect.from}${where(this.whereKeys(batch))}`,
        );
        for (const r of rows)
          out.set(
            String(r.k),
            table.apart.map((_, i) => (r[`a${i}`] === null ? null : String(r[`a${i}`] as string))),
          );
      }
      return out;
    },
    async *apart() {
      const order = bucketing.kind === 'range' ? rangeKey : dialect.bytewise(keyHash);
      const cols = table.apart.map((m) => dialect.apartText(dialect.column(m), m));
      const sql = `SELECT ${order} AS o, ${keyText} AS k, ${cols.join(', ')} FROM ${dialect.from}${where()} ORDER BY 1`;
      for await (const row of dialect.stream(sql)) {
        const o = bucketing.kind === 'range' ? BigInt(String(row[0])) : String(row[0]);
        yield [o, String(row[1]), row.slice(2).map((v) => (v === null ? null : String(v as string)))];
      }
    },
  };
}

/** Key (or row) text as the user reads it: the canonical values, comma-separated, NULL as NULL. */
export function displayKey(keyText: string): string {
  return keyText
    .split(SEP)
    .map((v) => (v === '\u001e' ? 'NULL' : v))
    .join(', ');
}
