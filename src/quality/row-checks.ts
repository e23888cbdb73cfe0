// Row checks compiled once per stream into plain predicates over the decoded column values, so the
// hot path pays a function call per check and row and builds nothing unless a row fails.
import type { EncoderKind } from '../schema/type-mapping.js';
import type { RowCheckSpec } from './check-plan.js';
import type { SourceRow, Failure } from '../schema/row-outcome.js';

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
  const count = compiled.length;
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
    columns: [...valued],
    presence: [...new Set(compiled.map((c) => c.index))].filter((i) => !valued.has(i)),
    canFail: specs.some((s) => s.severity === 'fail'),
  });
}
