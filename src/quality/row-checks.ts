// Row checks compiled once per stream into plain predicates over the decoded column values, so the
// hot path pays a function call per check and row and builds nothing unless a row fails.
import type { EncoderKind } from '../schema/type-mapping.js';
import type { RowCheckSpec } from './check-plan.js';
import type { ByteScreen, SourceRow, Failure } from '../schema/row-outcome.js';

type Value = string | Buffer;

interface CompiledRowCheck {
  index: number;
  /** True when the (non-NULL, unless not_null) value passes. */
  passes: (value: Value | null) => boolean;
  failure: (value: Value | null) => Failure;
}

const NUMERIC: ReadonlySet<EncoderKind> = new Set(['integer', 'numeric', 'float', 'boolean']);

const text = (value: Value) => (typeof value === 'string' ? value : value.toString('utf8'));

/** Short text of a value for a failure message. */
function shown(value: Value | null): string {
  if (value === null) return 'NULL';
  const t = text(value);
  return JSON.stringify(t.length > 60 ? t.slice(0, 57) + '...' : t);
}

function characters(t: string): number {
  let n = 0;
  for (const _ of t) n++;
  return n;
}

function predicate(spec: RowCheckSpec, encoder: EncoderKind): (value: Value | null) => boolean {
  switch (spec.kind) {
    case 'not_null':
      return (v) => v !== null;
    case 'accepted_values': {
      // TINYINT(1) arrives as 0/1; `[true, false]` in YAML means those.
      const bool: Record<string, string> = { true: '1', false: '0' };
      const accepted = new Set(encoder === 'boolean' ? spec.values.map((v) => bool[v] ?? v) : spec.values);
      return (v) => v === null || accepted.has(text(v));
    }
    case 'min':
    case 'max': {
      const sign = spec.kind === 'min' ? 1 : -1;
      if (NUMERIC.has(encoder)) {
        const bound = Number(spec.bound);
        // Parsing decimal text is the costly part; the sign alone settles the common `min: 0`.
        const settledBySign =
          spec.kind === 'min'
            ? (t: string) => bound <= 0 && t.charCodeAt(0) !== 45
            : (t: string) => bound >= 0 && t.charCodeAt(0) === 45;
        return (v) => {
          if (v === null) return true;
          const t = text(v);
          return settledBySign(t) || sign * (Number(t) - bound) >= 0;
        };
      }
      const bound = String(spec.bound);
      return (v) => {
        if (v === null) return true;
        const t = text(v);
        return sign > 0 ? t >= bound : t <= bound;
      };
    }
    case 'regex': {
      const re = new RegExp(spec.pattern, 'u');
      return (v) => v === null || re.test(text(v));
    }
    case 'max_length': {
      const max = spec.length;
      return (v) =>
        v === null || (typeof v === 'string' ? v.length <= max || characters(v) <= max : v.length <= max);
    }
  }
}

/** A value as the packet holds it: length -1 for NULL. True only when the value surely passes. */
type BytePasses = (buffer: Buffer, at: number, length: number) => boolean;

/**
 * Bounds of the number an ASCII decimal (-?digits[.digits]) stands for, or undefined for anything
 * else (exponents, more than 15 integer digits): [lo, hi] with lo <= value <= hi, exact integers.
 */
const bounds = { lo: 0, hi: 0 };
function decimalBounds(buffer: Buffer, at: number, length: number): boolean {
  let i = at;
  const end = at + length;
  const negative = buffer[i] === 0x2d;
  if (negative) i++;
  let whole = 0;
  let digits = 0;
  for (; i < end; i++) {
    const d = buffer[i]! - 0x30;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
    digits++;
  }
  if (digits === 0 || digits > 15) return false;
  let fraction = false;
  if (i < end) {
    if (buffer[i] !== 0x2e) return false;
    for (i++; i < end; i++) {
      const d = buffer[i]! - 0x30;
      if (d < 0 || d > 9) return false;
      if (d !== 0) fraction = true;
    }
  }
  bounds.lo = negative ? -whole - (fraction ? 1 : 0) : whole;
  bounds.hi = negative ? -whole : whole + (fraction ? 1 : 0);
  return true;
}

/** Byte-wise order of an ASCII value against ASCII bytes (as the UTF-16 order of the strings), NaN when not ASCII. */
function asciiOrder(buffer: Buffer, at: number, length: number, other: Buffer): number {
  const n = Math.min(length, other.length);
  for (let i = 0; i < n; i++) {
    const b = buffer[at + i]!;
    if (b >= 0x80) return NaN;
    if (b !== other[i]) return b - other[i]!;
  }
  for (let i = n; i < length; i++) if (buffer[at + i]! >= 0x80) return NaN;
  return length - other.length;
}

