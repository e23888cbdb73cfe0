// Turns MySQL text-protocol row packets straight into COPY text bytes, without making a string or
// an array per row; row checks read the packet's bytes too (RowGate.screen). Values that are plain
// (the overwhelming majority) are copied or escaped byte by byte; a row with anything a policy or a
// check must judge (a zero date, a NUL byte, a boolean that is not 0/1, a SET, invalid UTF-8) is
// decoded into values and handed to the row encoder, so policies, quarantine and checks behave
// exactly as they do for decoded rows.
import { isUtf8 } from 'node:buffer';
import type { RowEncoder } from './row-encoder.js';
import type { ColumnMapping, EncoderKind } from './type-mapping.js';
import type { SourceRow, SetAsideRow, ValueChange, RowGate } from './row-outcome.js';

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
const RAW = 0; // ASCII the server printed that PostgreSQL reads as is: numbers, BIT strings, TIME, UUID, INET
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
  uuid: RAW,
  inet: RAW,
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

// Byte classes for text: 0 copied as is, 1 escaped, 2 NUL, 3 part of a multi-byte UTF-8 character.
const TEXT_CLASS = new Uint8Array(256);
for (const b of [0x5c, 0x09, 0x0a, 0x0d]) TEXT_CLASS[b] = 1;
TEXT_CLASS[0] = 2;
for (let b = 0x80; b < 0x100; b++) TEXT_CLASS[b] = 3;
const ESCAPED: Record<number, number> = { 0x5c: 0x5c, 0x09: 0x74, 0x0a: 0x6e, 0x0d: 0x72 };

/**
 * Writes buffer[at, end) as COPY text into dst at o and returns the new offset, or -1 when the value
 * holds a NUL (or, for JSON, \u0000, which jsonb cannot hold) or is not valid UTF-8.
 */
function writeText(buffer: Buffer, at: number, end: number, dst: Buffer, o: number, json: boolean): number {
  let i = at;
  while (i < end && TEXT_CLASS[buffer[i]!] === 0) i++;
  if (i === end) {
    // the common case: plain ASCII, nothing to escape
    const length = end - at;
    if (length > 32) buffer.copy(dst, o, at, end);
    else for (let j = 0; j < length; j++) dst[o + j] = buffer[at + j]!;
    return o + length;
  }
  for (let j = at; j < i; j++) dst[o++] = buffer[j]!;
  let multiByte = false;
  for (; i < end; i++) {
    const b = buffer[i]!;
    const c = TEXT_CLASS[b];
    if (c === 0) dst[o++] = b;
    else if (c === 3) {
      multiByte = true;
      dst[o++] = b;
    } else if (c === 1) {
      if (
        json &&
        b === 0x5c &&
        i + 5 < end &&
        buffer[i + 1] === 0x75 &&
        buffer[i + 2] === 0x30 &&
        buffer[i + 3] === 0x30 &&
        buffer[i + 4] === 0x30 &&
        buffer[i + 5] === 0x30
      )
        return -1;
      dst[o++] = 0x5c;
      dst[o++] = ESCAPED[b]!;
    } else return -1;
  }
  if (multiByte && !isUtf8(buffer.subarray(at, end))) return -1;
  return o;
}

const PLAIN = 0; // copied as it is
const ESCAPE = 1; // needs COPY escapes (written by writeText)
const REFUSED = 2; // a NUL byte or invalid UTF-8: the row encoder judges it

/** Whether text can be copied as it is: no byte COPY escapes, no NUL, and valid UTF-8. */
function plainText(buffer: Buffer, at: number, end: number): number {
  let multiByte = false;
  for (let i = at; i < end; i++) {
    const c = TEXT_CLASS[buffer[i]!];
    if (c === 0) continue;
    if (c === 3) multiByte = true;
    else return c === 1 ? ESCAPE : REFUSED;
  }
  return multiByte && !isUtf8(buffer.subarray(at, end)) ? REFUSED : PLAIN;
}

