// Decodes TABLE_MAP events: the table's names, each column's binlog type and metadata, and the
// optional metadata of binlog_row_metadata=FULL (column names, signedness, character sets, ENUM/SET
// members, primary key). Columns are described only from the event itself, never from a guess or a
// side query, so a row event is read with the table as it was when the row was written.
import { T, valueReader, type ValueReader } from './column-readers.js';
import type { BinlogColumn, TableMap } from './events.js';

/** A table map with a value reader per column (absent when the column cannot be decoded). */
export interface DecodedTableMap extends TableMap {
  readers: (ValueReader | undefined)[];
}

const TYPE_NAMES: Record<number, string> = {
  [T.DECIMAL]: 'decimal(old)',
  [T.TINY]: 'tinyint',
  [T.SHORT]: 'smallint',
  [T.LONG]: 'int',
  [T.FLOAT]: 'float',
  [T.DOUBLE]: 'double',
  [T.NULL]: 'null',
  [T.TIMESTAMP]: 'timestamp',
  [T.LONGLONG]: 'bigint',
  [T.INT24]: 'mediumint',
  [T.DATE]: 'date',
  [T.TIME]: 'time',
  [T.DATETIME]: 'datetime',
  [T.YEAR]: 'year',
  [T.NEWDATE]: 'date',
  [T.BIT]: 'bit',
  [T.TIMESTAMP2]: 'timestamp',
  [T.DATETIME2]: 'datetime',
  [T.TIME2]: 'time',
  [T.VARCHAR_COMPRESSED]: 'varchar(compressed)',
  [T.BLOB_COMPRESSED]: 'blob(compressed)',
  [T.JSON]: 'json',
  [T.NEWDECIMAL]: 'decimal',
  [T.ENUM]: 'enum',
  [T.SET]: 'set',
  [T.GEOMETRY]: 'geometry',
};

const BLOB_NAMES = ['', 'tiny', '', 'medium', 'long'];

/** Bytes of per-column metadata in the table map, by binlog type; types not listed have none. */
const METADATA_BYTES: Record<number, number> = {
  [T.FLOAT]: 1,
  [T.DOUBLE]: 1,
  [T.BLOB]: 1,
  [T.TINY_BLOB]: 1,
  [T.MEDIUM_BLOB]: 1,
  [T.LONG_BLOB]: 1,
  [T.BLOB_COMPRESSED]: 1,
  [T.GEOMETRY]: 1,
  [T.JSON]: 1,
  [T.TIMESTAMP2]: 1,
  [T.DATETIME2]: 1,
  [T.TIME2]: 1,
  [T.VARCHAR]: 2,
  [T.VAR_STRING]: 2,
  [T.VARCHAR_COMPRESSED]: 2,
  [T.STRING]: 2,
  [T.ENUM]: 2,
  [T.SET]: 2,
  [T.NEWDECIMAL]: 2,
  [T.BIT]: 2,
  [T.DECIMAL]: 2,
};

/** Types without metadata; any type in neither table has a metadata size ferry does not know. */
const NO_METADATA = new Set<number>([
  T.TINY,
  T.SHORT,
  T.INT24,
  T.LONG,
  T.LONGLONG,
  T.YEAR,
  T.NULL,
  T.DATE,
  T.NEWDATE,
  T.TIME,
  T.DATETIME,
  T.TIMESTAMP,
]);

// The optional metadata fields (TLV: type byte, length-encoded length, value).
const SIGNEDNESS = 1;
const DEFAULT_CHARSET = 2;
const COLUMN_CHARSET = 3;
const COLUMN_NAME = 4;
const SET_STR_VALUE = 5;
const ENUM_STR_VALUE = 6;
const SIMPLE_PRIMARY_KEY = 8;
const PRIMARY_KEY_WITH_PREFIX = 9;
const ENUM_AND_SET_DEFAULT_CHARSET = 10;
const ENUM_AND_SET_COLUMN_CHARSET = 11;

