// The one widening of target columns, for every copier that follows the source's schema (the
// incremental merge, a full load whose table views keep, and the change apply): which type changes
// cannot lose a value (integers to larger integers, a longer varchar, varchar to text, a larger
// decimal that keeps its integer digits, real to double, more fractional seconds), and applying
// them in place with the dependent views kept (connectors/postgres/alter-column-types.ts).
import { alterColumnTypes } from '../connectors/postgres/alter-column-types.js';
import type { Queryable } from '../connectors/postgres/connect.js';

/** A target column whose type should change, in format_type's spelling. */
export interface TypeChange {
  /** The target column (its targetName). */
  column: string;
  from: string;
  to: string;
}

export interface Widened {
  changes: TypeChange[];
  /** PostgreSQL rewrote the table: it held an ACCESS EXCLUSIVE lock meanwhile. */
  rewritten: boolean;
  /** Views dropped and created again (schema.name). */
  views: string[];
  seconds: number;
  /** One line for the run summary. */
  summary: string;
}

/** Decimal digits before the point that each integer type can hold. */
const INTEGER_DIGITS: Record<string, number> = { smallint: 5, integer: 10, bigint: 19 };

interface Parsed {
  base: string;
  args: number[];
}

function parse(type: string): Parsed {
  const m = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?( with(?:out)? time zone)?$/.exec(type.trim());
  if (!m) return { base: type, args: [] };
  const args = [m[2], m[3]].filter((a) => a !== undefined).map(Number);
  return { base: `${m[1]}${m[4] ?? ''}`, args };
}

/** Whether every value of type `from` is a value of type `to` (PostgreSQL format_type texts). */
export function isLosslessWidening(from: string, to: string): boolean {
  if (from === to) return false;
  const a = parse(from);
  const b = parse(to);
  const intA = INTEGER_DIGITS[a.base];
  if (intA !== undefined) {
    const intB = INTEGER_DIGITS[b.base];
    if (intB !== undefined) return intB > intA;
    // numeric(p,s) holds p - s integer digits.
    return b.base === 'numeric' && b.args.length === 2 && b.args[0]! - b.args[1]! >= intA;
  }
  if (a.base === 'numeric' && b.base === 'numeric' && a.args.length === 2 && b.args.length === 2)
    return b.args[1]! >= a.args[1]! && b.args[0]! - b.args[1]! >= a.args[0]! - a.args[1]!;
  if (a.base === 'character varying')
    return (
      (b.base === 'character varying' && (b.args[0] ?? Infinity) >= (a.args[0] ?? Infinity)) ||
      b.base === 'text'
    );
  if (a.base === 'real') return b.base === 'double precision';
  // timestamp(p) and interval(p): more fractional digits; the same zone handling.
  if (
    (a.base.startsWith('timestamp') || a.base === 'interval') &&
    a.base === b.base &&
    (b.args[0] ?? 6) >= (a.args[0] ?? 6)
  )
    return true;
  return false;
}

/** "widened qty integer -> bigint, name character varying(10) -> character varying(200)" */
export function describeWidening(changes: readonly TypeChange[]): string {
  return `widened ${changes.map((c) => `${c.column} ${c.from} -> ${c.to}`).join(', ')}`;
}

/** Changes that can be followed in place, and the others. */
export function splitTypeChanges(changes: readonly TypeChange[]): {
  widen: TypeChange[];
  other: TypeChange[];
} {
  return {
    widen: changes.filter((c) => isLosslessWidening(c.from, c.to)),
    other: changes.filter((c) => !isLosslessWidening(c.from, c.to)),
  };
}

/**
 * Widens columns of a target table in place, inside the caller's transaction. Throws when a change
 * is not a lossless widening (a bug in the caller: split them first).
 */
export async function widenColumns(
  db: Queryable,
  target: { schema: string; table: string },
  changes: readonly TypeChange[],
): Promise<Widened> {
  const refused = changes.filter((c) => !isLosslessWidening(c.from, c.to));
  if (refused.length > 0)
    throw new Error(
      `not a lossless widening: ${refused.map((c) => `${c.column} ${c.from} -> ${c.to}`).join(', ')}`,
    );
  const altered = await alterColumnTypes(
    db,
    target.schema,
    target.table,
    changes.map((c) => ({ column: c.column, type: c.to })),
  );
  const summary = [
    describeWidening(changes),
    altered.rewritten
      ? `${target.schema}.${target.table} was rewritten under an exclusive lock (${altered.seconds.toFixed(1)} s; readers and writers waited)`
      : 'no rewrite',
    ...(altered.views.length > 0 ? [`views ${altered.views.join(', ')} dropped and created again`] : []),
  ].join('; ');
  return { changes: [...changes], ...altered, summary };
}
