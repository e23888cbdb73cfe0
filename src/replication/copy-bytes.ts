// Turns MySQL text-protocol row packets straight into COPY text bytes, without making a string or
// an array per row. Values that are plain (the overwhelming majority) are copied or escaped byte
// by byte; a row with anything a policy or a check must judge (a zero date, a NUL byte, a boolean
// that is not 0/1, a SET, invalid UTF-8) is decoded into values and handed to the row encoder, so
// policies, quarantine and checks behave exactly as they do for decoded rows.
import { isUtf8 } from 'node:buffer';
import type { SourceRow } from '../connectors/mysql/read-rows.js';
import type { SetAsideRow, ValueChange } from '../connectors/postgres/state-store.js';
import type { RowEncoder } from './row-encoder.js';
import type { ColumnMapping, EncoderKind } from './type-mapping.js';

export interface ByteBatch {
  bytes: Buffer;
  rows: number;
  quarantined: SetAsideRow[];
  nulled: ValueChange[];
}

export interface PacketEncoder {
  /** Encodes one row packet (length-encoded values in buffer[start, end)). */
  add(buffer: Buffer, start: number, end: number): void;
  /** COPY bytes waiting in the current batch. */
  readonly pendingBytes: number;
  /** Returns the current batch and starts a new one. */
  take(): ByteBatch;
}

// Per-column handling in the fast path, as small integers for a switch.
const RAW = 0; // ASCII the server printed that PostgreSQL reads as is: numbers, BIT strings, TIME
const BOOLEAN = 1;
const DATE = 2; // date and datetime: checked for zero and impossible dates
const TIMESTAMP = 3; // same, plus the +00 zone
const TEXT = 4;
const BYTES = 5;
const JSON_TEXT = 6;
const SLOW = 7; // always decoded (SET)

const FAST_KIND: Record<EncoderKind, number> = {
  integer: RAW,
  numeric: RAW,
  float: RAW,
  bit: RAW,
  time: RAW,
  boolean: BOOLEAN,
  date: DATE,
  datetime: DATE,
  timestamp: TIMESTAMP,
  text: TEXT,
  bytes: BYTES,
  json: JSON_TEXT,
  set: SLOW,
};

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digit = (b: number) => b - 0x30;