/** Columns that SIGNEDNESS covers, one bit each in column order. */
const NUMERIC = new Set<number>([
  T.TINY,
  T.SHORT,
  T.INT24,
  T.LONG,
  T.LONGLONG,
  T.YEAR,
  T.FLOAT,
  T.DOUBLE,
  T.NEWDECIMAL,
  T.DECIMAL,
]);

/**
 * Columns that the character-set fields cover (ENUM and SET have fields of their own). MariaDB
 * counts GEOMETRY too (with the binary collation), MySQL does not: see `geometryHasCharset`.
 */
const CHARACTER = new Set<number>([
  T.STRING,
  T.VARCHAR,
  T.VAR_STRING,
  T.BLOB,
  T.TINY_BLOB,
  T.MEDIUM_BLOB,
  T.LONG_BLOB,
  T.VARCHAR_COMPRESSED,
  T.BLOB_COMPRESSED,
]);

/** Reads a length-encoded integer at `at`; returns [value, next offset]. */
export function readPacked(buf: Buffer, at: number): [number, number] {
  const first = buf[at]!;
  if (first < 0xfb) return [first, at + 1];
  if (first === 0xfc) return [buf.readUInt16LE(at + 1), at + 3];
  if (first === 0xfd) return [buf.readUIntLE(at + 1, 3), at + 4];
  if (first === 0xfe) return [Number(buf.readBigUInt64LE(at + 1)), at + 9];
  throw new Error(`bad length-encoded integer 0x${first.toString(16)} at ${at}`);
}

interface RawColumn {
  code: number;
  meta: number[];
}

function describeColumn(raw: RawColumn, nullable: boolean): BinlogColumn {
  let code = raw.code;
  let length: number | null = null;
  let precision: number | null = null;
  let scale: number | null = null;
  let fsp: number | null = null;
  const m = raw.meta;
  switch (code) {
    case T.STRING:
    case T.ENUM:
    case T.SET: {
      // byte 0: the real type, with bits 4-5 of the length folded in (inverted); byte 1: the low length byte
      const realType = m[0]! | 0x30;
      length = m[1]! | (((m[0]! & 0x30) ^ 0x30) << 4);
      code = realType;
      break;
    }
    case T.VARCHAR:
    case T.VAR_STRING:
    case T.VARCHAR_COMPRESSED:
      length = m[0]! | (m[1]! << 8);
      break;
    case T.BLOB:
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB_COMPRESSED:
    case T.GEOMETRY:
    case T.JSON:
      length = m[0]!;
      break;
    case T.NEWDECIMAL:
      precision = m[0]!;
      scale = m[1]!;
      break;
    case T.BIT:
      precision = m[1]! * 8 + m[0]!;
      break;
    case T.TIMESTAMP2:
    case T.DATETIME2:
    case T.TIME2:
      fsp = m[0]!;
      break;
    case T.FLOAT:
    case T.DOUBLE:
      length = m[0]!;
      break;
    case T.TIMESTAMP:
    case T.DATETIME:
    case T.TIME:
      fsp = 0;
      break;
  }
  return {
    name: null,
    typeCode: code,
    type:
      TYPE_NAMES[code] ??
      (code === T.STRING || code === T.VARCHAR || code === T.VAR_STRING ? '' : `type ${code}`),
    nullable,
    unsigned: null,
    collation: null,
    charset: null,
    length,
    precision,
    scale,
    fsp,
    members: null,
  };
}

/** Names the string types once the character set is known: char/binary, varchar/varbinary, text/blob. */
function stringTypeName(column: BinlogColumn, rawCode: number): string {
  const binary = column.collation === 63;
  switch (column.typeCode) {
    case T.STRING:
      return binary ? 'binary' : 'char';
    case T.VARCHAR:
    case T.VAR_STRING:
      return binary ? 'varbinary' : 'varchar';
    case T.BLOB:
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
      return `${BLOB_NAMES[column.length!] ?? ''}${binary ? 'blob' : 'text'}`;
    default:
      return column.type || `type ${rawCode}`;
  }
}

