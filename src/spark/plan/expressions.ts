// Builders for expression nodes: columns, literals, function calls and operators, aliases, casts,
// sort orders and window specifications. Every builder returns a new frozen node.
import type { AliasNode, ExpressionNode, FrameBoundaryNode, LiteralNode, SortOrderNode } from './nodes.js';
import { quoteMysql } from '../../schema/identifiers.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A column by its Spark identifier: "amount", "o.amount", "`odd.name`". */
export function col(identifier: string): ExpressionNode {
  return Object.freeze({ unresolved_attribute: Object.freeze({ unparsed_identifier: identifier }) });
}

/** A column by name parts, each quoted: ident('o', 'order id') is `o`.`order id`. */
export function ident(...parts: string[]): ExpressionNode {
  return col(parts.map(quoteMysql).join('.'));
}

/** "*" or "alias.*". */
export function star(qualifier?: string): ExpressionNode {
  return Object.freeze({
    unresolved_star: Object.freeze(
      qualifier === undefined ? {} : { unparsed_target: `${quoteMysql(qualifier)}.*` },
    ),
  });
}

function literal(node: LiteralNode): ExpressionNode {
  return Object.freeze({ literal: Object.freeze(node) });
}

export type LiteralValue = null | boolean | number | bigint | string | Date | Uint8Array;

/**
 * A literal from a JavaScript value: integers that fit 32 bits become int, other integers bigint,
 * other numbers double, Dates timestamps (microseconds, UTC), bytes binary, null a NULL of type void.
 */
export function lit(value: LiteralValue): ExpressionNode {
  if (value === null) return literal({ null: { null: {} } });
  if (typeof value === 'boolean') return literal({ boolean: value });
  if (typeof value === 'bigint') return literal({ long: value.toString() });
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      return literal({ integer: value });
    if (Number.isSafeInteger(value)) return literal({ long: String(value) });
    return literal({ double: value });
  }
  if (typeof value === 'string') return literal({ string: value });
  if (value instanceof Date) return literal({ timestamp: (BigInt(value.getTime()) * 1000n).toString() });
  return literal({ binary: value });
}

/** An exact decimal literal from its text ("12.50"). */
export function decimalLit(text: string): ExpressionNode {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new TypeError(`not a decimal number: ${text}`);
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const scale = fraction.length;
  const precision = Math.max(whole!.replace(/^0+(?=\d)/, '').length + scale, 1);
  return literal({ decimal: { value: text, precision, scale } });
}

