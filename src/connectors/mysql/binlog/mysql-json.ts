// MySQL's binary JSON (the JSON column type of MySQL 5.7+ as its binlog carries it) printed as MySQL
// prints a JSON value in a result set: {"a": 1, "b": [true, null]} with ", " and ": ", keys in the
// stored order, doubles as the server prints them (with ".0" when no point or exponent), strings with
// " \ \b \f \n \r \t escaped and other control characters as \u00xx. MariaDB stores JSON as text and
// never reaches this file. No MySQL server runs on these machines: the format is the public one of
// MySQL's json_binary.h, and test/unit/binlog/mysql-json.test.ts checks hand-built documents.
import { decimalReader } from './decimal.js';
import { formatDouble } from './format-double.js';

const SMALL_OBJECT = 0x00;
const LARGE_OBJECT = 0x01;
const SMALL_ARRAY = 0x02;
const LARGE_ARRAY = 0x03;
const LITERAL = 0x04;
const INT16 = 0x05;
const UINT16 = 0x06;
const INT32 = 0x07;
const UINT32 = 0x08;
const INT64 = 0x09;
const UINT64 = 0x0a;
const DOUBLE = 0x0b;
const STRING = 0x0c;
const OPAQUE = 0x0f;

const PAD2 = (n: number) => (n < 10 ? '0' : '') + String(n);

export function quoteJson(text: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x1f && c !== 0x22 && c !== 0x5c) continue;
    out += text.slice(from, i);
    from = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0d:
        out += '\\r';
        break;
      default:
        out += '\\u00' + c.toString(16).padStart(2, '0');
    }
  }
  return out + text.slice(from) + '"';
}

/** A variable-length length: 7 bits a byte, low bits first, the top bit set while more follow. */
function readLength(buf: Buffer, at: number): [number, number] {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    const byte = buf[at + i]!;
    length |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return [length >>> 0, at + i + 1];
  }
  throw new Error('bad length in MySQL binary JSON');
}

/** A packed datetime/time (MySQL's longlong packed format) as MySQL prints it inside JSON. */
function packedTemporal(type: number, packed: bigint): string {
  const negative = packed < 0n;
  const value = negative ? -packed : packed;
  const micros = Number(value % 16777216n);
  const intpart = Number(value / 16777216n);
  const frac = '.' + String(micros).padStart(6, '0');
  if (type === 11 || type === 19) {
    // TIME: hours 10 bits, minutes 6, seconds 6
    return `${negative ? '-' : ''}${PAD2((intpart >>> 12) & 1023)}:${PAD2((intpart >>> 6) & 63)}:${PAD2(intpart & 63)}${frac}`;
  }
  const ymd = Math.floor(intpart / 131072);
  const hms = intpart % 131072;
  const ym = ymd >>> 5;
  const date = `${String(Math.floor(ym / 13)).padStart(4, '0')}-${PAD2(ym % 13)}-${PAD2(ymd & 31)}`;
  if (type === 10 || type === 14) return date;
  return `${date} ${PAD2(hms >>> 12)}:${PAD2((hms >>> 6) & 63)}:${PAD2(hms & 63)}${frac}`;
}

/** DECIMAL inside JSON: precision, scale, then the binary DECIMAL of the row format. */
function opaqueDecimal(buf: Buffer, at: number): string {
  return decimalReader(buf[at]!, buf[at + 1]!)({ buf, pos: at + 2 }) as string;
}

function scalar(buf: Buffer, type: number, at: number, end: number): string {
  switch (type) {
    case LITERAL:
      return buf[at] === 1 ? 'true' : buf[at] === 2 ? 'false' : 'null';
    case INT16:
      return String(buf.readInt16LE(at));
    case UINT16:
      return String(buf.readUInt16LE(at));
    case INT32:
      return String(buf.readInt32LE(at));
    case UINT32:
      return String(buf.readUInt32LE(at));
    case INT64:
      return buf.readBigInt64LE(at).toString();
    case UINT64:
      return buf.readBigUInt64LE(at).toString();
    case DOUBLE: {
      const text = formatDouble(buf.readDoubleLE(at));
      return /[.e]/.test(text) ? text : text + '.0';
    }
    case STRING: {
      const [length, from] = readLength(buf, at);
      return quoteJson(buf.toString('utf8', from, from + length));
    }
    case OPAQUE: {
      const fieldType = buf[at]!;
      const [length, from] = readLength(buf, at + 1);
      if (fieldType === 246) return opaqueDecimal(buf, from);
      if ([7, 10, 11, 12, 14, 17, 18, 19].includes(fieldType)) {
        return quoteJson(packedTemporal(fieldType, buf.readBigInt64LE(from)));
      }
      return quoteJson(`base64:type${fieldType}:${buf.toString('base64', from, from + length)}`);
    }
    default:
      throw new Error(`unknown MySQL binary JSON type ${type} (at ${at}, document ends at ${end})`);
  }
}

/** Whether a value of this type sits inside its entry (small containers inline 2 bytes, large 4). */
function inlined(type: number, large: boolean): boolean {
  return (
    type === LITERAL || type === INT16 || type === UINT16 || (large && (type === INT32 || type === UINT32))
  );
}

function container(buf: Buffer, start: number, end: number, large: boolean, object: boolean): string {
  const word = large ? 4 : 2;
  const read = (at: number) => (large ? buf.readUInt32LE(at) : buf.readUInt16LE(at));
  const count = read(start);
  let at = start + 2 * word;
  const keys: string[] = [];
  if (object) {
    for (let i = 0; i < count; i++, at += word + 2) {
      const offset = read(at);
      const length = buf.readUInt16LE(at + word);
      keys.push(buf.toString('utf8', start + offset, start + offset + length));
    }
  }
  const values: string[] = [];
  for (let i = 0; i < count; i++, at += 1 + word) {
    const type = buf[at]!;
    values.push(
      inlined(type, large) ? scalar(buf, type, at + 1, end) : value(buf, type, start + read(at + 1), end),
    );
  }
  if (object) return '{' + keys.map((k, i) => `${quoteJson(k)}: ${values[i]}`).join(', ') + '}';
  return '[' + values.join(', ') + ']';
}

function value(buf: Buffer, type: number, at: number, end: number): string {
  switch (type) {
    case SMALL_OBJECT:
      return container(buf, at, end, false, true);
    case LARGE_OBJECT:
      return container(buf, at, end, true, true);
    case SMALL_ARRAY:
      return container(buf, at, end, false, false);
    case LARGE_ARRAY:
      return container(buf, at, end, true, false);
    default:
      return scalar(buf, type, at, end);
  }
}

/** The text of the binary JSON document in buf[start, end); an empty value is JSON null, as MySQL prints it. */
export function mysqlJsonText(buf: Buffer, start: number, end: number): string {
  if (end === start) return 'null';
  return value(buf, buf[start]!, start + 1, end);
}