function readStrings(buf: Buffer, at: number, end: number): [string[], number] {
  const [count, from] = readPacked(buf, at);
  const values: string[] = [];
  let p = from;
  for (let i = 0; i < count && p < end; i++) {
    const [length, s] = readPacked(buf, p);
    values.push(buf.toString('utf8', s, s + length));
    p = s + length;
  }
  return [values, p];
}

/** Collations of the columns a charset field covers: DEFAULT_* (a default, then exceptions) or COLUMN_*. */
function readCharsets(
  buf: Buffer,
  at: number,
  end: number,
  type: 'default' | 'column',
  count: number,
): number[] {
  const collations: number[] = [];
  let p = at;
  if (type === 'column') {
    while (p < end) {
      const [collation, next] = readPacked(buf, p);
      collations.push(collation);
      p = next;
    }
    return collations;
  }
  const [fallback, next] = readPacked(buf, p);
  p = next;
  for (let i = 0; i < count; i++) collations.push(fallback);
  while (p < end) {
    const [index, a] = readPacked(buf, p);
    const [collation, b] = readPacked(buf, a);
    if (index < count) collations[index] = collation;
    p = b;
  }
  return collations;
}

/**
 * Decodes the body of a TABLE_MAP event in buf[start, end) (after the event header, before the
 * checksum). `tableIdBytes` is 6 (4 on servers before MySQL 5.1.4). `charsetOf` names a collation id.
 * `geometryHasCharset`: the server lists GEOMETRY columns among the character columns (MariaDB).
 */
