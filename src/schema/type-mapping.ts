// The MySQL -> PostgreSQL type mapping: one declarative table, first matching row wins.
// Each row says which PostgreSQL type a column gets, how ferry selects it from MySQL, and which
// encoder turns the selected value into COPY text. docs/type-mapping.md documents the same table.
import type { SourceColumn } from './source-table.js';
import { SchemaError } from '../errors.js';
import { identifier } from './identifiers.js';

/** How a value read from MySQL becomes a COPY field; see encode-copy.ts. */
export type EncoderKind =
  | 'integer' // text digits, checked against the target range
  | 'numeric' // decimal text as printed by MySQL
  | 'float' // MySQL's shortest text form
  | 'boolean' // TINYINT(1): 0/1 only
  | 'bit' // BIT(n) selected as a string of 0s and 1s
  | 'date' // YYYY-MM-DD; zero and impossible dates go through the zero_dates policy
  | 'datetime' // YYYY-MM-DD hh:mm:ss[.ffffff], no zone
  | 'timestamp' // same, in UTC (the session time zone is +00:00)
  | 'time' // [-]hhh:mm:ss[.ffffff] into interval
  | 'text' // character data; NUL bytes go through the invalid_values policy
  | 'bytes' // binary data into bytea
  | 'set' // 'a,b' into text[]
  | 'json' // JSON text into jsonb
  | 'uuid' // MariaDB's UUID text (8-4-4-4-12 hex digits) into uuid
  | 'inet'; // MariaDB's INET4 / INET6 text into inet

export interface TypeRule {
  /** MySQL type as written in docs: "int unsigned", "tinyint(1)". */
  mysql: string;
  matches(column: SourceColumn): boolean;
  pgType(column: SourceColumn): string;
  encoder: EncoderKind;
  /** The SELECT expression for the column, given its quoted name; default: the column itself. */
  select?: (quoted: string, column: SourceColumn) => string;
  /** Smallest and largest value for integer encoders (as bigint). */
  range?: readonly [bigint, bigint];
  note: string;
}

const is =
  (...types: string[]) =>
  (c: SourceColumn) =>
    types.includes(c.dataType);

/** MySQL's spatial types (SHOW COLUMNS names), which reach PostgreSQL as their bytes (EWKB). */
export const GEOMETRY_TYPES = [
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
] as const;

const signed =
  (...types: string[]) =>
  (c: SourceColumn) =>
    types.includes(c.dataType) && !c.unsigned;
const unsigned =
  (...types: string[]) =>
  (c: SourceColumn) =>
    types.includes(c.dataType) && c.unsigned;
const fixed = (type: string) => () => type;
const fspOf = (c: SourceColumn) => Math.min(Math.max(c.fsp ?? 0, 0), 6);

/**
 * A geometry as EWKB, PostGIS's extended WKB: MySQL's WKB is little endian (byte order 01), so the
 * type's high byte (the fifth) gets the SRID flag 0x20 and the SRID follows the type as 4 bytes,
 * little endian. SRID 0 (none) stays plain WKB, as PostGIS writes it.
 */
function ewkb(q: string): string {
  const wkb = `ST_AsBinary(${q})`;
  const srid = `REVERSE(UNHEX(LPAD(HEX(ST_SRID(${q})), 8, '0')))`;
  return `IF(ST_SRID(${q}) = 0, ${wkb}, CONCAT(SUBSTR(${wkb}, 1, 4), CHAR(ASCII(SUBSTR(${wkb}, 5, 1)) | 32), ${srid}, SUBSTR(${wkb}, 6)))`;
}

const SMALLINT = [-32768n, 32767n] as const;
const INTEGER = [-2147483648n, 2147483647n] as const;
const BIGINT = [-9223372036854775808n, 9223372036854775807n] as const;