/** A date literal from YYYY-MM-DD. */
export function dateLit(isoDate: string): ExpressionNode {
  const ms = Date.parse(`${isoDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || Number.isNaN(ms)) throw new TypeError(`not a date: ${isoDate}`);
  return literal({ date: Math.round(ms / 86_400_000) });
}

/** A call of a Spark function or operator by name: fn('sum', col('amount')), fn('==', a, b). */
export function fn(name: string, ...args: ExpressionNode[]): ExpressionNode {
  return Object.freeze({
    unresolved_function: Object.freeze({
      function_name: name,
      arguments: Object.freeze(args),
      is_distinct: false,
    }),
  });
}

/** An aggregate over distinct values: distinctFn('count', col('customer_id')). */
export function distinctFn(name: string, ...args: ExpressionNode[]): ExpressionNode {
  return Object.freeze({
    unresolved_function: Object.freeze({
      function_name: name,
      arguments: Object.freeze(args),
      is_distinct: true,
    }),
  });
}

export const eq = (a: ExpressionNode, b: ExpressionNode) => fn('==', a, b);
export const ne = (a: ExpressionNode, b: ExpressionNode) => fn('not', fn('==', a, b));
export const lt = (a: ExpressionNode, b: ExpressionNode) => fn('<', a, b);
export const le = (a: ExpressionNode, b: ExpressionNode) => fn('<=', a, b);
export const gt = (a: ExpressionNode, b: ExpressionNode) => fn('>', a, b);
export const ge = (a: ExpressionNode, b: ExpressionNode) => fn('>=', a, b);
export const add = (a: ExpressionNode, b: ExpressionNode) => fn('+', a, b);
export const sub = (a: ExpressionNode, b: ExpressionNode) => fn('-', a, b);
export const mul = (a: ExpressionNode, b: ExpressionNode) => fn('*', a, b);
export const div = (a: ExpressionNode, b: ExpressionNode) => fn('/', a, b);
export const not = (a: ExpressionNode) => fn('not', a);
export const isNull = (a: ExpressionNode) => fn('isnull', a);
export const isNotNull = (a: ExpressionNode) => fn('isnotnull', a);

/** a AND b AND ... (a single condition is returned as it is). */
export function and(first: ExpressionNode, ...rest: ExpressionNode[]): ExpressionNode {
  return rest.reduce((acc, next) => fn('and', acc, next), first);
}

export function or(first: ExpressionNode, ...rest: ExpressionNode[]): ExpressionNode {
  return rest.reduce((acc, next) => fn('or', acc, next), first);
}

/** An expression in Spark SQL text, parsed by the server: sqlExpr("coalesce(a, 0) * 2"). */
export function sqlExpr(text: string): ExpressionNode {
  return Object.freeze({ expression_string: Object.freeze({ expression: text }) });
}

export function aliasNode(expr: ExpressionNode, name: string): AliasNode {
  return Object.freeze({ expr, name: Object.freeze([name]) });
}

/** expr AS name */
export function as(expr: ExpressionNode, name: string): ExpressionNode {
  return Object.freeze({ alias: aliasNode(expr, name) });
}

/** CAST(expr AS type), the type in Spark SQL: "decimal(12,2)", "timestamp_ntz". */
export function cast(expr: ExpressionNode, type: string): ExpressionNode {
  return Object.freeze({ cast: Object.freeze({ expr, type_str: type }) });
}

export type Nulls = 'first' | 'last';

/** Ascending; NULLs first unless told otherwise (Spark's default for ascending). */
export function asc(expr: ExpressionNode, nulls: Nulls = 'first'): SortOrderNode {
  return Object.freeze({
    child: expr,
    direction: 'SORT_DIRECTION_ASCENDING',
    null_ordering: nulls === 'first' ? 'SORT_NULLS_FIRST' : 'SORT_NULLS_LAST',
  });
}

/** Descending; NULLs last unless told otherwise (Spark's default for descending). */
export function desc(expr: ExpressionNode, nulls: Nulls = 'last'): SortOrderNode {
  return Object.freeze({
    child: expr,
    direction: 'SORT_DIRECTION_DESCENDING',
    null_ordering: nulls === 'first' ? 'SORT_NULLS_FIRST' : 'SORT_NULLS_LAST',
  });
}

/** A frame bound: 'unbounded', 'current', or an offset from the current row (negative = preceding). */
export type FrameBound = 'unbounded' | 'current' | number;

export interface WindowSpec {
  partitionBy?: readonly ExpressionNode[];
  orderBy?: readonly SortOrderNode[];
  frame?: { type: 'rows' | 'range'; lower: FrameBound; upper: FrameBound };
}

function boundary(bound: FrameBound): FrameBoundaryNode {
  if (bound === 'unbounded') return Object.freeze({ unbounded: true });
  if (bound === 'current') return Object.freeze({ current_row: true });
  return Object.freeze({ value: lit(bound) });
}

/** function OVER (PARTITION BY ... ORDER BY ... frame): over(fn('row_number'), { orderBy: [asc(col('id'))] }). */
export function over(windowFunction: ExpressionNode, spec: WindowSpec = {}): ExpressionNode {
  return Object.freeze({
    window: Object.freeze({
      window_function: windowFunction,
      partition_spec: Object.freeze([...(spec.partitionBy ?? [])]),
      order_spec: Object.freeze([...(spec.orderBy ?? [])]),
      ...(spec.frame
        ? {
            frame_spec: Object.freeze({
              frame_type:
                spec.frame.type === 'rows' ? ('FRAME_TYPE_ROW' as const) : ('FRAME_TYPE_RANGE' as const),
              lower: boundary(spec.frame.lower),
              upper: boundary(spec.frame.upper),
            }),
          }
        : {}),
    }),
  });
}
