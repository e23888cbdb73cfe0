// Prints a double the way MySQL and MariaDB print a DOUBLE in a result set (their my_gcvt() with a
// field wide enough for every digit): the shortest digits that read back as the same double, in
// fixed notation when the decimal exponent lies between -14 and 15 (or the digits reach past the
// decimal point), otherwise as d.ddde[-]N with no '+' and no zero padding. Examples, checked against
// the server in test/unit/binlog/format-double.test.ts and the integration tests:
//   1e14 -> 100000000000000, 1e15 -> 1e15, 0.00001 -> 0.00001, 1e-15/3 -> 3.3333333333333336e-16,
//   -1.7976931348623157e308 -> -1.7976931348623157e308, 1234567890123456.8 -> 1234567890123456.8

/** Exponent limit of the fixed notation (DBL_DIG in the servers' source). */
const MAX_DECPT_FOR_F_FORMAT = 15;

export function formatDouble(x: number): string {
  if (x === 0) return '0'; // the servers print -0 as 0 too
  // toExponential() without digits gives the shortest round-trip digits, as dtoa's mode 0 does.
  const exp = x.toExponential();
  const negative = exp.charCodeAt(0) === 45; // '-'
  const e = exp.indexOf('e');
  const mantissa = exp.slice(negative ? 1 : 0, e);
  const digits = mantissa.length > 1 ? mantissa[0]! + mantissa.slice(2) : mantissa;
  const len = digits.length;
  // decpt: the position of the decimal point relative to the digits (dtoa's convention)
  const decpt = Number(exp.slice(e + 1)) + 1;
  const sign = negative ? '-' : '';
  if (decpt >= -MAX_DECPT_FOR_F_FORMAT + 1 && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt < len) return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
    return sign + digits + '0'.repeat(decpt - len);
  }
  const power = decpt - 1;
  return `${sign}${digits[0]}${len > 1 ? '.' + digits.slice(1) : ''}e${power}`;
}
