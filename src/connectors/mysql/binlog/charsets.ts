// Turns the bytes of a character column, in its own character set, into the text the server sends a
// utf8mb4 client for the same value. The collation ids come from the server itself
// (information_schema.COLLATIONS, read when the reader opens), since MySQL and MariaDB number some
// collations differently; only character sets whose conversion ferry has checked byte for byte
// against the server are decoded (test/integration/binlog/values.test.ts); any other makes its column
// undecodable rather than guessed.

export type TextDecoderFn = (buf: Buffer, start: number, end: number) => string;

// MySQL's latin1 is Windows-1252 with the five bytes that cp1252 leaves undefined mapped to the C1
// controls of the same number; so only 0x80-0x9F differ from ISO-8859-1.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

function latin1(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('latin1', start, end);
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80 && b <= 0x9f) {
      return text.replace(/[\u0080-\u009f]/g, (c) =>
        String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!),
      );
    }
  }
  return text;
}

const utf8: TextDecoderFn = (buf, start, end) => buf.toString('utf8', start, end);

const utf16be = new TextDecoder('utf-16be');
const utf16le = new TextDecoder('utf-16le');

function utf32(buf: Buffer, start: number, end: number): string {
  let out = '';
  for (let i = start; i + 3 < end; i += 4) out += String.fromCodePoint(buf.readUInt32BE(i));
  return out;
}

/** The character sets ferry decodes, by the server's name for them. */
export const TEXT_DECODERS: Readonly<Record<string, TextDecoderFn>> = {
  utf8mb4: utf8,
  utf8mb3: utf8,
  utf8: utf8, // MySQL 5.7 / MariaDB before 10.6 call utf8mb3 utf8
  latin1,
  ascii: latin1,
  ucs2: (buf, start, end) => utf16be.decode(buf.subarray(start, end)),
  utf16: (buf, start, end) => utf16be.decode(buf.subarray(start, end)),
  utf16le: (buf, start, end) => utf16le.decode(buf.subarray(start, end)),
  utf32,
};

/**
 * Collation ids of the usual character sets, for a server whose information_schema cannot be read;
 * the same numbers on MySQL and MariaDB.
 */
export const WELL_KNOWN_COLLATIONS: ReadonlyMap<number, string> = new Map([
  [8, 'latin1'],
  [47, 'latin1'],
  [48, 'latin1'],
  [5, 'latin1'],
  [11, 'ascii'],
  [33, 'utf8mb3'],
  [83, 'utf8mb3'],
  [45, 'utf8mb4'],
  [46, 'utf8mb4'],
  [224, 'utf8mb4'],
  [63, 'binary'],
]);