const INITIAL_CAPACITY = 256 * 1024;

export function createPacketEncoder(
  mappings: readonly ColumnMapping[],
  slowPath: RowEncoder,
  options: { gate?: RowGate; capacity?: number } = {},
): PacketEncoder {
  const kinds = Uint8Array.from(mappings.map((m) => FAST_KIND[m.rule.encoder]));
  const binary = mappings.map((m) => m.rule.encoder === 'bytes');
  const width = kinds.length;
  // Row checks see only the columns they read, decoded; the row itself still takes the byte path.
  const gate =
    options.gate && options.gate.columns.length + options.gate.presence.length > 0 ? options.gate : undefined;
  const checked = new Uint8Array(width); // 1: decode the value, 2: only say whether it is NULL
  for (const i of gate?.presence ?? []) checked[i] = 2;
  for (const i of gate?.columns ?? []) checked[i] = 1;
  /** Reused for every row's check: the gate keeps no reference to a row that passes. */
  const checkRow: SourceRow = new Array<string | Buffer | null>(width).fill(null);
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

  /**
   * The row's values as read: bytes for binary columns, UTF-8 text for the others. With `only` (a mask
   * by column), into `into`, and only the masked columns.
   */
  function decode(buffer: Buffer, start: number, only?: Uint8Array, into?: SourceRow): SourceRow {
    const row: SourceRow = into ?? new Array<string | Buffer | null>(width);
    let at = start;
    for (let i = 0; i < width; i++) {
      at = readLength(buffer, at);
      const length = lengthOf.value;
      if (only && only[i] !== 1) {
        if (only[i] === 2) row[i] = length < 0 ? null : '';
        if (length > 0) at += length;
      } else if (length < 0) row[i] = null;
      else {
        row[i] = binary[i]
          ? Buffer.from(buffer.subarray(at, at + length))
          : buffer.toString('utf8', at, at + length);
        at += length;
      }
    }
    return row;
  }

  // Where the bytes of the row's pending run change once copied: a length byte that becomes the tab
  // before its value, a TINYINT(1)'s 0/1 that becomes f/t. Offsets in the packet; at most two a column.
  const patchAt = new Int32Array(2 * width);
  const patchTo = new Uint8Array(2 * width);
  let patches = 0;

  /**
   * Copies the packet's bytes [from, to) to dst at o as they are (one native copy for long runs),
   * applies the pending patches, and returns the offset after them.
   */
  function flush(buffer: Buffer, from: number, to: number, dst: Buffer, o: number): number {
    const n = to - from;
    if (n <= 0) return o;
    if (n > 24) buffer.copy(dst, o, from, to);
    else for (let j = 0; j < n; j++) dst[o + j] = buffer[from + j]!;
    for (let k = 0; k < patches; k++) dst[o + patchAt[k]! - from] = patchTo[k]!;
    patches = 0;
    return o + n;
  }

  /**
   * Encodes the row in the fast path into out; false (and nothing written) when it needs the row
   * encoder. A COPY line is the packet itself where values need no change: each value's one-byte
   * length becomes the tab before it. So the row is copied in runs of bytes, broken only where a
   * value changes size (NULL, a timestamp's zone, an escape, hex, a long length prefix). Room for the
   * worst case is reserved once per row: escaping at most doubles a value, hex doubles it plus 3, a
   * NULL (1 byte in) becomes 2, a timestamp gains 3.
   */
  function fast(buffer: Buffer, start: number, end: number): boolean {
    reserve(2 * (end - start) + 3 * width + 1);
    const dst = out;
    let o = pos;
    let at = start;
    // The pending run: packet bytes [from, at) not yet copied to dst[o..]. Column 0's length is not in it.
    let from = start + 1;
    patches = 0;
    for (let i = 0; i < width; i++) {
      let length = buffer[at]!;
      let value = at + 1;
      if (length === 0xfb) {
        // NULL: its marker becomes the tab, then \N
        if (i > 0) {
          patchAt[patches] = at;
          patchTo[patches++] = 0x09;
        }
        o = flush(buffer, from, i > 0 ? at + 1 : at, dst, o);
        dst[o++] = 0x5c;
        dst[o++] = 0x4e;
        from = at = value;
        continue;
      }
      if (length > 0xfb) {
        // a long value's 3-, 4- or 9-byte length: the run ends before it, the tab is written
        o = flush(buffer, from, at, dst, o);
        if (i > 0) dst[o++] = 0x09;
        if (length === 0xfc) {
          length = buffer.readUInt16LE(at + 1);
          value = at + 3;
        } else if (length === 0xfd) {
          length = buffer.readUIntLE(at + 1, 3);
          value = at + 4;
        } else {
          length = Number(buffer.readBigUInt64LE(at + 1));
          value = at + 9;
        }
        from = value;
      } else if (i > 0) {
        patchAt[patches] = at;
        patchTo[patches++] = 0x09;
      }
      const next = value + length;
      const kind = kinds[i];
      if (kind === RAW) {
        at = next;
        continue;
      }
      if (kind === DATE || kind === TIMESTAMP) {
        if (!plainDate(buffer, value, length)) return false;
        at = next;
        if (kind === DATE) continue;
        o = flush(buffer, from, next, dst, o);
        dst[o++] = 0x2b; // +00
        dst[o++] = 0x30;
        dst[o++] = 0x30;
        from = next;
        continue;
      }
      if (kind === BOOLEAN) {
        const b = buffer[value];
        if (length !== 1 || (b !== 0x30 && b !== 0x31)) return false;
        patchAt[patches] = value;
        patchTo[patches++] = b === 0x31 ? 0x74 : 0x66;
        at = next;
        continue;
      }
      if (kind === TEXT || kind === JSON_TEXT) {
        const plain = plainText(buffer, value, next);
        if (plain === PLAIN) {
          at = next;
          continue;
        }
        if (plain === REFUSED) return false;
        o = flush(buffer, from, value, dst, o);
        o = writeText(buffer, value, next, dst, o, kind === JSON_TEXT);
        if (o < 0) return false;
      } else if (kind === BYTES) {
        o = flush(buffer, from, value, dst, o);
        dst[o++] = 0x5c; // \\x: COPY's escape for one backslash, then bytea's hex format
        dst[o++] = 0x5c;
        dst[o++] = 0x78;
        for (let j = value; j < next; j++) {
          const b = buffer[j]!;
          dst[o++] = HEX[b >> 4]!;
          dst[o++] = HEX[b & 15]!;
        }
      } else return false;
      from = at = next;
    }
    o = flush(buffer, from, at, dst, o);
    dst[o++] = 0x0a;
    pos = o;
    return true;
  }

  // Where each value of the row starts and its length (-1: NULL), for the checks on the bytes.
  const valueAt = new Int32Array(width);
  const valueLength = new Int32Array(width);
  function locate(buffer: Buffer, start: number): void {
    let at = start;
    for (let i = 0; i < width; i++) {
      at = readLength(buffer, at);
      valueAt[i] = at;
      valueLength[i] = lengthOf.value;
      if (lengthOf.value > 0) at += lengthOf.value;
    }
  }
  const screen = gate?.screen;

  return {
    add(buffer, start, end) {
      if (gate) {
        if (screen) locate(buffer, start);
        const failures =
          screen && screen(buffer, valueAt, valueLength)
            ? undefined
            : gate.check(decode(buffer, start, checked, checkRow));
        if (failures) {
          slowPath.setAside(decode(buffer, start), failures);
          return;
        }
      }
      if (fast(buffer, start, end)) {
        fastRows++;
        return;
      }
      const line = slowPath.line(decode(buffer, start), gate !== undefined);
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
