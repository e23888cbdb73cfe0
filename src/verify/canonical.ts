// The canonical text of a value, computed inside each database, so that equal values hash equally
// on both sides. One entry per encoder kind of the type mapping; docs/verify.md explains each rule.
import type { ColumnMapping, EncoderKind } from '../schema/type-mapping.js';
import { quoteMysql, quotePg } from '../schema/identifiers.js';

type Canon = (quoted: string, m: ColumnMapping) => string;

const zeroDate = (q: string) => `(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAY(${q}) = 0)`;

/**
 * MySQL side. Zero dates canonicalise to NULL: sync stores them as NULL (policy zero_dates: null).
 * Numbers go through `+ 0`, which drops ZEROFILL's padding (00042, 0001.50) and keeps the scale.
 */
export const MYSQL_CANON: Record<EncoderKind, Canon> = {
  integer: (q) => `CAST(${q} + 0 AS CHAR)`,
  numeric: (q) => `CAST(${q} + 0 AS CHAR)`,
  // Floats print differently in each database (1e-05 / 0.00001); they are compared apart, as numbers.
  float: (q) => `IF(${q} IS NULL, NULL, 'float')`,
  boolean: (q) => `CASE ${q} WHEN 1 THEN 't' WHEN 0 THEN 'f' ELSE CAST(${q} AS CHAR) END`,
  bit: (q, m) => `LPAD(BIN(${q}), ${m.column.precision ?? 1}, '0')`,
  // Dates and times as the digits `col + 0` gives (YYYYMMDD[hhmmss][.f…], the column's fractional
  // digits): half the cost of DATE_FORMAT, which made datetime columns the most expensive to verify.
  date: (q) => `IF(${zeroDate(q)}, NULL, CAST(${q} + 0 AS CHAR))`,
  datetime: (q) => `IF(${zeroDate(q)}, NULL, CAST(${q} + 0 AS CHAR))`,
  timestamp: (q) => `IF(${zeroDate(q)}, NULL, CAST(${q} + 0 AS CHAR))`,
  time: (q) => `CAST(CAST(TIME_TO_SEC(${q}) * 1000000 AS DECIMAL(30,0)) AS CHAR)`,
  text: (q) => `CONVERT(${q} USING utf8mb4)`,
  bytes: (q, m) => `LOWER(HEX(${m.rule.select ? m.rule.select(q, m.column) : q}))`,
  set: (q) => `CAST(${q} AS CHAR)`,
  // JSON prints differently in each database; it is compared apart (compare-stream.ts).
  json: (q) => `IF(${q} IS NULL, NULL, 'json')`,
  uuid: (q) => `CAST(${q} AS CHAR)`,
  inet: (q) => `CAST(${q} AS CHAR)`,
};

/**
 * A key column's zero dates are not NULL: such rows are never loaded (a key is never set to NULL),
 * and their keys must stay apart. They canonicalise to MySQL's digits, as any other date.
 */
const MYSQL_KEY_CANON: Partial<Record<EncoderKind, Canon>> = {
  date: (q) => `CAST(${q} + 0 AS CHAR)`,
  datetime: (q) => `CAST(${q} + 0 AS CHAR)`,
  timestamp: (q) => `CAST(${q} + 0 AS CHAR)`,
};

function pgDateTimeDigits(q: string, fsp: number): string {
  const whole = `ltrim(to_char(${q}, 'YYYYMMDDHH24MISS'), '0')`;
  return fsp > 0 ? `${whole} || '.' || substr(to_char(${q}, 'US'), 1, ${fsp})` : whole;
}

