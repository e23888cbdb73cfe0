// A key's canonical text (canonical.ts) read back into SQL literals of each side, so that verify and
// repair find rows by their key through its index, where matching the MD5 of the key text would
// scan the whole table for every batch of keys. One entry per encoder kind, per dialect; a text
// that cannot be read back (floats and JSON print no value, zero dates, an odd separator) gives
// undefined and that key is found by its hash as before.
import type { ColumnMapping, EncoderKind } from '../schema/type-mapping.js';

type Literal = (text: string, m: ColumnMapping) => string | undefined;

const NUMBER = /^-?\d+(\.\d+)?$/;
const BITS = /^[01]+$/;
const HEX = /^[0-9a-f]*$/;

/** MySQL: a utf8mb4 string literal; a literal gives way to the column's character set and collation. */
const mysqlString = (text: string) => `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex')}'`;
/** PostgreSQL: a standard string literal (standard_conforming_strings is on since 9.1). */
const pgString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The digits of `col + 0` (YYYYMMDD[hhmmss][.f]) as 'YYYY-MM-DD[ hh:mm:ss[.f]]', when a real date. */
function dateTimeOf(text: string, withTime: boolean): string | undefined {
  const match = /^(\d+)(\.\d+)?$/.exec(text);
  if (!match || (match[2] && !withTime)) return undefined;
  const digits = match[1]!.padStart(withTime ? 14 : 8, '0');
  if (digits.length !== (withTime ? 14 : 8)) return undefined;
  const [y, mo, d] = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6, 8)];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  // Zero dates and impossible ones are never loaded; PostgreSQL would refuse them as literals.
  if (Number(y) < 1 || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d))
    return undefined;
  if (!withTime) return `${y}-${mo}-${d}`;
  const [h, mi, s] = [digits.slice(8, 10), digits.slice(10, 12), digits.slice(12, 14)];
  return `${y}-${mo}-${d} ${h}:${mi}:${s}${match[2] ?? ''}`;
}

/** Signed microseconds as [-]h:mm:ss.ffffff (TIME and interval both read it). */
function durationOf(text: string): string | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const negative = text.startsWith('-');
  const us = BigInt(negative ? text.slice(1) : text);
  const seconds = us / 1_000_000n;
  const fraction = (us % 1_000_000n).toString().padStart(6, '0');
  const hh = seconds / 3600n;
  const mm = ((seconds / 60n) % 60n).toString().padStart(2, '0');
  const ss = (seconds % 60n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${hh}:${mm}:${ss}.${fraction}`;
}

const quoted = (string: (t: string) => string, read: (t: string) => string | undefined) => (t: string) => {
  const value = read(t);
  return value === undefined ? undefined : string(value);
};

export const MYSQL_KEY_LITERAL: Record<EncoderKind, Literal> = {
  integer: (t) => (NUMBER.test(t) ? t : undefined),
  numeric: (t) => (NUMBER.test(t) ? t : undefined),
  float: () => undefined,
  boolean: (t) => (t === 't' ? '1' : t === 'f' ? '0' : NUMBER.test(t) ? t : undefined),
  bit: (t) => (BITS.test(t) ? `b'${t}'` : undefined),
  date: quoted(mysqlString, (t) => dateTimeOf(t, false)),
  datetime: quoted(mysqlString, (t) => dateTimeOf(t, true)),
  timestamp: quoted(mysqlString, (t) => dateTimeOf(t, true)),
  time: quoted(mysqlString, durationOf),
  text: (t) => mysqlString(t),
  bytes: (t, m) => (HEX.test(t) && !m.rule.select ? `X'${t}'` : undefined),
  set: (t) => mysqlString(t),
  json: () => undefined,
  uuid: (t) => mysqlString(t),
  inet: (t) => mysqlString(t),
};

export const PG_KEY_LITERAL: Record<EncoderKind, Literal> = {
  integer: (t) => (NUMBER.test(t) ? t : undefined),
  numeric: (t) => (NUMBER.test(t) ? t : undefined),
  float: () => undefined,
  boolean: (t) => (t === 't' ? 'true' : t === 'f' ? 'false' : undefined),
  bit: (t) => (BITS.test(t) ? `B'${t}'` : undefined),
  date: quoted(pgString, (t) => dateTimeOf(t, false)),
  datetime: quoted(pgString, (t) => dateTimeOf(t, true)),
  // The canonical text of a timestamp is in UTC.
  timestamp: quoted(pgString, (t) => {
    const value = dateTimeOf(t, true);
    return value === undefined ? undefined : `${value}+00`;
  }),
  time: quoted(pgString, durationOf),
  text: (t) => pgString(t),
  bytes: (t, m) => (HEX.test(t) && !m.rule.select ? `'\\x${t}'::bytea` : undefined),
  // A text[] key would need an array literal; such keys are found by their hash.
  set: () => undefined,
  json: () => undefined,
  uuid: (t) => (/^[0-9a-f-]{36}$/.test(t) ? pgString(t) : undefined),
  inet: (t) => pgString(t),
};

/** The literals of a key text's values in key order, or undefined when one cannot be read back. */
export function keyLiterals(
  keyText: string,
  key: readonly ColumnMapping[],
  literals: Record<EncoderKind, Literal>,
): string[] | undefined {
  const parts = keyText.split('\u001f');
  if (parts.length !== key.length) return undefined;
  const out: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const m = key[i]!;
    if (parts[i] === '\u001e') return undefined; // NULL: never a key value that loaded
    const literal = literals[m.rule.encoder](parts[i]!, m);
    if (literal === undefined) return undefined;
    out.push(literal);
  }
  return out;
}
