// The Spark type of every source column, whichever way Spark reads it: the replicated table in
// PostgreSQL over pgjdbc, or the MySQL table directly. One table keyed by the PostgreSQL type ferry's
// mapping gives the column, so a model sees the same columns with the same types on both paths.
// Where Spark has no exact type (decimals wider than 38 digits, TIME), the column is the exact text.
import type { ColumnMapping, EncoderKind } from '../../../schema/type-mapping.js';
import { quoteMysql } from '../../../schema/identifiers.js';

interface SparkTypeRule {
  pg: RegExp;
  spark: (match: RegExpExecArray) => string;
}

/** First match wins; the PostgreSQL type as format_type() and ferry's type mapping spell it. */
const SPARK_TYPES: readonly SparkTypeRule[] = [
  { pg: /^boolean$/, spark: () => 'BOOLEAN' },
  { pg: /^smallint$/, spark: () => 'SMALLINT' },
  { pg: /^integer$/, spark: () => 'INT' },
  { pg: /^bigint$/, spark: () => 'BIGINT' },
  // Spark's decimals hold 38 digits; pgjdbc's reader would cap a wider numeric at (38, x) and round it.
  {
    pg: /^numeric\((\d+),(\d+)\)$/,
    spark: (m) => (Number(m[1]) <= 38 ? `DECIMAL(${m[1]},${m[2]})` : 'STRING'),
  },
  { pg: /^real$/, spark: () => 'FLOAT' },
  { pg: /^double precision$/, spark: () => 'DOUBLE' },
  // bit(1) is a boolean to pgjdbc; wider bit strings would arrive as the bytes of their digits.
  { pg: /^bit\((\d+)\)$/, spark: (m) => (m[1] === '1' ? 'BOOLEAN' : 'STRING') },
  { pg: /^date$/, spark: () => 'DATE' },
  { pg: /^timestamp(\(\d\))? without time zone$/, spark: () => 'TIMESTAMP_NTZ' },
  { pg: /^timestamp(\(\d\))? with time zone$/, spark: () => 'TIMESTAMP' },
  // Spark's own intervals cannot be written over JDBC: TIME is PostgreSQL's interval text, [-]h:mm:ss[.f].
  { pg: /^interval(\(\d\))?$/, spark: () => 'STRING' },
  { pg: /^(character varying(\(\d+\))?|text|jsonb)$/, spark: () => 'STRING' },
  // MariaDB's UUID and INET4/INET6: their text, as pgjdbc and MySQL both print it.
  { pg: /^(uuid|inet)$/, spark: () => 'STRING' },
  { pg: /^bytea$/, spark: () => 'BINARY' },
  { pg: /^text\[\]$/, spark: () => 'ARRAY<STRING>' },
];

/** The Spark SQL type of a replicated column of this PostgreSQL type, or undefined for types ferry's mapping never makes. */
export function sparkTypeOf(pgType: string): string | undefined {
  for (const rule of SPARK_TYPES) {
    const match = rule.pg.exec(pgType);
    if (match) return rule.spark(match);
  }
  return undefined;
}

/**
 * The JDBC customSchema of a PostgreSQL read: only the columns whose Spark type differs from what
 * Spark's PostgreSQL dialect picks (wide numerics and bit strings, read as their text).
 */
export function postgresCustomSchema(columns: readonly { name: string; pgType: string }[]): string {
  return columns
    .filter((c) => /^(numeric|bit)\(/.test(c.pgType) && sparkTypeOf(c.pgType) === 'STRING')
    .map((c) => `${quoteMysql(c.name)} STRING`)
    .join(', ');
}

const asText = (expr: string) => `CAST(${expr} AS CHAR CHARACTER SET utf8mb4)`;

export interface MysqlColumnRead {
  name: string;
  /** The Spark type the models see (the same as reading the replicated table). */
  type: string;
  /**
   * What the JDBC query selects: a signed 64-bit integer, text or bytes, so Spark's MySQL type
   * mapping (which pads CHAR, caps decimals, reads TIME as a timestamp) never picks a type.
   */
  select: string;
  /** Spark SQL turning the fetched column (quoted) into `type`. */
  toSpark: (fetched: string) => string;
}

type Fetch = 'integer' | 'text' | 'bytes';

interface MysqlReadRule {
  fetch: Fetch | ((m: ColumnMapping) => Fetch);
  /** The MySQL value before it is fetched; the type-mapping rule's select by default. */
  select?: (q: string, m: ColumnMapping) => string;
  /** From the fetched value to the Spark type; CAST(fetched AS type) by default. */
  toSpark?: (fetched: string, type: string) => string;
}

const isBit1 = (m: ColumnMapping) => (m.column.precision ?? 1) === 1;

/** PostgreSQL prints an interval's fraction without trailing zeros: 00:00:01.500000 is 00:00:01.5. */
const intervalText = (q: string, m: ColumnMapping) =>
  (m.column.fsp ?? 0) > 0 ? `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${asText(q)}))` : q;

const MYSQL_READS: Readonly<Record<EncoderKind, MysqlReadRule>> = {
  integer: { fetch: 'integer' },
  boolean: { fetch: 'integer' },
  numeric: { fetch: 'text' },
  // FLOAT through the mapping's DOUBLE widening: the exact stored value, which Spark's FLOAT reads back.
  float: { fetch: 'text' },
  // BIT(1) as its number (a boolean to Spark), wider ones as the mapping's string of 0s and 1s.
  bit: {
    fetch: (m) => (isBit1(m) ? 'integer' : 'text'),
    select: (q, m) => (isBit1(m) ? q : (m.rule.select?.(q, m.column) ?? q)),
  },
  date: { fetch: 'text' },
  datetime: { fetch: 'text' },
  // The session runs in UTC (+00:00), so the text is a UTC wall-clock time: say so to Spark.
  timestamp: { fetch: 'text', toSpark: (f, type) => `CAST(CONCAT(${f}, 'Z') AS ${type})` },
  time: { fetch: 'text', select: intervalText },
  text: { fetch: 'text' },
  bytes: { fetch: 'bytes' },
  // SET members never contain commas; the empty set is the empty array, as PostgreSQL's {} reads.
  set: {
    fetch: 'text',
    toSpark: (f, type) => `CASE WHEN ${f} = '' THEN CAST(array() AS ${type}) ELSE split(${f}, ',') END`,
  },
  json: { fetch: 'text' },
  uuid: { fetch: 'text' },
  inet: { fetch: 'text' },
};

const FETCH: Readonly<Record<Fetch, (expr: string) => string>> = {
  integer: (e) => `CAST(${e} AS SIGNED)`,
  text: asText,
  bytes: (e) => e,
};

/** How a MySQL column is read for Spark: the selected expression, and the cast to the replicated type. */
export function mysqlColumnRead(m: ColumnMapping): MysqlColumnRead {
  const type = sparkTypeOf(m.pgType);
  if (type === undefined) throw new TypeError(`no Spark type for PostgreSQL type ${m.pgType}`);
  const rule = MYSQL_READS[m.rule.encoder];
  const q = quoteMysql(m.column.name);
  const value = rule.select ? rule.select(q, m) : (m.rule.select?.(q, m.column) ?? q);
  const fetch = typeof rule.fetch === 'function' ? rule.fetch(m) : rule.fetch;
  return {
    name: m.column.name,
    type,
    select: FETCH[fetch](value),
    toSpark: (f) => (rule.toSpark ? rule.toSpark(f, type) : `CAST(${f} AS ${type})`),
  };
}
