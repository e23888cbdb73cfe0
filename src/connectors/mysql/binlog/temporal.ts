// Dates and times of the binlog row format, printed as the server prints them in a result set with
// time_zone '+00:00': DATE 'YYYY-MM-DD', DATETIME/TIMESTAMP 'YYYY-MM-DD hh:mm:ss[.f]', TIME
// '[-]hh:mm:ss[.f]' (hours 2 or 3 digits), fractions always with the column's own digits.
// The packed layouts are MySQL 5.6's (DATETIME2, TIME2, TIMESTAMP2), which MariaDB also writes.

const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + String(i));

function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? '0' + String(n) : n >= 10 ? '00' + String(n) : '000' + String(n);
}

function two(n: number): string {
  return n < 100 ? PAD2[n]! : String(n);
}

/** Microseconds as the column's fsp digits, with the leading dot; '' for fsp 0. */
export function fraction(micros: number, fsp: number): string {
  if (fsp === 0) return '';
  const six = String(micros).padStart(6, '0');
  return '.' + six.slice(0, fsp);
}

/** Bytes the fractional part takes after a DATETIME2/TIME2/TIMESTAMP2 value. */
export function fractionBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** Reads the fraction that follows a TIMESTAMP2/DATETIME2 value (big-endian, as microseconds). */
export function readFraction(buf: Buffer, at: number, fsp: number): number {
  switch (fractionBytes(fsp)) {
    case 0:
      return 0;
    case 1:
      return buf[at]! * 10000;
    case 2:
      return buf.readUInt16BE(at) * 100;
    default:
      return buf.readUIntBE(at, 3);
  }
}

export function formatDate(year: number, month: number, day: number): string {
  return `${pad4(year)}-${PAD2[month]}-${PAD2[day]}`;
}

/** DATE (and NEWDATE): 3 bytes little-endian, day in bits 0-4, month 5-8, year above. */
export function readDate(buf: Buffer, at: number): string {
  const v = buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16);
  return formatDate(v >>> 9, (v >>> 5) & 15, v & 31);
}

/** DATETIME2: 5 bytes big-endian, offset by 2^39: year*13+month (17 bits up), day, hour, minute, second. */
export function readDatetime2(buf: Buffer, at: number, fsp: number): string {
  const packed = buf.readUIntBE(at, 5) - 0x8000000000;
  const ymd = Math.floor(packed / 131072); // >> 17
  const hms = packed % 131072;
  const ym = ymd >>> 5;
  const micros = readFraction(buf, at + 5, fsp);
  return (
    `${formatDate(Math.floor(ym / 13), ym % 13, ymd & 31)} ` +
    `${PAD2[hms >>> 12]}:${PAD2[(hms >>> 6) & 63]}:${PAD2[hms & 63]}${fraction(micros, fsp)}`
  );
}

/** Classic DATETIME (mysql56_temporal_format=OFF): 8 bytes little-endian, the digits YYYYMMDDhhmmss. */
export function readDatetimeClassic(buf: Buffer, at: number): string {
  const v = buf.readBigUInt64LE(at);
  const date = Number(v / 1000000n);
  const time = Number(v % 1000000n);
  return (
    `${formatDate(Math.floor(date / 10000), Math.floor(date / 100) % 100, date % 100)} ` +
    `${PAD2[Math.floor(time / 10000)]}:${PAD2[Math.floor(time / 100) % 100]}:${PAD2[time % 100]}`
  );
}

/** Days since 1970-01-01 to a civil date (proleptic Gregorian), without Date objects. */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Dates of recent day numbers: rows of one table tend to share few days, and civil() is the slow part. */
const DATES = new Map<number, string>();

/** A TIMESTAMP's seconds since the epoch in UTC; 0 is the zero timestamp 0000-00-00 00:00:00. */
export function formatTimestamp(seconds: number, micros: number, fsp: number): string {
  if (seconds === 0 && micros === 0) return `0000-00-00 00:00:00${fraction(0, fsp)}`;
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  let date = DATES.get(days);
  if (date === undefined) {
    const [y, m, d] = civil(days);
    date = formatDate(y, m, d);
    if (DATES.size >= 20_000) DATES.clear();
    DATES.set(days, date);
  }
  return (
    `${date} ${PAD2[Math.floor(rest / 3600)]}:${PAD2[Math.floor(rest / 60) % 60]}:` +
    `${PAD2[rest % 60]}${fraction(micros, fsp)}`
  );
}

/** TIMESTAMP2: 4 bytes big-endian seconds, then the fraction. */
export function readTimestamp2(buf: Buffer, at: number, fsp: number): string {
  return formatTimestamp(buf.readUInt32BE(at), readFraction(buf, at + 4, fsp), fsp);
}

function formatTime(
  negative: boolean,
  hours: number,
  minutes: number,
  seconds: number,
  micros: number,
  fsp: number,
) {
  return `${negative ? '-' : ''}${two(hours)}:${PAD2[minutes]}:${PAD2[seconds]}${fraction(micros, fsp)}`;
}

/**
 * TIME2: 3 bytes big-endian offset by 2^23 (hours 10 bits, minutes 6, seconds 6), then the
 * fraction; the whole is a signed (seconds part << 24) + microseconds, a negative time keeping its
 * fraction as a complement so that the bytes sort like the values.
 */
export function readTime2(buf: Buffer, at: number, fsp: number): string {
  let packed: number;
  const bytes = fractionBytes(fsp);
  if (bytes === 3) {
    // 6 bytes as one number offset by 2^47: (seconds part << 24) + microseconds
    packed = buf.readUIntBE(at, 6) - 0x800000000000;
  } else {
    let intpart = buf.readUIntBE(at, 3) - 0x800000;
    let frac = 0;
    if (bytes === 1) {
      frac = buf[at + 3]!;
      if (intpart < 0 && frac) {
        intpart++;
        frac -= 0x100;
      }
      frac *= 10000;
    } else if (bytes === 2) {
      frac = buf.readUInt16BE(at + 3);
      if (intpart < 0 && frac) {
        intpart++;
        frac -= 0x10000;
      }
      frac *= 100;
    }
    packed = intpart * 16777216 + frac;
  }
  const negative = packed < 0;
  if (negative) packed = -packed;
  const hms = Math.floor(packed / 16777216);
  const micros = packed % 16777216;
  return formatTime(negative, (hms >>> 12) & 1023, (hms >>> 6) & 63, hms & 63, micros, fsp);
}

/** Classic TIME: 3 bytes little-endian signed, the digits [-]HHHMMSS. */
export function readTimeClassic(buf: Buffer, at: number): string {
  let v = buf.readIntLE(at, 3);
  const negative = v < 0;
  if (negative) v = -v;
  return formatTime(negative, Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100, 0, 0);
}