export const PG_CANON: Record<EncoderKind, Canon> = {
  integer: (q) => `${q}::text`,
  numeric: (q) => `${q}::text`,
  float: (q) => `CASE WHEN ${q} IS NULL THEN NULL ELSE 'float' END`,
  boolean: (q) => `CASE WHEN ${q} THEN 't' WHEN NOT ${q} THEN 'f' END`,
  bit: (q) => `${q}::text`,
  // The same digits as MySQL's `col + 0`: no leading zeros, the column's fractional digits.
  date: (q) => `ltrim(to_char(${q}, 'YYYYMMDD'), '0')`,
  datetime: (q, m) => pgDateTimeDigits(q, m.column.fsp ?? 0),
  timestamp: (q, m) => pgDateTimeDigits(`(${q} AT TIME ZONE 'UTC')`, m.column.fsp ?? 0),
  time: (q) => `(extract(epoch FROM ${q}) * 1000000)::numeric(30,0)::text`,
  text: (q) => q,
  bytes: (q) => `encode(${q}, 'hex')`,
  set: (q) => `array_to_string(${q}, ',')`,
  json: (q) => `CASE WHEN ${q} IS NULL THEN NULL ELSE 'json' END`,
  uuid: (q) => `${q}::text`,
  // host(): the address as MariaDB prints it; inet's ::text would add the netmask (/32, /128).
  inet: (q) => `host(${q})`,
};

const SEP_MY = 'CHAR(31 USING utf8mb4)';
const NULL_MY = 'CHAR(30 USING utf8mb4)';

const PLAIN_NUMBERS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal']);

/**
 * Inside the row text, CONCAT_WS prints an integer or a decimal as `CAST(col + 0 AS CHAR)` does, unless
 * ZEROFILL pads it (YEAR, whose 0000 is 0, is not among them): the column goes in bare, a third of
 * the MySQL side's text cost on a table of numbers (decision 0016). A NOT NULL one needs no COALESCE.
 */
function mysqlRowPart(m: ColumnMapping): string {
  const q = quoteMysql(m.column.name);
  const bare =
    (m.rule.encoder === 'integer' || m.rule.encoder === 'numeric') &&
    PLAIN_NUMBERS.has(m.column.dataType) &&
    !m.column.columnType.includes('zerofill');
  if (bare) return m.column.nullable ? `COALESCE(${q}, ${NULL_MY})` : q;
  return `COALESCE(${MYSQL_CANON[m.rule.encoder](q, m)}, ${NULL_MY})`;
}

export function mysqlRowText(mappings: readonly ColumnMapping[]): string {
  return `CONCAT_WS(${SEP_MY}, ${mappings.map(mysqlRowPart).join(', ')})`;
}

/** The key's text on the MySQL side: like the row text, but zero dates keep their digits. */
export function mysqlKeyText(key: readonly ColumnMapping[]): string {
  const parts = key.map((m) => {
    const canon = MYSQL_KEY_CANON[m.rule.encoder] ?? MYSQL_CANON[m.rule.encoder];
    return `COALESCE(${canon(quoteMysql(m.column.name), m)}, ${NULL_MY})`;
  });
  return `CONCAT_WS(${SEP_MY}, ${parts.join(', ')})`;
}

export function pgRowText(mappings: readonly ColumnMapping[], alias = ''): string {
  const prefix = alias ? `${alias}.` : '';
  const parts = mappings.map(
    (m) => `COALESCE(${PG_CANON[m.rule.encoder](prefix + quotePg(m.targetName), m)}, chr(30))`,
  );
  return `concat_ws(chr(31), ${parts.join(', ')})`;
}

export function mysqlColumnText(m: ColumnMapping): string {
  return MYSQL_CANON[m.rule.encoder](quoteMysql(m.column.name), m);
}

export function pgColumnText(m: ColumnMapping): string {
  return PG_CANON[m.rule.encoder](quotePg(m.targetName), m);
}

/** Encoders whose values are compared in ferry (see compareApart), not inside the row hash. */
export const COMPARED_APART: ReadonlySet<EncoderKind> = new Set<EncoderKind>(['json', 'float']);

/** The text each database sends for a column compared apart: JSON as text, floats widened to double. */
export const MYSQL_APART_TEXT = (q: string, m: ColumnMapping): string =>
  m.rule.encoder === 'float'
    ? `CAST(CAST(${q} AS DOUBLE) AS CHAR)`
    : `CAST(${q} AS CHAR CHARACTER SET utf8mb4)`;

export const PG_APART_TEXT = (q: string, m: ColumnMapping): string =>
  m.rule.encoder === 'float' ? `(${q})::float8::text` : `(${q})::text`;
