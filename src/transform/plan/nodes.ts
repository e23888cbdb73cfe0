// The DataFrame query plan: an immutable tree of frozen plain objects, engine-neutral. Every engine
// compiler (engines/postgres, engines/duckdb, later Spark Connect) walks these nodes and nothing else.
// docs/transform.md ("The plan tree") describes each node; add a node here and a case in every compiler.

/** A relation: what a DataFrame is. */
export type PlanNode =
  | SourceNode
  | RefNode
  | FilterNode
  | ProjectNode
  | WithColumnNode
  | AggregateNode
  | JoinNode
  | SortNode
  | LimitNode
  | DistinctNode
  | AliasNode;

/** A replicated table: source('shop', 'orders'). */
export interface SourceNode {
  readonly kind: 'Source';
  readonly source: string;
  readonly table: string;
}

/** Another model: ref('stg_orders'). */
export interface RefNode {
  readonly kind: 'Ref';
  readonly model: string;
}

export interface FilterNode {
  readonly kind: 'Filter';
  readonly input: PlanNode;
  readonly condition: Expr;
}

/** SELECT of named expressions (each an Alias or a column). */
export interface ProjectNode {
  readonly kind: 'Project';
  readonly input: PlanNode;
  readonly columns: readonly Expr[];
}

/** Every input column plus one more. */
export interface WithColumnNode {
  readonly kind: 'WithColumn';
  readonly input: PlanNode;
  readonly name: string;
  readonly expr: Expr;
}

/** GROUP BY keys, with aggregate expressions (each an Alias). */
export interface AggregateNode {
  readonly kind: 'Aggregate';
  readonly input: PlanNode;
  readonly keys: readonly Expr[];
  readonly aggregates: readonly Expr[];
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

/** A join on shared column names (USING, one output column each) or on a condition. */
export interface JoinNode {
  readonly kind: 'Join';
  readonly left: PlanNode;
  readonly right: PlanNode;
  readonly how: JoinType;
  readonly using: readonly string[] | null;
  readonly condition: Expr | null;
}

export interface SortNode {
  readonly kind: 'Sort';
  readonly input: PlanNode;
  readonly orders: readonly SortOrderExpr[];
}

export interface LimitNode {
  readonly kind: 'Limit';
  readonly input: PlanNode;
  readonly count: number;
}

export interface DistinctNode {
  readonly kind: 'Distinct';
  readonly input: PlanNode;
}

/** Names a relation so conditions can say col('o.id'). */
export interface AliasNode {
  readonly kind: 'Alias';
  readonly input: PlanNode;
  readonly alias: string;
}

/** A scalar, aggregate or window expression. */
export type Expr =
  | ColumnExpr
  | LiteralExpr
  | BinaryExpr
  | UnaryExpr
  | CallExpr
  | CaseExpr
  | CastExpr
  | AliasExpr
  | WindowExpr
  | SortOrderExpr
  | InListExpr;

/** A column, optionally qualified by a relation alias: col('o.id') -> { relation: 'o', name: 'id' }. */
export interface ColumnExpr {
  readonly kind: 'Column';
  readonly relation: string | null;
  readonly name: string;
}

export interface LiteralExpr {
  readonly kind: 'Literal';
  readonly value: string | number | bigint | boolean | null;
}

export type BinaryOp =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'and'
  | 'or'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'mod'
  | 'concat'
  | 'like';

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export type UnaryOp = 'not' | 'neg' | 'isNull' | 'isNotNull';

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

/** A function from ferry's portable function list (functions.ts); engines map each name to their SQL. */
export interface CallExpr {
  readonly kind: 'Call';
  readonly fn: string;
  readonly args: readonly Expr[];
  /** COUNT(DISTINCT x) and friends. */
  readonly distinct: boolean;
}

export interface CaseExpr {
  readonly kind: 'Case';
  readonly branches: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly otherwise: Expr | null;
}

/** Portable type names; each engine's dialect spells them (types in dialect files). */
export type PortableType =
  | 'boolean'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'double'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | `decimal(${number},${number})`;

export interface CastExpr {
  readonly kind: 'Cast';
  readonly expr: Expr;
  readonly type: PortableType;
}

export interface AliasExpr {
  readonly kind: 'Alias';
  readonly expr: Expr;
  readonly name: string;
}

export interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortOrderExpr[];
  /** ROWS BETWEEN <start> AND <end>; null for the engine's default frame. */
  readonly frame: { readonly start: FrameBound; readonly end: FrameBound } | null;
}

/** 'unbounded' preceding/following, 0 = current row, negative = preceding, positive = following. */
export type FrameBound = number | 'unboundedPreceding' | 'unboundedFollowing';

export interface WindowExpr {
  readonly kind: 'Window';
  readonly fn: CallExpr;
  readonly spec: WindowSpec;
}

export interface SortOrderExpr {
  readonly kind: 'SortOrder';
  readonly expr: Expr;
  readonly descending: boolean;
  /** Where NULLs go; engines differ in their default, so ferry always spells it out. */
  readonly nullsFirst: boolean;
}

export interface InListExpr {
  readonly kind: 'InList';
  readonly expr: Expr;
  readonly values: readonly Expr[];
}

/** Freezes a node (shallowly: its children are frozen when they are made). */
export function node<T extends PlanNode | Expr>(value: T): T {
  return Object.freeze(value);
}
