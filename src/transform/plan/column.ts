// Column: a typed, immutable wrapper over an expression node, with PySpark-style methods.
import {
  node,
  type BinaryOp,
  type CaseExpr,
  type Expr,
  type PortableType,
  type SortOrderExpr,
  type UnaryOp,
  type WindowSpec,
} from './nodes.js';
import type { WindowBuilder } from './window.js';

export type Scalar = string | number | bigint | boolean | null;
/** Where a Column is expected, a plain value is a literal and a Column is itself. */
export type ColumnLike = Column | Scalar;

export function toExpr(value: ColumnLike): Expr {
  return value instanceof Column ? value.expr : node({ kind: 'Literal', value });
}

/** A column name is a column; anything else is as toExpr. */
export function nameOrColumn(value: string | Column): Expr {
  return typeof value === 'string' ? col(value).expr : value.expr;
}

export class Column {
  constructor(readonly expr: Expr) {
    Object.freeze(this);
  }

  private binary(op: BinaryOp, other: ColumnLike): Column {
    return new Column(node({ kind: 'Binary', op, left: this.expr, right: toExpr(other) }));
  }
  private unary(op: UnaryOp): Column {
    return new Column(node({ kind: 'Unary', op, operand: this.expr }));
  }

  eq(other: ColumnLike) {
    return this.binary('eq', other);
  }
  ne(other: ColumnLike) {
    return this.binary('ne', other);
  }
  lt(other: ColumnLike) {
    return this.binary('lt', other);
  }
  le(other: ColumnLike) {
    return this.binary('le', other);
  }
  gt(other: ColumnLike) {
    return this.binary('gt', other);
  }
  ge(other: ColumnLike) {
    return this.binary('ge', other);
  }
  and(other: ColumnLike) {
    return this.binary('and', other);
  }
  or(other: ColumnLike) {
    return this.binary('or', other);
  }
  plus(other: ColumnLike) {
    return this.binary('add', other);
  }
  minus(other: ColumnLike) {
    return this.binary('sub', other);
  }
  times(other: ColumnLike) {
    return this.binary('mul', other);
  }
  /** True division, as in Spark: the result is a double even for two integers. */
  div(other: ColumnLike) {
    return this.binary('div', other);
  }
  mod(other: ColumnLike) {
    return this.binary('mod', other);
  }
  concat(other: ColumnLike) {
    return this.binary('concat', other);
  }
  like(pattern: string) {
    return this.binary('like', pattern);
  }
  not() {
    return this.unary('not');
  }
  negate() {
    return this.unary('neg');
  }
  isNull() {
    return this.unary('isNull');
  }
  isNotNull() {
    return this.unary('isNotNull');
  }
  isin(...values: ColumnLike[]) {
    return new Column(node({ kind: 'InList', expr: this.expr, values: values.map(toExpr) }));
  }
  between(low: ColumnLike, high: ColumnLike) {
    return this.ge(low).and(this.le(high));
  }
  cast(type: PortableType) {
    return new Column(node({ kind: 'Cast', expr: this.expr, type }));
  }
  as(name: string) {
    return new Column(node({ kind: 'Alias', expr: this.expr, name }));
  }
  alias(name: string) {
    return this.as(name);
  }
  asc(): Column {
    return new Column(sortOrder(this.expr, false));
  }
  desc(): Column {
    return new Column(sortOrder(this.expr, true));
  }
  /** A window function or aggregate over a window: rowNumber().over(Window.partitionBy('c').orderBy('d')). */
  over(window: WindowBuilder | WindowSpec): Column {
    if (this.expr.kind !== 'Call')
      throw new TypeError('over() applies to a function call such as rowNumber() or sum(...)');
    const spec = 'spec' in window ? window.spec : window;
    return new Column(node({ kind: 'Window', fn: this.expr, spec }));
  }
}

export function sortOrder(expr: Expr, descending: boolean): SortOrderExpr {
  if (expr.kind === 'SortOrder') return expr;
  // NULLs sort as the largest value, as PostgreSQL does by default; ferry spells it out for every engine.
  return node({ kind: 'SortOrder', expr, descending, nullsFirst: descending });
}

/** col('amount'), or col('o.amount') for a column of the relation aliased 'o'. */
export function col(name: string): Column {
  const dot = name.indexOf('.');
  return new Column(
    node(
      dot > 0
        ? { kind: 'Column', relation: name.slice(0, dot), name: name.slice(dot + 1) }
        : { kind: 'Column', relation: null, name },
    ),
  );
}

export function lit(value: Scalar): Column {
  return new Column(node({ kind: 'Literal', value }));
}

/** when(cond, value).when(...).otherwise(value) */
export class CaseBuilder extends Column {
  constructor(branches: readonly { when: Expr; then: Expr }[]) {
    super(node({ kind: 'Case', branches, otherwise: null }));
  }
  private get branches() {
    return (this.expr as CaseExpr).branches;
  }
  when(condition: Column, value: ColumnLike): CaseBuilder {
    return new CaseBuilder([...this.branches, { when: condition.expr, then: toExpr(value) }]);
  }
  otherwise(value: ColumnLike): Column {
    return new Column(node({ kind: 'Case', branches: this.branches, otherwise: toExpr(value) }));
  }
}

export function when(condition: Column, value: ColumnLike): CaseBuilder {
  return new CaseBuilder([{ when: condition.expr, then: toExpr(value) }]);
}
