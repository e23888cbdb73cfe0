// Types between MySQL, DuckDB and PostgreSQL for the DuckDB engine, as data: how a column of ferry's
// type mapping is declared in DuckDB and its values converted for a data chunk, and how a DuckDB result column is declared in
// PostgreSQL and printed for COPY.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  listValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnMapping } from '../../../schema/type-mapping.js';
import { EngineError } from '../../engine-error.js';
import { quotePg } from '../../../schema/identifiers.js';

/** Turns a value read from MySQL (text as the server printed it, or bytes) into a DuckDB value. */
export type ToDuck = (value: string | Buffer) => DuckDBValue;

const text = (v: string | Buffer) => (typeof v === 'string' ? v : v.toString('utf8'));

/** Days since 1970-01-01 of a proleptic Gregorian date (any year, unlike Date.UTC). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const dateDays = (s: string) =>
  daysFromCivil(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)));

/** 'YYYY-MM-DD hh:mm:ss[.ffffff]' as microseconds since the epoch. */
export function timestampMicros(s: string): bigint {
  const seconds = Number(s.slice(11, 13)) * 3600 + Number(s.slice(14, 16)) * 60 + Number(s.slice(17, 19));
  const fraction = s.length > 20 ? BigInt(s.slice(20, 26).padEnd(6, '0')) : 0n;
  return (BigInt(dateDays(s)) * 86400n + BigInt(seconds)) * 1_000_000n + fraction;
}

/** '[-]hhh:mm:ss[.ffffff]' (MySQL TIME) as microseconds. */
export function timeMicros(s: string): bigint {
  const negative = s.startsWith('-');
  const [h = '0', m = '0', rest = '0'] = (negative ? s.slice(1) : s).split(':');
  const [sec = '0', frac = ''] = rest.split('.');
  const micros =
    (BigInt(h) * 3600n + BigInt(m) * 60n + BigInt(sec)) * 1_000_000n +
    BigInt(frac.padEnd(6, '0').slice(0, 6) || '0');
  return negative ? -micros : micros;
}

/** '-123.45' with scale 2 as -12345n. */
export function scaledDecimal(s: string, scale: number): bigint {
  const negative = s.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? s.slice(1) : s).split('.');
  const digits = BigInt(whole + frac.padEnd(scale, '0').slice(0, scale));
  return negative ? -digits : digits;
}

export interface DuckColumn {
  /** DuckDB column type. */
  type: string;
  value: ToDuck;
}

