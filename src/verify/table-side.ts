// The queries verify runs on each side of one stream: bucket checksums, row hashes of a bucket,
// canonical column values of some rows, and the JSON columns in key-hash order. Both sides compute
// the same canonical text, so equal rows give equal MD5 hashes.
import { quoteMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { readRows } from '../connectors/mysql/read-rows.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { qualifiedPg, quotePg } from '../connectors/postgres/connect.js';
import type { ColumnMapping } from '../replication/type-mapping.js';
import { mysqlColumnText, mysqlRowText, pgColumnText, pgRowText } from './canonical.js';

export interface Bucket {
  count: number;
  /** Sums of two 32-bit slices of the row hashes: equal multisets of rows give equal sums. */
  s1: string;
  s2: string;
}

export interface Side {
  /** Checksums of the buckets of `length` key-hash digits inside the given prefixes (all of one length; [] = whole table). */
  buckets(prefixes: string[], length: number): Promise<Map<string, Bucket>>;
  /** key text -> row hash, for the rows whose key hash starts with one of the prefixes (multiset: row hash -> count). */
  rows(prefixes: string[]): Promise<Map<string, string>>;
  /** key text -> canonical column values, for rows with these key hashes. */
  values(keyHashes: string[]): Promise<Map<string, (string | null)[]>>;
  /** (key hash, key text, JSON texts) in key-hash order. */
  json(): AsyncGenerator<[string, string, (string | null)[]]>;
}

export interface SideTable {
  mappings: ColumnMapping[];
  /** Key columns; empty for a key-less table (compared as a multiset of rows). */
  key: ColumnMapping[];
  json: ColumnMapping[];
}

const SEP = '\u001f';

function pickKey(table: SideTable): ColumnMapping[] {
  return table.key.length > 0 ? table.key : table.mappings;
}

export function mysqlSide(connection: MysqlConnection, schema: string, name: string, table: SideTable): Side {
  const from = `${quoteMysql(schema)}.${quoteMysql(name)}`;
  const keyText = mysqlRowText(pickKey(table));
  const rowText = mysqlRowText(table.mappings);
  const inner = `SELECT MD5(${rowText}) AS h, MD5(${keyText}) AS kh, ${keyText} AS k FROM ${from}`;
  const query = async (sql: string, params: unknown[] = []) =>
    (await connection.query(sql, params))[0] as Record<string, unknown>[];
  return {
    async buckets(prefixes, length) {
      const { where, params } = mysqlPrefixFilter(prefixes);
      const rows = await query(
        `SELECT SUBSTR(kh, 1, ${length}) AS b, COUNT(*) AS n,
                CAST(SUM(CAST(CONV(SUBSTR(h, 1, 8), 16, 10) AS UNSIGNED)) AS CHAR) AS s1,
                CAST(SUM(CAST(CONV(SUBSTR(h, 9, 8), 16, 10) AS UNSIGNED)) AS CHAR) AS s2
           FROM (${inner}) x ${where} GROUP BY b`,
        params,
      );
      return new Map(
        rows.map((r) => [
          String(r.b as string),
          { count: Number(r.n), s1: String(r.s1 as string), s2: String(r.s2 as string) },
        ]),
      );
    },
    async rows(prefixes) {
      const { where, params } = mysqlPrefixFilter(prefixes);
      const rows = await query(`SELECT k, h FROM (${inner}) x ${where}`, params);
      return collect(rows, table.key.length === 0);
    },
    async values(keyHashes) {
      if (keyHashes.length === 0) return new Map();
      const list = table.mappings.map((m, i) => `${mysqlColumnText(m)} AS c${i}`).join(', ');
      const rows = await query(
        `SELECT ${keyText} AS k, ${list} FROM ${from} WHERE MD5(${keyText}) IN (${keyHashes.map(() => '?').join(', ')})`,
        keyHashes,
      );
      return new Map(
        rows.map((r) => [
          String(r.k as string),
          table.mappings.map((_, i) => (r[`c${i}`] === null ? null : String(r[`c${i}`] as string))),
        ]),
      );
    },
    async *json() {
      const cols = table.json
        .map((m, i) => `CAST(${quoteMysql(m.column.name)} AS CHAR CHARACTER SET utf8mb4) AS c${i + 2}`)
        .join(', ');
      const sql = `SELECT MD5(${keyText}) AS c0, ${keyText} AS c1, ${cols} FROM ${from} ORDER BY c0`;
      for await (const row of readRows(connection, sql, [], new Set())) {
        yield [String(row[0]), String(row[1]), row.slice(2).map((v) => (v === null ? null : String(v)))];
      }
    },
  };
}

export function postgresSide(
  client: PgClient,
  schema: string,
  name: string,
  table: SideTable,
  softDeletes: boolean,
): Side {
  const from = qualifiedPg(schema, name);
  const live = softDeletes ? 'WHERE "_ferry_deleted_at" IS NULL' : '';
  const keyText = pgRowText(pickKey(table));
  const rowText = pgRowText(table.mappings);
  const inner = `SELECT md5(${rowText}) AS h, md5(${keyText}) AS kh, ${keyText} AS k FROM ${from} ${live}`;
  return {
    async buckets(prefixes, length) {
      const { rows } = await client.query<{ b: string; n: string; s1: string; s2: string }>(
        `SELECT substr(kh, 1, ${length}) AS b, count(*) AS n,
                sum(('x' || substr(h, 1, 8))::bit(32)::bigint)::text AS s1,
                sum(('x' || substr(h, 9, 8))::bit(32)::bigint)::text AS s2
           FROM (${inner}) x ${pgPrefixFilter(prefixes)} GROUP BY b`,
        prefixes.length > 0 ? [prefixes] : [],
      );
      return new Map(rows.map((r) => [r.b, { count: Number(r.n), s1: r.s1, s2: r.s2 }]));
    },
    async rows(prefixes) {
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT k, h FROM (${inner}) x ${pgPrefixFilter(prefixes)}`,
        prefixes.length > 0 ? [prefixes] : [],
      );
      return collect(rows, table.key.length === 0);
    },
    async values(keyHashes) {
      if (keyHashes.length === 0) return new Map();
      const list = table.mappings.map((m, i) => `${pgColumnText(m)} AS c${i}`).join(', ');
      const { rows } = await client.query(
        `SELECT ${keyText} AS k, ${list} FROM ${from} ${live ? live + ' AND' : 'WHERE'} md5(${keyText}) = ANY($1)`,
        [keyHashes],
      );
      return new Map(
        rows.map((r: Record<string, unknown>) => [
          String(r.k as string),
          table.mappings.map((_, i) => (r[`c${i}`] === null ? null : String(r[`c${i}`] as string))),
        ]),
      );
    },
    async *json() {
      const cols = table.json.map((m) => `t.${quotePg(m.column.name)}::text`).join(', ');
      const cursorName = `ferry_json_${Math.random().toString(36).slice(2, 8)}`;
      await client.query('BEGIN');
      try {
        await client.query(
          `DECLARE ${cursorName} NO SCROLL CURSOR FOR SELECT md5(${pgRowText(pickKey(table), 't')}) COLLATE "C" AS kh, ${pgRowText(pickKey(table), 't')} AS k, ${cols} FROM ${from} t ${live} ORDER BY kh`,
        );
        for (;;) {
          const { rows } = await client.query({ text: `FETCH 2000 FROM ${cursorName}`, rowMode: 'array' });
          if (rows.length === 0) break;
          for (const r of rows as unknown[][])
            yield [
              String(r[0]),
              String(r[1]),
              r.slice(2).map((v) => (v === null ? null : String(v as string))),
            ];
        }
      } finally {
        await client.query('COMMIT');
      }
    },
  };
}

function mysqlPrefixFilter(prefixes: string[]): { where: string; params: string[] } {
  if (prefixes.length === 0) return { where: '', params: [] };
  return {
    where: `WHERE SUBSTR(kh, 1, ${prefixes[0]!.length}) IN (${prefixes.map(() => '?').join(', ')})`,
    params: prefixes,
  };
}

function pgPrefixFilter(prefixes: string[]): string {
  return prefixes.length === 0 ? '' : `WHERE substr(kh, 1, ${prefixes[0]!.length}) = ANY($1)`;
}

function collect(rows: Record<string, unknown>[], multiset: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) {
    const k = String(r.k);
    const h = String(r.h);
    if (multiset) out.set(h, String(Number(out.get(h) ?? 0) + 1));
    else out.set(k, h);
  }
  return out;
}

/** Key text as the user reads it: the canonical values of the key columns, comma-separated. */
export function displayKey(keyText: string): string {
  return keyText.split(SEP).join(', ');
}
