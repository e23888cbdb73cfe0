// The binary DECIMAL of the row format (and of DECIMALs inside MySQL's binary JSON), printed as the
// server prints it: groups of 9 digits in 4 bytes big-endian, a shorter group for the leftover
// digits at both ends, the sign in the top bit of the first byte (set for positive values), every
// byte inverted for negative values; the text has exactly `scale` decimals and no leading zeros.
import type { RowCursor, ValueReader } from './column-readers.js';

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

export function decimalBytes(precision: number, scale: number): number {
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9]!;
}

/** [bytes, digits] of each group, whole part first; `whole` of them belong to the whole part. */
function layout(precision: number, scale: number): { groups: [number, number][]; whole: number } {
  const intg = precision - scale;
  const groups: [number, number][] = [];
  if (intg % 9) groups.push([DIG2BYTES[intg % 9]!, intg % 9]);
  for (let i = 0; i < Math.floor(intg / 9); i++) groups.push([4, 9]);
  const whole = groups.length;
  for (let i = 0; i < Math.floor(scale / 9); i++) groups.push([4, 9]);
  if (scale % 9) groups.push([DIG2BYTES[scale % 9]!, scale % 9]);
  return { groups, whole };
}

export function decimalReader(precision: number, scale: number): ValueReader {
  const { groups, whole: wholeGroups } = layout(precision, scale);
  const size = decimalBytes(precision, scale);
  return (c: RowCursor) => {
    const { buf } = c;
    const start = c.pos;
    const positive = (buf[start]! & 0x80) !== 0;
    const mask = positive ? 0 : 0xff;
    let at = start;
    let whole = '';
    let frac = '';
    for (let g = 0; g < groups.length; g++) {
      const [bytes, digits] = groups[g]!;
      let v = 0;
      for (let b = 0; b < bytes; b++, at++) {
        let byte = buf[at]! ^ mask;
        if (at === start) byte ^= 0x80;
        v = v * 256 + byte;
      }
      if (g < wholeGroups)
        whole += whole === '' ? (v === 0 ? '' : String(v)) : String(v).padStart(digits, '0');
      else frac += String(v).padStart(digits, '0');
    }
    c.pos = start + size;
    return `${positive ? '' : '-'}${whole === '' ? '0' : whole}${scale > 0 ? '.' + frac : ''}`;
  };
}