/** The DuckDB column for a source column, from the PostgreSQL type sync would give it. */
export function duckColumn(m: ColumnMapping, table: string): DuckColumn {
  const pg = m.pgType;
  const decimal = /^numeric\((\d+),(\d+)\)$/.exec(pg);
  if (decimal) {
    const [width, scale] = [Number(decimal[1]), Number(decimal[2])];
    if (width > 38)
      throw new EngineError(
        `${table}.${m.column.name} is ${m.column.columnType}; DuckDB's DECIMAL holds at most 38 digits`,
        { hint: 'run the models that read this table on the postgres engine (--engine postgres)' },
      );
    // BIGINT UNSIGNED is numeric(20,0) in PostgreSQL; DuckDB has a native type for it.
    if (m.column.dataType === 'bigint' && m.column.unsigned)
      return { type: 'UBIGINT', value: (v) => BigInt(text(v)) };
    return {
      type: `DECIMAL(${width},${scale})`,
      value: (v) => new DuckDBDecimalValue(scaledDecimal(text(v), scale), width, scale),
    };
  }
  if (/^timestamp\(\d\) without time zone$/.test(pg))
    return {
      type: 'TIMESTAMP',
      value: (v) => new DuckDBTimestampValue(timestampMicros(text(v))),
    };
  if (/^timestamp\(\d\) with time zone$/.test(pg))
    return { type: 'TIMESTAMPTZ', value: (v) => new DuckDBTimestampTZValue(timestampMicros(text(v))) };
  if (/^interval/.test(pg))
    return {
      type: 'INTERVAL',
      value: (v) => new DuckDBIntervalValue(0, 0, timeMicros(text(v))),
    };
  if (/^character varying/.test(pg) || /^bit\(/.test(pg)) return { type: 'VARCHAR', value: text };
  const simple = SIMPLE[pg];
  if (!simple)
    throw new EngineError(`${table}.${m.column.name}: the duckdb engine cannot hold PostgreSQL type ${pg}`, {
      hint: 'run the models that read this table on the postgres engine (--engine postgres)',
    });
  return simple;
}

const SIMPLE: Record<string, DuckColumn> = {
  boolean: { type: 'BOOLEAN', value: (v) => text(v) === '1' },
  smallint: { type: 'SMALLINT', value: (v) => Number(text(v)) },
  integer: { type: 'INTEGER', value: (v) => Number(text(v)) },
  bigint: { type: 'BIGINT', value: (v) => BigInt(text(v)) },
  real: { type: 'FLOAT', value: (v) => Number(text(v)) },
  'double precision': { type: 'DOUBLE', value: (v) => Number(text(v)) },
  date: { type: 'DATE', value: (v) => new DuckDBDateValue(dateDays(text(v))) },
  text: { type: 'VARCHAR', value: text },
  // DuckDB's json extension is built in (nothing is downloaded); JSON columns load back as jsonb.
  jsonb: { type: 'JSON', value: text },
  bytea: {
    type: 'BLOB',
    value: (v) => new DuckDBBlobValue(typeof v === 'string' ? Buffer.from(v, 'utf8') : v),
  },
  'text[]': {
    type: 'VARCHAR[]',
    value: (v) => {
      const s = text(v);
      return listValue(s === '' ? [] : s.split(','));
    },
  },
};

export interface PgColumn {
  name: string;
  pgType: string;
  /** DuckDB expression printing the value as PostgreSQL's COPY input (NULL stays NULL). */
  textSql: string;
  /** Whether the text may hold a backslash, tab or line break that COPY needs escaped. */
  escape?: boolean;
}

/** How a DuckDB result column is declared in PostgreSQL and printed for COPY. */
export function pgColumn(name: string, duckType: string, model: string): PgColumn {
  const q = quotePg(name);
  const cast = `CAST(${q} AS VARCHAR)`;
  const t = duckType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (decimal) return { name, pgType: `numeric(${decimal[1]},${decimal[2]})`, textSql: cast };
  if (t === 'BLOB') return { name, pgType: 'bytea', textSql: `'\\x' || lower(hex(${q}))`, escape: true };
  if (t === 'VARCHAR[]')
    return {
      name,
      pgType: 'text[]',
      escape: true,
      textSql: `'{' || array_to_string(list_transform(${q}, e -> CASE WHEN e IS NULL THEN 'NULL' ELSE '"' || replace(replace(e, '\\', '\\\\'), '"', '\\"') || '"' END), ',') || '}'`,
    };
  const pgType = RESULT_TYPES[t];
  if (!pgType)
    throw new EngineError(
      `${model}: column ${name} has DuckDB type ${duckType}, which ferry cannot load into PostgreSQL`,
      {
        hint: 'CAST it in the model to a portable type (integer, bigint, numeric(p,s), double, text, date, timestamp)',
      },
    );
  return { name, pgType, textSql: cast, escape: t === 'VARCHAR' || t === 'JSON' };
}

/** One COPY text line per row, built inside DuckDB: fields escaped, NULL as \N, tab-separated. */
export function copyLineSql(columns: readonly PgColumn[]): string {
  const fields = columns.map((c) => {
    const text = c.escape
      ? `replace(replace(replace(replace(${c.textSql}, '\\', '\\\\'), chr(9), '\\t'), chr(10), '\\n'), chr(13), '\\r')`
      : c.textSql;
    return `coalesce(${text}, '\\N')`;
  });
  return fields.join(' || chr(9) || ');
}

const RESULT_TYPES: Record<string, string> = {
  BOOLEAN: 'boolean',
  TINYINT: 'smallint',
  SMALLINT: 'smallint',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  HUGEINT: 'numeric(39,0)',
  UTINYINT: 'smallint',
  USMALLINT: 'integer',
  UINTEGER: 'bigint',
  UBIGINT: 'numeric(20,0)',
  FLOAT: 'real',
  DOUBLE: 'double precision',
  VARCHAR: 'text',
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp without time zone',
  'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone',
  INTERVAL: 'interval',
  UUID: 'uuid',
  JSON: 'jsonb',
};
