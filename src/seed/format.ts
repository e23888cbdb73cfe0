// Prints the values of LOAD DATA lines: dates, times and money with plain arithmetic, because the seed
// prints about a million of them and a Date object per value costs more than the rest of the row.

const DAY = 86_400_000;
/** '00' to '99'. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + String(i));
const SIX_DIGITS_PAD = ['000000', '00000', '0000', '000', '00', '0', ''];

/** 'YYYY-MM-DD' of a day counted from 1970-01-01 (proleptic Gregorian, the civil-from-days method). */
export function formatDay(days: number): string {
  const z = days + 719_468; // days from 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // March is 0
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]!}-${TWO_DIGITS[day]!}`;
}

/** 'YYYY-MM-DD' of an instant in ms (UTC). */
export function formatDate(ms: number): string {
  return formatDay(Math.floor(ms / DAY));
}

/** 'YYYY-MM-DD hh:mm:ss' of an instant in ms (UTC), without fractions. */
export function formatSeconds(ms: number): string {
  const days = Math.floor(ms / DAY);
  const inDay = Math.floor((ms - days * DAY) / 1000);
  const h = Math.floor(inDay / 3600);
  const m = Math.floor((inDay - h * 3600) / 60);
  return `${formatDay(days)} ${TWO_DIGITS[h]!}:${TWO_DIGITS[m]!}:${TWO_DIGITS[inDay - h * 3600 - m * 60]!}`;
}

/** 'YYYY-MM-DD hh:mm:ss.ffffff' for an instant in whole ms (UTC) plus extra microseconds (0 to 999). */
export function formatDateTime(ms: number, micros = 0): string {
  const wholeSeconds = Math.floor(ms / 1000);
  const fraction = String((ms - wholeSeconds * 1000) * 1000 + micros);
  return `${formatSeconds(wholeSeconds * 1000)}.${SIX_DIGITS_PAD[fraction.length]!}${fraction}`;
}

/** Cents as a DECIMAL literal: -1234 -> '-12.34'. */
export function formatMoney(cents: number): string {
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  return `${cents < 0 ? '-' : ''}${units}.${TWO_DIGITS[abs - units * 100]!}`;
}