/**
 * The check on the packet's bytes: the same verdict as predicate() where it says true (a false only
 * sends the row to predicate() on decoded values, which decides). Values are not made into strings
 * except for a regex.
 */
function bytePredicate(spec: RowCheckSpec, encoder: EncoderKind): BytePasses {
  switch (spec.kind) {
    case 'not_null':
      return (_, __, n) => n >= 0;
    case 'accepted_values': {
      const bool: Record<string, string> = { true: '1', false: '0' };
      const accepted = (encoder === 'boolean' ? spec.values.map((v) => bool[v] ?? v) : spec.values).map((v) =>
        Buffer.from(v, 'utf8'),
      );
      return (buffer, at, n) => {
        if (n < 0) return true;
        next: for (const a of accepted) {
          if (a.length !== n) continue;
          for (let i = 0; i < n; i++) if (buffer[at + i] !== a[i]) continue next;
          return true;
        }
        return false;
      };
    }
    case 'min':
    case 'max': {
      const min = spec.kind === 'min';
      if (NUMERIC.has(encoder)) {
        const bound = Number(spec.bound);
        // Number() of the text rounds monotonically: a value whose exact bounds pass passes as a double too.
        return (buffer, at, n) =>
          n < 0 || (decimalBounds(buffer, at, n) && (min ? bounds.lo >= bound : bounds.hi <= bound));
      }
      const bound = Buffer.from(String(spec.bound), 'utf8');
      return (buffer, at, n) => {
        if (n < 0) return true;
        const order = asciiOrder(buffer, at, n, bound);
        return min ? order >= 0 : order <= 0;
      };
    }
    case 'regex': {
      const re = new RegExp(spec.pattern, 'u');
      return (buffer, at, n) => n < 0 || re.test(buffer.toString('utf8', at, at + n));
    }
    case 'max_length': {
      // A UTF-8 value has at least as many bytes as characters.
      const max = spec.length;
      return (_, __, n) => n <= max;
    }
  }
}

function message(spec: RowCheckSpec, value: Value | null): string {
  switch (spec.kind) {
    case 'not_null':
      return 'is NULL';
    case 'accepted_values':
      return `${shown(value)} is not one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'min':
      return `${shown(value)} is below the minimum ${String(spec.bound)}`;
    case 'max':
      return `${shown(value)} is above the maximum ${String(spec.bound)}`;
    case 'regex':
      return `${shown(value)} does not match /${spec.pattern}/`;
    case 'max_length':
      return `${shown(value)} is longer than ${spec.length}`;
  }
}

export interface RowCheckColumns {
  names: readonly string[];
  encoders: readonly EncoderKind[];
}

/**
 * All failures of a row (undefined when it passes every check), with what it reads of a row: the
 * values of `columns`, only whether `presence` columns are NULL, and whether a check can fail the stream.
 */
export type RowChecker = ((row: SourceRow) => Failure[] | undefined) & {
  /** The checks on the packet's bytes (RowGate.screen). */
  readonly screen: ByteScreen;
  readonly columns: readonly number[];
  readonly presence: readonly number[];
  readonly canFail: boolean;
};

export function compileRowChecks(
  specs: readonly RowCheckSpec[],
  columns: RowCheckColumns,
): RowChecker | undefined {
  if (specs.length === 0) return undefined;
  const compiled: CompiledRowCheck[] = specs.map((spec) => {
    const index = columns.names.indexOf(spec.column!);
    return {
      index,
      passes: predicate(spec, columns.encoders[index]!),
      failure: (value) => ({
        check: spec.name,
        code: spec.kind,
        column: spec.column,
        severity: spec.severity,
        message: message(spec, value),
      }),
    };
  });
  const onBytes = specs.map((spec, i) => ({
    index: compiled[i]!.index,
    passes: bytePredicate(spec, columns.encoders[compiled[i]!.index]!),
  }));
  const count = compiled.length;
  const screen: ByteScreen = (buffer, at, length) => {
    for (let i = 0; i < count; i++) {
      const check = onBytes[i]!;
      if (!check.passes(buffer, at[check.index]!, length[check.index]!)) return false;
    }
    return true;
  };
  const checker = (row: SourceRow) => {
    let failures: Failure[] | undefined;
    for (let i = 0; i < count; i++) {
      const check = compiled[i]!;
      const value = row[check.index] ?? null;
      if (!check.passes(value)) (failures ??= []).push(check.failure(value));
    }
    return failures;
  };
  // not_null needs only whether a value is NULL, not the value: such columns need no decoding.
  const valued = new Set(compiled.filter((_, i) => specs[i]!.kind !== 'not_null').map((c) => c.index));
  return Object.assign(checker, {
    screen,
    columns: [...valued],
    presence: [...new Set(compiled.map((c) => c.index))].filter((i) => !valued.has(i)),
    canFail: specs.some((s) => s.severity === 'fail'),
  });
}
