// What differs between MySQL and PostgreSQL in verify's queries: the canonical text, hashing, integer
// division, how a query runs and streams. The queries themselves are written once, in table-side.ts.
import { type MysqlConnection } from '../connectors/mysql/connect.js';
import { readRows } from '../connectors/mysql/read-rows.js';
import { type PgClient } from '../connectors/postgres/connect.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import {
  MYSQL_APART_TEXT,
  mysqlColumnText,
  mysqlKeyText,
  mysqlRowText,
  PG_APART_TEXT,
  pgColumnText,
  pgRowText,
} from './canonical.js';
import { DELETED_AT, qualifiedPg, quoteMysql, quotePg } from '../schema/identifiers.js';
import { keyLiterals, MYSQL_KEY_LITERAL, PG_KEY_LITERAL } from './key-literals.js';

export interface VerifyDialect {
  /** The table, quoted and qualified. */
  from: string;
  /** A condition every row must meet (soft-deleted rows are not compared), or ''. */
  live: string;
  /** A column of this side, quoted: its source name in MySQL, its target name in PostgreSQL. */
  column(m: ColumnMapping): string;
  rowText(mappings: readonly ColumnMapping[]): string;
  /** The key's text: the row text of the key columns, except that MySQL's zero dates keep their digits. */
  keyText(key: readonly ColumnMapping[]): string;
  columnText(m: ColumnMapping): string;
  /** Literals for the values of a key text, in key order (key-literals.ts), or undefined. */
  keyLiterals(keyText: string, key: readonly ColumnMapping[]): string[] | undefined;
  /** The text of a column compared apart (JSON, floats), given its quoted name. */
  apartText(quoted: string, m: ColumnMapping): string;
  md5(text: string): string;
  substr(text: string, length: number): string;
  asText(expr: string): string;
  /** The expression, ordered byte by byte (the same order on both sides). */
  bytewise(text: string): string;
  /** Aggregate: the sum of the first 64 bits of each MD5 (hex) modulo 2^64, as decimal text. */
  hashSum(md5Hex: string): string;
  /** Integer division (key - lo) / width for a key column, exact for any integer type. */
  bucketOf(quotedKey: string, lo: bigint, width: bigint, m: ColumnMapping): string;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Streams the rows of a query as arrays, with backpressure; ending the loop early stops it. Columns c<i> in `binary` arrive as bytes (MySQL). */
  stream(sql: string, binary?: ReadonlySet<number>): AsyncGenerator<unknown[]>;
}

const TWO_64 = '18446744073709551616';

/** `filter`: the stream's where: (only the rows meeting it are the stream's). */
export function mysqlChecksums(
  connection: MysqlConnection,
  schema: string,
  table: string,
  filter?: string,
): VerifyDialect {
  return {
    from: `${quoteMysql(schema)}.${quoteMysql(table)}`,
    live: filter ?? '',
    column: (m) => quoteMysql(m.column.name),
    rowText: mysqlRowText,
    keyText: mysqlKeyText,
    columnText: mysqlColumnText,
    keyLiterals: (text, key) => keyLiterals(text, key, MYSQL_KEY_LITERAL),
    apartText: MYSQL_APART_TEXT,
    md5: (text) => `MD5(${text})`,
    substr: (text, length) => `SUBSTR(${text}, 1, ${length})`,
    asText: (expr) => `CAST(${expr} AS CHAR CHARACTER SET utf8mb4)`,
    bytewise: (text) => `CAST(${text} AS BINARY)`,
    hashSum: (h) => `CAST(SUM(CAST(CONV(SUBSTR(${h}, 1, 16), 16, 10) AS UNSIGNED)) MOD ${TWO_64} AS CHAR)`,
    // DIV on the key's own integer type: exact, and the BETWEEN filters around it use the primary key.
    bucketOf: (key, lo, width) => `(${key} - (${lo})) DIV ${width}`,
    async query(sql) {
      const [rows] = await connection.query(sql);
      return rows as Record<string, unknown>[];
    },
    async *stream(sql, binary) {
      yield* readRows(connection, sql, [], binary ?? new Set());
    },
  };
}

/**
 * `inTransaction`: the client is inside a transaction of the caller's (one snapshot of the target for
 * the whole comparison), which streaming must neither begin nor end.
 */
export function postgresChecksums(
  client: PgClient,
  schema: string,
  table: string,
  softDeletes: boolean,
  options: { inTransaction?: boolean } = {},
): VerifyDialect {
  return {
    from: qualifiedPg(schema, table),
    live: softDeletes ? `${quotePg(DELETED_AT)} IS NULL` : '',
    column: (m) => quotePg(m.targetName),
    rowText: (mappings) => pgRowText(mappings),
    keyText: (key) => pgRowText(key),
    columnText: pgColumnText,
    keyLiterals: (text, key) => keyLiterals(text, key, PG_KEY_LITERAL),
    apartText: PG_APART_TEXT,
    md5: (text) => `md5(${text})`,
    substr: (text, length) => `substr(${text}, 1, ${length})`,
    asText: (expr) => `(${expr})::text`,
    bytewise: (text) => `(${text}) COLLATE "C"`,
    // The 64 bits read as a signed bigint; modulo 2^64 the sum equals MySQL's unsigned one.
    hashSum: (h) =>
      `((sum(('x' || substr(${h}, 1, 16))::bit(64)::bigint) % ${TWO_64} + ${TWO_64}) % ${TWO_64})::text`,
    bucketOf: (key, lo, width, m) =>
      /^(smallint|integer|bigint)$/.test(m.pgType) && lo >= -(2n ** 62n)
        ? `((${key})::bigint - (${lo})) / ${width}`
        : `div(${key} - (${lo}), ${width})`,
    async query(sql) {
      return (await client.query<Record<string, unknown>>(sql)).rows;
    },
    async *stream(sql) {
      const cursor = `ferry_verify_${Math.random().toString(36).slice(2, 10)}`;
      if (!options.inTransaction) await client.query('BEGIN');
      try {
        await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
        for (;;) {
          const { rows } = await client.query<unknown[]>({
            text: `FETCH 2000 FROM ${cursor}`,
            rowMode: 'array',
          });
          if (rows.length === 0) break;
          yield* rows;
        }
      } finally {
        await client.query(options.inTransaction ? `CLOSE ${cursor}` : 'COMMIT');
      }
    },
  };
}