export function decodeTableMap(
  buf: Buffer,
  start: number,
  end: number,
  tableIdBytes: number,
  charsetOf: (collation: number) => string | null,
  geometryHasCharset: boolean,
): DecodedTableMap {
  let p = start;
  const id = buf.readUIntLE(p, tableIdBytes);
  p += tableIdBytes + 2; // flags
  const schemaLength = buf[p]!;
  const schema = buf.toString('utf8', p + 1, p + 1 + schemaLength);
  p += 1 + schemaLength + 1;
  const tableLength = buf[p]!;
  const table = buf.toString('utf8', p + 1, p + 1 + tableLength);
  p += 1 + tableLength + 1;
  const [columnCount, afterCount] = readPacked(buf, p);
  p = afterCount;
  const codes = [...buf.subarray(p, p + columnCount)];
  p += columnCount;
  const [metaLength, afterMetaLength] = readPacked(buf, p);
  p = afterMetaLength;
  const metaEnd = p + metaLength;
  let undecodable: string | undefined;
  const raws: RawColumn[] = [];
  for (const code of codes) {
    const bytes = METADATA_BYTES[code];
    if (bytes === undefined && !NO_METADATA.has(code)) {
      undecodable ??= `binlog column type ${code} has metadata ferry cannot read`;
      raws.push({ code, meta: [] });
      continue;
    }
    raws.push({ code, meta: [...buf.subarray(p, p + (bytes ?? 0))] });
    p += bytes ?? 0;
  }
  if (!undecodable && p !== metaEnd) undecodable = 'the column metadata does not match the column types';
  p = metaEnd;
  const nullBytes = (columnCount + 7) >> 3;
  const columns = raws.map((raw, i) => describeColumn(raw, (buf[p + (i >> 3)]! & (1 << (i & 7))) !== 0));
  p += nullBytes;

  const primaryKey: number[] = [];
  let names = false;
  let charsetsLogged = false;
  const characterIndexes = columns.flatMap((c, i) =>
    CHARACTER.has(c.typeCode) || (geometryHasCharset && c.typeCode === T.GEOMETRY) ? [i] : [],
  );
  const enumSetIndexes = columns.flatMap((c, i) =>
    c.typeCode === T.ENUM || c.typeCode === T.SET ? [i] : [],
  );
  const numericIndexes = columns.flatMap((c, i) => (NUMERIC.has(c.typeCode) ? [i] : []));
  const assign = (indexes: number[], collations: number[]) => {
    if (collations.length !== indexes.length) {
      undecodable ??= 'the character sets in the table map do not match its columns';
      return;
    }
    indexes.forEach((column, k) => {
      columns[column]!.collation = collations[k]!;
      columns[column]!.charset = charsetOf(collations[k]!);
    });
  };
  while (p < end) {
    const type = buf[p]!;
    const [length, valueStart] = readPacked(buf, p + 1);
    const valueEnd = valueStart + length;
    switch (type) {
      case SIGNEDNESS:
        numericIndexes.forEach((column, k) => {
          columns[column]!.unsigned = (buf[valueStart + (k >> 3)]! & (0x80 >> (k & 7))) !== 0;
        });
        break;
      case DEFAULT_CHARSET:
      case COLUMN_CHARSET:
        charsetsLogged = true;
        assign(
          characterIndexes,
          readCharsets(
            buf,
            valueStart,
            valueEnd,
            type === DEFAULT_CHARSET ? 'default' : 'column',
            characterIndexes.length,
          ),
        );
        break;
      case ENUM_AND_SET_DEFAULT_CHARSET:
      case ENUM_AND_SET_COLUMN_CHARSET:
        assign(
          enumSetIndexes,
          readCharsets(
            buf,
            valueStart,
            valueEnd,
            type === ENUM_AND_SET_DEFAULT_CHARSET ? 'default' : 'column',
            enumSetIndexes.length,
          ),
        );
        break;
      case COLUMN_NAME: {
        let q = valueStart;
        for (const column of columns) {
          const [n, s] = readPacked(buf, q);
          column.name = buf.toString('utf8', s, s + n);
          q = s + n;
        }
        names = true;
        break;
      }
      case SET_STR_VALUE:
      case ENUM_STR_VALUE: {
        const target = columns.filter((c) => c.typeCode === (type === SET_STR_VALUE ? T.SET : T.ENUM));
        let q = valueStart;
        for (const column of target) {
          const [members, next] = readStrings(buf, q, valueEnd);
          column.members = members;
          q = next;
        }
        break;
      }
      case SIMPLE_PRIMARY_KEY: {
        let q = valueStart;
        while (q < valueEnd) {
          const [index, next] = readPacked(buf, q);
          primaryKey.push(index);
          q = next;
        }
        break;
      }
      case PRIMARY_KEY_WITH_PREFIX: {
        let q = valueStart;
        while (q < valueEnd) {
          const [index, a] = readPacked(buf, q);
          const [, b] = readPacked(buf, a); // the prefix length: the key covers part of the column
          primaryKey.push(index);
          q = b;
        }
        break;
      }
    }
    p = valueEnd;
  }

  const readers: (ValueReader | undefined)[] = [];
  for (const column of columns) {
    column.type = stringTypeName(column, column.typeCode);
    const reader = valueReader(column);
    if (typeof reader === 'string') {
      column.undecodable = reader;
      readers.push(undefined);
    } else readers.push(reader);
  }
  if (!names)
    undecodable ??= 'the table map carries no column names: set binlog_row_metadata=FULL on the server';
  else if (!charsetsLogged && characterIndexes.length > 0)
    undecodable ??= 'the table map carries no character sets';
  const bad = columns.find((c) => c.undecodable);
  if (bad) undecodable ??= `column ${bad.name ?? '?'}: ${bad.undecodable}`;
  return {
    id,
    schema,
    table,
    columns,
    primaryKey,
    readers,
    ...(undecodable ? { undecodable } : {}),
  };
}
