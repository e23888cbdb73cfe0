// How each MySQL column is selected for a Spark copy into PostgreSQL, in two forms. Columns (the
// JDBC write): values travel as text whenever Spark's own JDBC type mapping could change them
// (decimals wider than 38 digits, unsigned bigints, zoned timestamps, TIME beyond 24 hours, SET,
// JSON, BIT): MySQL prints them, PostgreSQL parses them into the column type ferry's mapping chose;
// integers travel as 64-bit integers, binary data as bytes. COPY lines (the COPY write): MySQL
// prints each row as one line of PostgreSQL's COPY text, field for field what ferry's own encoders
// (encode-copy.ts) write, so Spark only moves strings. Data, not branches: one entry per encoder.
import type { ColumnMapping, EncoderKind } from './type-mapping.js';
import { quoteMysql } from './identifiers.js';

const asText = (expr: string) => `CAST(${expr} AS CHAR CHARACTER SET utf8mb4)`;

/** 'a,b' into a PostgreSQL array literal {"a","b"}; the empty set into {}. */
const setLiteral = (q: string) =>
  `CASE WHEN ${q} = '' THEN '{}' ELSE CONCAT('{"', REPLACE(REPLACE(REPLACE(${asText(q)}, '\\\\', '\\\\\\\\'), '"', '\\\\"'), ',', '","'), '"}') END`;

/** The expression ferry's own reader selects for the column (select-list.ts): the source form of its value. */
export const sourceExpression = (m: ColumnMapping, q = quoteMysql(m.column.name)) =>
  m.rule.select?.(q, m.column) ?? q;

const SELECT_BY_ENCODER: Readonly<Record<EncoderKind, (q: string, m: ColumnMapping) => string>> = {
  integer: (q) => `CAST(${q} AS SIGNED)`,
  // Only 0 and 1 become booleans; any other value reaches PostgreSQL as digits and is refused there.
  boolean: (q) => `CASE ${q} WHEN 0 THEN 'false' WHEN 1 THEN 'true' ELSE ${asText(q)} END`,
  numeric: (q) => asText(q),
  float: (q) => asText(q),
  bit: (q, m) => asText(sourceExpression(m, q)),
  date: (q) => asText(q),
  datetime: (q) => asText(q),
  timestamp: (q) => asText(q),
  time: (q) => asText(q),
  // As text: CHAR(n) and ENUM columns would otherwise reach Spark as CHAR(n), which Spark pads with spaces.
  text: (q) => asText(q),
  bytes: (q, m) => sourceExpression(m, q),
  set: (q) => setLiteral(q),
  json: (q, m) => m.rule.select?.(q, m.column) ?? asText(q),
  uuid: (q) => asText(q),
  inet: (q) => asText(q),
};

/** The expression that reads one column for a Spark JDBC write. */
export function sparkColumnSelect(m: ColumnMapping): string {
  return SELECT_BY_ENCODER[m.rule.encoder](quoteMysql(m.column.name), m);
}

/** The SELECT list that reads a table for Spark, each column under its target name. */
export function sparkSelectList(mappings: readonly ColumnMapping[]): string {
  return mappings.map((m) => `${sparkColumnSelect(m)} AS ${quoteMysql(m.targetName)}`).join(', ');
}

// COPY text's special characters, spelled in hex so that no sql_mode (NO_BACKSLASH_ESCAPES) changes them.
const utf8 = (hex: string) => `_utf8mb4 X'${hex}'`;
const BACKSLASH = '5C';
export const COPY_TAB = utf8('09');
export const COPY_NULL_FIELD = utf8('5C4E');
const ESCAPES: readonly (readonly [string, string])[] = [
  [BACKSLASH, '5C5C'],
  ['09', '5C74'],
  ['0A', '5C6E'],
  ['0D', '5C72'],
];

/** COPY text escaping of a text value: backslash, tab, newline and carriage return (escapeCopy). */
const escaped = (text: string) =>
  ESCAPES.reduce((e, [from, to]) => `REPLACE(${e}, ${utf8(from)}, ${utf8(to)})`, text);

/** A SET as encode-copy.ts writes it: {"a","b"}, each member's backslashes and quotes escaped. */
const setField = (q: string) =>
  `CASE WHEN ${q} = '' THEN '{}' ELSE CONCAT('{"', REPLACE(REPLACE(REPLACE(${asText(q)}, ${utf8(BACKSLASH)}, ${utf8('5C5C')}), '"', ${utf8('5C22')}), ',', '","'), '"}') END`;

/** Whether an ENUM's members can hold a character COPY text escapes; unknown text can. */
const mayNeedEscapes = (m: ColumnMapping) =>
  m.column.dataType !== 'enum' || (m.column.members ?? []).some((v) => /[\\\t\n\r]/.test(v));

/**
 * Each encoder's COPY field, as a MySQL expression over the column's source form; NULL for NULL.
 * Numbers, dates and times need no CAST: CONCAT_WS prints them as the server prints them to ferry
 * (in the connection's utf8mb4), and every function saved is saved once per row and column.
 */
const COPY_FIELD_BY_ENCODER: Readonly<
  Record<EncoderKind, (source: string, q: string, m: ColumnMapping) => string>
> = {
  integer: (s) => s,
  numeric: (s) => s,
  float: (s) => s,
  bit: (s) => s,
  // A value other than 0 and 1 has a value check of its own; it never reaches this field.
  boolean: (s) => `CASE ${s} WHEN 1 THEN 't' WHEN 0 THEN 'f' END`,
  date: (s) => s,
  datetime: (s) => s,
  timestamp: (s) => `CONCAT(${s}, '+00')`,
  time: (s) => s,
  // Text is converted to utf8mb4 explicitly: columns of other character sets and collations mix.
  text: (s, _q, m) => (mayNeedEscapes(m) ? escaped(asText(s)) : asText(s)),
  // \\x and the hex digits: COPY turns \\ into one backslash, and bytea reads \x... as hex.
  bytes: (s) => `CONCAT(${utf8('5C5C78')}, HEX(${s}))`,
  set: (_s, q) => escaped(setField(q)),
  json: (s) => escaped(asText(s)),
  // MariaDB's UUID and INET4/INET6 print hex digits, dashes, dots and colons only.
  uuid: (s) => asText(s),
  inet: (s) => asText(s),
};

/** The column's COPY text field: \N for NULL. */
export function copyField(m: ColumnMapping): string {
  const q = quoteMysql(m.column.name);
  return `IFNULL(${COPY_FIELD_BY_ENCODER[m.rule.encoder](sourceExpression(m, q), q, m)}, ${COPY_NULL_FIELD})`;
}

/** A text expression as a COPY field (escaped; \N for NULL). */
export function copyTextField(text: string): string {
  return `IFNULL(${escaped(text)}, ${COPY_NULL_FIELD})`;
}

/** One COPY text line (without its newline) of the given fields. */
export function copyLine(fields: readonly string[]): string {
  return `CONCAT_WS(${COPY_TAB}, ${fields.join(', ')})`;
}