/** Whether the YYYY-MM-DD at buffer[at] is a date PostgreSQL accepts (else the row goes the slow way). */
function plainDate(buffer: Buffer, at: number, length: number): boolean {
  if (length < 10) return false;
  const year =
    digit(buffer[at]!) * 1000 +
    digit(buffer[at + 1]!) * 100 +
    digit(buffer[at + 2]!) * 10 +
    digit(buffer[at + 3]!);
  const month = digit(buffer[at + 5]!) * 10 + digit(buffer[at + 6]!);
  const day = digit(buffer[at + 8]!) * 10 + digit(buffer[at + 9]!);
  if (year <= 0 || month <= 0 || day <= 0 || month > 12 || day > DAYS[month - 1]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  return true;
}

const INITIAL_CAPACITY = 256 * 1024;

export function createPacketEncoder(
  mappings: readonly ColumnMapping[],
  slowPath: RowEncoder,
  options: { decodeEveryRow?: boolean; capacity?: number } = {},
): PacketEncoder {
  const kinds = Uint8Array.from(mappings.map((m) => FAST_KIND[m.rule.encoder]));
  const binary = mappings.map((m) => m.rule.encoder === 'bytes');
  const width = kinds.length;
  const decodeEveryRow = options.decodeEveryRow ?? false;
  const capacity = options.capacity ?? INITIAL_CAPACITY;
  let out = Buffer.allocUnsafe(capacity);
  let pos = 0;
  let fastRows = 0;

  /** Room for n more bytes. */
  function reserve(n: number): void {
    if (pos + n <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, pos + n));
    out.copy(bigger, 0, 0, pos);
    out = bigger;
  }

  /** Reads the length-encoded length at buffer[at]: sets `lengthOf.value` (-1 for NULL) and returns where the value starts. */
  const lengthOf = { value: 0 };
  function readLength(buffer: Buffer, at: number): number {
    const first = buffer[at]!;
    if (first < 0xfb) {
      lengthOf.value = first;
      return at + 1;
    }
    if (first === 0xfb) {
      lengthOf.value = -1;
      return at + 1;
    }
    if (first === 0xfc) {
      lengthOf.value = buffer.readUInt16LE(at + 1);
      return at + 3;
    }
    if (first === 0xfd) {
      lengthOf.value = buffer.readUIntLE(at + 1, 3);
      return at + 4;
    }
    lengthOf.value = Number(buffer.readBigUInt64LE(at + 1));
    return at + 9;
  }

  /** The row's values as read: bytes for binary columns, UTF-8 text for the others. */
  function decode(buffer: Buffer, start: number): SourceRow {
    const row: SourceRow = new Array<string | Buffer | null>(width);
    let at = start;
    for (let i = 0; i < width; i++) {
      at = readLength(buffer, at);
      const length = lengthOf.value;
      if (length < 0) row[i] = null;
      else {
        row[i] = binary[i]
          ? Buffer.from(buffer.subarray(at, at + length))
          : buffer.toString('utf8', at, at + length);
        at += length;
      }
    }
    return row;
  }

  /** Escapes text into out; false when the value holds a NUL (or, for JSON, \u0000) or invalid UTF-8. */
  function writeText(buffer: Buffer, at: number, length: number, json: boolean): boolean {
    reserve(length * 2);
    let o = pos;
    let ascii = true;
    const end = at + length;
    for (let i = at; i < end; i++) {
      const b = buffer[i]!;
      if (b >= 0x80) {
        ascii = false;
        out[o++] = b;
      } else if (b > 0x5c || (b > 0x0d && b < 0x5c) || b === 0x0b || b === 0x0c) {
        out[o++] = b;
      } else if (b === 0x5c) {
        // jsonb cannot hold \u0000: such a row goes to the row encoder, which applies invalid_values
        if (
          json &&
          i + 5 < end &&
          buffer[i + 1] === 0x75 &&
          buffer[i + 2] === 0x30 &&
          buffer[i + 3] === 0x30 &&
          buffer[i + 4] === 0x30 &&
          buffer[i + 5] === 0x30
        )
          return false;
        out[o++] = 0x5c;
        out[o++] = 0x5c;
      } else if (b === 0x09) {
        out[o++] = 0x5c;
        out[o++] = 0x74;
      } else if (b === 0x0a) {
        out[o++] = 0x5c;
        out[o++] = 0x6e;
      } else if (b === 0x0d) {
        out[o++] = 0x5c;
        out[o++] = 0x72;
      } else if (b === 0) {
        return false;
      } else out[o++] = b;
    }
    if (!ascii && !isUtf8(buffer.subarray(at, end))) return false;
    pos = o;
    return true;
  }

  /** Encodes the row in the fast path; false (and nothing written) when it needs the row encoder. */
  function fast(buffer: Buffer, start: number): boolean {
    const rowStart = pos;
    let at = start;
    for (let i = 0; i < width; i++) {
      if (i > 0) {
        reserve(1);
        out[pos++] = 0x09;
      }
      at = readLength(buffer, at);
      const length = lengthOf.value;
      if (length < 0) {
        reserve(2);
        out[pos++] = 0x5c;
        out[pos++] = 0x4e;
        continue;
      }
      let ok = true;
      switch (kinds[i]) {
        case RAW:
          reserve(length);
          for (let j = 0; j < length; j++) out[pos + j] = buffer[at + j]!;
          pos += length;
          break;
        case BOOLEAN: {
          const b = buffer[at];
          reserve(1);
          if (length === 1 && b === 0x31) out[pos++] = 0x74;
          else if (length === 1 && b === 0x30) out[pos++] = 0x66;
          else ok = false;
          break;
        }
        case DATE:
        case TIMESTAMP:
          if (!plainDate(buffer, at, length)) ok = false;
          else {
            reserve(length + 3);
            for (let j = 0; j < length; j++) out[pos + j] = buffer[at + j]!;
            pos += length;
            if (kinds[i] === TIMESTAMP) {
              out[pos++] = 0x2b; // +00
              out[pos++] = 0x30;
              out[pos++] = 0x30;
            }
          }
          break;
        case TEXT:
          ok = writeText(buffer, at, length, false);
          break;
        case JSON_TEXT:
          ok = writeText(buffer, at, length, true);
          break;
        case BYTES: {
          reserve(3 + length * 2);
          out[pos++] = 0x5c; // \\x: COPY's escape for one backslash, then bytea's hex format
          out[pos++] = 0x5c;
          out[pos++] = 0x78;
          for (let j = at, e = at + length; j < e; j++) {
            const b = buffer[j]!;
            out[pos++] = HEX[b >> 4]!;
            out[pos++] = HEX[b & 15]!;
          }
          break;
        }
        default:
          ok = false;
      }
      if (!ok) {
        pos = rowStart;
        return false;
      }
      at += length;
    }
    reserve(1);
    out[pos++] = 0x0a;
    return true;
  }

  return {
    add(buffer, start) {
      if (!decodeEveryRow && fast(buffer, start)) {
        fastRows++;
        return;
      }
      const line = slowPath.line(decode(buffer, start));
      if (line === undefined) return;
      const length = Buffer.byteLength(line);
      reserve(length + 1);
      pos += out.write(line, pos, 'utf8');
      out[pos++] = 0x0a;
    },
    get pendingBytes() {
      return pos;
    },
    take() {
      const slow = slowPath.take();
      const batch: ByteBatch = {
        bytes: out.subarray(0, pos),
        rows: fastRows + slow.rows,
        quarantined: slow.quarantined,
        nulled: slow.nulled,
      };
      out = Buffer.allocUnsafe(capacity);
      pos = 0;
      fastRows = 0;
      return batch;
    },
  };
}
