// One value reader per binlog column type: each reads a value of the row format at the cursor and
// returns it exactly as ferry's snapshot select list reads the same stored value (the `select` of
// each row of the type mapping): integers, DECIMAL, dates and times as the server prints them, FLOAT
// widened to DOUBLE, BIT as a string of 0s and 1s, text in UTF-8, binary values as bytes, geometry as
// EWKB (WKB with its SRID, plain WKB for SRID 0). The readers are chosen once per table map, so the
// row loop only calls them. MariaDB's UUID and INET types look like BINARY here: mariadb-types.ts.
import { TEXT_DECODERS } from './charsets.js';
import { decimalReader } from './decimal.js';
import { formatDouble } from './format-double.js';
import { mysqlJsonText } from './mysql-json.js';
import {
  fractionBytes,
  readDate,
  readDatetime2,
  readDatetimeClassic,
  readTime2,
  readTimeClassic,
  readTimestamp2,
  formatTimestamp,
} from './temporal.js';
import type { BinlogColumn } from './events.js';

/** Where the row decoder is: the event's bytes and the offset of the next value. */
export interface RowCursor {
  buf: Buffer;
  pos: number;
}

export type ValueReader = (c: RowCursor) => string | Buffer;

/** The binlog's column type codes (MYSQL_TYPE_* in the servers' source). */
export const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  VARCHAR_COMPRESSED: 140, // MariaDB
  BLOB_COMPRESSED: 141, // MariaDB
  JSON: 245, // MySQL's binary JSON; MariaDB logs JSON as LONGTEXT
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const BINARY = 63;

// ---------------------------------------------------------------- integers
const TWO32 = 4294967296;

function readLonglong(c: RowCursor, unsigned: boolean): string {
  const lo = c.buf.readUInt32LE(c.pos);
  const hi = unsigned ? c.buf.readUInt32LE(c.pos + 4) : c.buf.readInt32LE(c.pos + 4);
  const at = c.pos;
  c.pos += 8;
  // below 2^53 the double is exact; beyond it BigInt prints the digits
  if (hi < 0x200000 && hi >= -0x200000) return String(hi * TWO32 + lo);
  return (unsigned ? c.buf.readBigUInt64LE(at) : c.buf.readBigInt64LE(at)).toString();
}

function integerReader(code: number, unsigned: boolean): ValueReader {
  switch (code) {
    case T.TINY:
      return unsigned ? (c) => String(c.buf[c.pos++]!) : (c) => String(c.buf.readInt8(c.pos++));
    case T.SHORT:
      return unsigned
        ? (c) => String(c.buf.readUInt16LE((c.pos += 2) - 2))
        : (c) => String(c.buf.readInt16LE((c.pos += 2) - 2));
    case T.INT24:
      return unsigned
        ? (c) => String(c.buf.readUIntLE((c.pos += 3) - 3, 3))
        : (c) => String(c.buf.readIntLE((c.pos += 3) - 3, 3));
    case T.LONG:
      return unsigned
        ? (c) => String(c.buf.readUInt32LE((c.pos += 4) - 4))
        : (c) => String(c.buf.readInt32LE((c.pos += 4) - 4));
    default:
      return (c) => readLonglong(c, unsigned);
  }
}

// ---------------------------------------------------------------- BIT, ENUM, SET
const BYTE_BITS = Array.from({ length: 256 }, (_, i) => i.toString(2).padStart(8, '0'));

function bitReader(bits: number): ValueReader {
  const bytes = (bits + 7) >> 3;
  const skip = bytes * 8 - bits;
  return (c) => {
    let s = '';
    for (let i = 0; i < bytes; i++) s += BYTE_BITS[c.buf[c.pos + i]!];
    c.pos += bytes;
    return skip ? s.slice(skip) : s;
  };
}

function enumReader(members: readonly string[], bytes: number): ValueReader {
  return (c) => {
    const index = bytes === 1 ? c.buf[c.pos]! : c.buf.readUInt16LE(c.pos);
    c.pos += bytes;
    // 0 is the '' a server stores for an invalid value in non-strict mode
    return index === 0 ? '' : (members[index - 1] ?? '');
  };
}

function setReader(members: readonly string[], bytes: number): ValueReader {
  return (c) => {
    const parts: string[] = [];
    for (let i = 0; i < bytes; i++) {
      const byte = c.buf[c.pos + i]!;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) parts.push(members[i * 8 + bit] ?? '');
    }
    c.pos += bytes;
    return parts.join(',');
  };
}

// ---------------------------------------------------------------- strings
function lengthPrefix(c: RowCursor, bytes: number): number {
  const at = c.pos;
  c.pos += bytes;
  switch (bytes) {
    case 1:
      return c.buf[at]!;
    case 2:
      return c.buf.readUInt16LE(at);
    case 3:
      return c.buf.readUIntLE(at, 3);
    default:
      return c.buf.readUInt32LE(at);
  }
}

function bytesOf(c: RowCursor, length: number): Buffer {
  const value = Buffer.allocUnsafe(length);
  c.buf.copy(value, 0, c.pos, c.pos + length);
  c.pos += length;
  return value;
}

function textReader(prefixBytes: number, charset: string): ValueReader {
  const decode = TEXT_DECODERS[charset]!;
  return (c) => {
    const length = lengthPrefix(c, prefixBytes);
    const start = c.pos;
    c.pos += length;
    return decode(c.buf, start, start + length);
  };
}

function binaryReader(prefixBytes: number): ValueReader {
  return (c) => bytesOf(c, lengthPrefix(c, prefixBytes));
}