export const TYPE_MAPPING: readonly TypeRule[] = [
  {
    mysql: 'tinyint(1)',
    matches: (c) => c.dataType === 'tinyint' && /^tinyint\(1\)(?! unsigned)/.test(c.columnType),
    pgType: fixed('boolean'),
    encoder: 'boolean',
    note: 'MySQL BOOLEAN; values other than 0 and 1 go through the invalid_values policy',
  },
  {
    mysql: 'tinyint',
    matches: signed('tinyint'),
    pgType: fixed('smallint'),
    encoder: 'integer',
    range: SMALLINT,
    note: '-128..127',
  },
  {
    mysql: 'tinyint unsigned',
    matches: unsigned('tinyint'),
    pgType: fixed('smallint'),
    encoder: 'integer',
    range: SMALLINT,
    note: '0..255',
  },
  {
    mysql: 'smallint',
    matches: signed('smallint'),
    pgType: fixed('smallint'),
    encoder: 'integer',
    range: SMALLINT,
    note: '',
  },
  {
    mysql: 'smallint unsigned',
    matches: unsigned('smallint'),
    pgType: fixed('integer'),
    encoder: 'integer',
    range: INTEGER,
    note: '0..65535 needs integer',
  },
  {
    mysql: 'mediumint',
    matches: signed('mediumint'),
    pgType: fixed('integer'),
    encoder: 'integer',
    range: INTEGER,
    note: '',
  },
  {
    mysql: 'mediumint unsigned',
    matches: unsigned('mediumint'),
    pgType: fixed('integer'),
    encoder: 'integer',
    range: INTEGER,
    note: '',
  },
  {
    mysql: 'int',
    matches: signed('int'),
    pgType: fixed('integer'),
    encoder: 'integer',
    range: INTEGER,
    note: '',
  },
  {
    mysql: 'int unsigned',
    matches: unsigned('int'),
    pgType: fixed('bigint'),
    encoder: 'integer',
    range: BIGINT,
    note: '0..4294967295 needs bigint',
  },
  {
    mysql: 'bigint',
    matches: signed('bigint'),
    pgType: fixed('bigint'),
    encoder: 'integer',
    range: BIGINT,
    note: '',
  },
  {
    mysql: 'bigint unsigned',
    matches: unsigned('bigint'),
    pgType: fixed('numeric(20,0)'),
    encoder: 'numeric',
    note: '0..18446744073709551615 does not fit bigint',
  },
  {
    mysql: 'decimal(p,s)',
    matches: is('decimal'),
    pgType: (c) => `numeric(${c.precision ?? 10},${c.scale ?? 0})`,
    encoder: 'numeric',
    note: 'exact, up to (65,30); UNSIGNED only forbids negatives',
  },
  {
    mysql: 'float',
    matches: is('float'),
    pgType: fixed('real'),
    encoder: 'float',
    // MySQL prints FLOAT with 6 significant digits (123456.789 as 123457); widened to DOUBLE it prints
    // the exact stored value, which PostgreSQL's real reads back as the same single-precision number.
    select: (q) => `CAST(${q} AS DOUBLE)`,
    note: 'single precision; read widened to DOUBLE, so the exact stored value arrives',
  },
  {
    mysql: 'double',
    matches: is('double'),
    pgType: fixed('double precision'),
    encoder: 'float',
    // DOUBLE(M,D) prints D decimals; the cast prints the stored double itself, as the binlog has it
    select: (q) => `CAST(${q} AS DOUBLE)`,
    note: 'REAL and DOUBLE PRECISION are synonyms in MySQL',
  },
  {
    mysql: 'bit(n)',
    matches: is('bit'),
    pgType: (c) => `bit(${c.precision ?? 1})`,
    encoder: 'bit',
    select: (q, c) => `LPAD(BIN(${q}), ${c.precision ?? 1}, '0')`,
    note: 'read as a string of 0s and 1s',
  },
  {
    mysql: 'date',
    matches: is('date'),
    pgType: fixed('date'),
    encoder: 'date',
    note: 'zero dates (0000-00-00, 2024-00-10) follow sync.zero_dates',
  },
  {
    mysql: 'datetime(fsp)',
    matches: is('datetime'),
    pgType: (c) => `timestamp(${fspOf(c)}) without time zone`,
    encoder: 'datetime',
    note: 'wall-clock time, no zone, fractional digits kept',
  },
  {
    mysql: 'timestamp(fsp)',
    matches: is('timestamp'),
    pgType: (c) => `timestamp(${fspOf(c)}) with time zone`,
    encoder: 'timestamp',
    note: 'read with time_zone +00:00, stored as timestamptz',
  },
  {
    mysql: 'time(fsp)',
    matches: is('time'),
    pgType: (c) => `interval(${fspOf(c)})`,
    encoder: 'time',
    note: 'interval, since TIME spans -838:59:59..838:59:59',
  },
  {
    mysql: 'year',
    matches: is('year'),
    pgType: fixed('smallint'),
    encoder: 'integer',
    range: SMALLINT,
    note: 'YEAR 0000 becomes 0',
  },
  {
    mysql: 'char(n), varchar(n)',
    matches: is('char', 'varchar'),
    pgType: (c) => `character varying(${Math.max(c.maxLength ?? 1, 1)})`,
    encoder: 'text',
    note: 'any character set, converted to UTF-8 by the server; lengths in characters on both sides',
  },
  {
    mysql: 'tinytext, text, mediumtext, longtext',
    matches: is('tinytext', 'text', 'mediumtext', 'longtext'),
    pgType: fixed('text'),
    encoder: 'text',
    note: 'NUL bytes follow sync.invalid_values',
  },
  {
    mysql: 'binary, varbinary, *blob',
    matches: is('binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'),
    pgType: fixed('bytea'),
    encoder: 'bytes',
    note: 'BINARY(n) keeps its trailing 0x00 padding',
  },
  {
    mysql: 'enum',
    matches: is('enum'),
    pgType: fixed('text'),
    encoder: 'text',
    note: "the member's text; the invalid-value member '' stays ''",
  },
  {
    mysql: 'set',
    matches: is('set'),
    pgType: fixed('text[]'),
    encoder: 'set',
    note: 'members in definition order; the empty set is {}',
  },
  {
    mysql: 'json',
    matches: (c) => c.dataType === 'json' || (c.dataType === 'longtext' && /json_valid/i.test(c.extra)),
    pgType: fixed('jsonb'),
    encoder: 'json',
    select: (q) => `CAST(${q} AS CHAR CHARACTER SET utf8mb4)`,
    note: 'jsonb normalises key order and white space',
  },
  {
    mysql: 'uuid',
    matches: is('uuid'),
    pgType: fixed('uuid'),
    encoder: 'uuid',
    note: "MariaDB 10.7+; the same lower-case text on both sides (a key too: it sorts by PostgreSQL's byte order)",
  },
  {
    mysql: 'inet4, inet6',
    matches: is('inet4', 'inet6'),
    pgType: fixed('inet'),
    encoder: 'inet',
    note: "MariaDB 10.10+ / 10.5+; PostgreSQL's host(col) prints what MariaDB prints (::ffff:1.2.3.4, 2001:db8::1)",
  },
  {
    mysql: 'geometry, point, linestring, polygon, multi*, geometrycollection',
    matches: is(...GEOMETRY_TYPES),
    pgType: fixed('bytea'),
    encoder: 'bytes',
    select: ewkb,
    note: "EWKB: the OGC WKB with its SRID (none when 0); PostGIS reads it as col::geometry, see 'Spatial types'",
  },
];

