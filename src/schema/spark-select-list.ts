// How each MySQL column is selected for a Spark JDBC copy into PostgreSQL. Values travel as text
// whenever Spark's own JDBC type mapping could change them (decimals wider than 38 digits, unsigned
// bigints, zoned timestamps, TIME beyond 24 hours, SET, JSON, BIT): MySQL prints them, PostgreSQL
// parses them into the column type ferry's mapping chose. Integers travel as 64-bit integers,
// binary data as bytes. Data, not branches: one entry per encoder of the type mapping.
import type { ColumnMapping, EncoderKind } from './type-mapping.js';
import { quoteMysql } from './identifiers.js';

const asText = (expr: string) => `CAST(${expr} AS CHAR CHARACTER SET utf8mb4)`;

/** 'a,b' into a PostgreSQL array literal {"a","b"}; the empty set into {}. */
const setLiteral = (q: string) =>
  `CASE WHEN ${q} = '' THEN '{}' ELSE CONCAT('{"', REPLACE(REPLACE(REPLACE(${asText(q)}, '\\\\', '\\\\\\\\'), '"', '\\\\"'), ',', '","'), '"}') END`;

const SELECT_BY_ENCODER: Readonly<Record<EncoderKind, (q: string, m: ColumnMapping) => string>> = {
  integer: (q) => `CAST(${q} AS SIGNED)`,
  // Only 0 and 1 become booleans; any other value reaches PostgreSQL as digits and is refused there.
  boolean: (q) => `CASE ${q} WHEN 0 THEN 'false' WHEN 1 THEN 'true' ELSE ${asText(q)} END`,
  numeric: (q) => asText(q),
  float: (q) => asText(q),
  bit: (q, m) => asText(m.rule.select?.(q, m.column) ?? q),
  date: (q) => asText(q),
  datetime: (q) => asText(q),
  timestamp: (q) => asText(q),
  time: (q) => asText(q),
  // As text: CHAR(n) and ENUM columns would otherwise reach Spark as CHAR(n), which Spark pads with spaces.
  text: (q) => asText(q),
  bytes: (q, m) => m.rule.select?.(q, m.column) ?? q,
  set: (q) => setLiteral(q),
  json: (q, m) => m.rule.select?.(q, m.column) ?? asText(q),
  uuid: (q) => asText(q),
  inet: (q) => asText(q),
};

/** The SELECT list that reads a table for Spark, each column under its target name. */
export function sparkSelectList(mappings: readonly ColumnMapping[]): string {
  return mappings
    .map((m) => {
      const q = quoteMysql(m.column.name);
      return `${SELECT_BY_ENCODER[m.rule.encoder](q, m)} AS ${quoteMysql(m.targetName)}`;
    })
    .join(', ');
}