/** BINARY(n): the binlog drops the trailing 0x00 padding, which the column's value keeps. */
function paddedBinaryReader(prefixBytes: number, width: number): ValueReader {
  return (c) => {
    const length = lengthPrefix(c, prefixBytes);
    const value = Buffer.alloc(Math.max(width, length));
    c.buf.copy(value, 0, c.pos, c.pos + length);
    c.pos += length;
    return value;
  };
}

/**
 * GEOMETRY: the server stores a 4-byte little-endian SRID, then the WKB that ST_AsBinary() returns.
 * The select list reads EWKB (type-mapping.ts): for SRID 0 the WKB itself; otherwise the WKB's
 * first 4 bytes (byte order and the type's low bytes), its fifth byte with the SRID flag 0x20 set,
 * the SRID, then the rest of the WKB.
 */
function geometryReader(prefixBytes: number): ValueReader {
  return (c) => {
    const length = lengthPrefix(c, prefixBytes);
    const at = c.pos;
    const srid = length >= 4 ? c.buf.readUInt32LE(at) : 0;
    c.pos += Math.min(4, length);
    const wkbLength = Math.max(0, length - 4);
    if (srid === 0 || wkbLength < 5) return bytesOf(c, wkbLength);
    const value = Buffer.allocUnsafe(wkbLength + 4);
    const wkb = c.pos;
    c.buf.copy(value, 0, wkb, wkb + 4);
    value[4] = c.buf[wkb + 4]! | 0x20;
    value.writeUInt32LE(srid, 5);
    c.buf.copy(value, 9, wkb + 5, wkb + wkbLength);
    c.pos += wkbLength;
    return value;
  };
}

function mysqlJsonReader(prefixBytes: number): ValueReader {
  return (c) => {
    const length = lengthPrefix(c, prefixBytes);
    const start = c.pos;
    c.pos += length;
    return mysqlJsonText(c.buf, start, start + length);
  };
}

// ---------------------------------------------------------------- the table
/** The reader for a column, or the reason ferry cannot decode it exactly. */
export function valueReader(column: BinlogColumn): ValueReader | string {
  const { typeCode: code, unsigned, fsp, charset, collation } = column;
  switch (code) {
    case T.TINY:
    case T.SHORT:
    case T.INT24:
    case T.LONG:
    case T.LONGLONG:
      if (unsigned === null) return 'the binlog does not say whether the integer is signed';
      return integerReader(code, unsigned);
    case T.YEAR:
      return (c) => {
        const v = c.buf[c.pos++]!;
        return v === 0 ? '0000' : String(1900 + v);
      };
    case T.FLOAT:
      return (c) => formatDouble(c.buf.readFloatLE((c.pos += 4) - 4));
    case T.DOUBLE:
      return (c) => formatDouble(c.buf.readDoubleLE((c.pos += 8) - 8));
    case T.NEWDECIMAL:
      return decimalReader(column.precision!, column.scale!);
    case T.BIT:
      return bitReader(column.precision!);
    case T.DATE:
    case T.NEWDATE:
      return (c) => readDate(c.buf, (c.pos += 3) - 3);
    case T.DATETIME2: {
      const size = 5 + fractionBytes(fsp!);
      return (c) => readDatetime2(c.buf, (c.pos += size) - size, fsp!);
    }
    case T.TIMESTAMP2: {
      const size = 4 + fractionBytes(fsp!);
      return (c) => readTimestamp2(c.buf, (c.pos += size) - size, fsp!);
    }
    case T.TIME2: {
      const size = 3 + fractionBytes(fsp!);
      return (c) => readTime2(c.buf, (c.pos += size) - size, fsp!);
    }
    case T.DATETIME:
      return (c) => readDatetimeClassic(c.buf, (c.pos += 8) - 8);
    case T.TIMESTAMP:
      return (c) => formatTimestamp(c.buf.readUInt32LE((c.pos += 4) - 4), 0, 0);
    case T.TIME:
      return (c) => readTimeClassic(c.buf, (c.pos += 3) - 3);
    case T.ENUM:
      if (!column.members) return 'the binlog carries no ENUM members (binlog_row_metadata is not FULL)';
      return enumReader(column.members, column.length!);
    case T.SET:
      if (!column.members) return 'the binlog carries no SET members (binlog_row_metadata is not FULL)';
      return setReader(column.members, column.length!);
    case T.STRING:
    case T.VARCHAR:
    case T.VAR_STRING: {
      const prefix = column.length! > 255 ? 2 : 1;
      if (collation === BINARY) {
        return code === T.STRING ? paddedBinaryReader(prefix, column.length!) : binaryReader(prefix);
      }
      return textColumn(prefix, charset, collation);
    }
    case T.BLOB:
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
      return collation === BINARY
        ? binaryReader(column.length!)
        : textColumn(column.length!, charset, collation);
    case T.GEOMETRY:
      return geometryReader(column.length!);
    case T.JSON:
      return mysqlJsonReader(column.length!);
    case T.VARCHAR_COMPRESSED:
    case T.BLOB_COMPRESSED:
      return 'MariaDB compressed columns are not decoded by ferry yet';
    default:
      return `binlog column type ${code} is not decoded by ferry`;
  }
}

function textColumn(prefix: number, charset: string | null, collation: number | null): ValueReader | string {
  if (charset === null) {
    return collation === null
      ? 'the binlog does not give the character set (binlog_row_metadata is not FULL)'
      : `collation ${collation} is unknown to the server's information_schema`;
  }
  if (!TEXT_DECODERS[charset]) {
    return `character set ${charset} is not decoded by ferry (utf8mb4, utf8mb3, latin1, ascii, ucs2, utf16, utf16le and utf32 are)`;
  }
  return textReader(prefix, charset);
}