/**
 * Rules only a type override chooses (`overrides: {col: {type: text}}` in a stream): a column keeps
 * the first matching row of TYPE_MAPPING unless its stream names the PostgreSQL type of another rule
 * that matches it, from TYPE_MAPPING or from here. Each says how the column is read and encoded, so
 * an override never casts a value after the fact.
 */
export const TYPE_ALTERNATIVES: readonly TypeRule[] = [
  {
    mysql: 'json as text',
    matches: is('json'),
    pgType: fixed('text'),
    encoder: 'text',
    select: (q) => `CAST(${q} AS CHAR CHARACTER SET utf8mb4)`,
    note: 'the document as the source prints it, not parsed: key order and white space kept',
  },
  {
    mysql: 'char(n), varchar(n) as text',
    matches: is('char', 'varchar'),
    pgType: fixed('text'),
    encoder: 'text',
    note: 'no length limit in the target',
  },
];

/** The rules a column may be mapped by, the default first: one per PostgreSQL type they give it. */
export function typeChoices(column: SourceColumn): TypeRule[] {
  const seen = new Set<string>();
  return [...TYPE_MAPPING, ...TYPE_ALTERNATIVES].filter((r) => {
    if (!r.matches(column)) return false;
    const pgType = r.pgType(column);
    if (seen.has(pgType)) return false;
    seen.add(pgType);
    return true;
  });
}

export interface ColumnMapping {
  column: SourceColumn;
  rule: TypeRule;
  pgType: string;
  /**
   * The column's name in the target table, wherever ferry names a target column (CREATE TABLE,
   * COPY, merge, swap, checks, verify). The source name, mapped to fit PostgreSQL's 63 bytes
   * (identifier()), or the stream's rename of it (`overrides: {col: {rename: name}}`).
   */
  targetName: string;
}

/** What a stream's `overrides:` say about one column (validated by the stream plan). */
export interface ColumnOverride {
  /** The rule chosen for the overriding PostgreSQL type (one of typeChoices()). */
  rule?: TypeRule | undefined;
  /** The target column's name instead of the source's. */
  targetName?: string | undefined;
}

export function mapColumn(column: SourceColumn, table = '', override: ColumnOverride = {}): ColumnMapping {
  const rule = override.rule ?? TYPE_MAPPING.find((r) => r.matches(column));
  if (!rule) {
    throw new SchemaError(
      `column ${table ? `${table}.` : ''}${column.name} has type ${column.columnType}, which ferry cannot map`,
      {
        hint: 'exclude the column with `columns:` in its stream, and report the type so it can be added to the mapping',
      },
    );
  }
  return {
    column,
    rule,
    pgType: rule.pgType(column),
    targetName: override.targetName ?? identifier(column.name),
  };
}

/** The target name of a source column among a stream's mappings (the mapped name if it has none). */
export function targetNameOf(mappings: readonly ColumnMapping[], sourceName: string): string {
  return mappings.find((m) => m.column.name === sourceName)?.targetName ?? identifier(sourceName);
}

/** Refuses mappings where two source columns would get the same target name. */
export function checkTargetNames(mappings: readonly ColumnMapping[], table: string): void {
  const seen = new Map<string, string>();
  for (const m of mappings) {
    const other = seen.get(m.targetName);
    if (other !== undefined)
      throw new SchemaError(
        `columns ${other} and ${m.column.name} of ${table} would both be named ${m.targetName} in PostgreSQL`,
        { hint: 'rename one of them in the source, or leave one out with `columns:` in its stream' },
      );
    seen.set(m.targetName, m.column.name);
  }
}
