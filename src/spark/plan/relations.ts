// Builders for relation nodes (the logical plan): SQL, tables and data sources, and the relational
// operations ferry's DataFrame API compiles to. Each takes its input first and returns a new frozen
// node; the input is shared, never copied or changed.
import { aliasNode } from './expressions.js';
import type { ExpressionNode, JoinType, RelationNode, SortOrderNode } from './nodes.js';

const node = (relation: RelationNode): RelationNode => Object.freeze(relation);
const list = <T>(items: readonly T[]): readonly T[] => Object.freeze([...items]);

/** A Spark SQL query as a relation. */
export function sql(query: string): RelationNode {
  return node({ sql: Object.freeze({ query }) });
}

/** A table or view known to the Spark session ("db.table"). */
export function table(identifier: string, options: Record<string, string> = {}): RelationNode {
  return node({
    read: Object.freeze({
      named_table: Object.freeze({ unparsed_identifier: identifier, options: Object.freeze({ ...options }) }),
    }),
  });
}

export interface DataSourceRead {
  format: string;
  options?: Record<string, string>;
  /** DDL ("id bigint, name string"); inferred by the source when absent. */
  schema?: string;
  /** JDBC only: one WHERE condition per partition. */
  predicates?: readonly string[];
}

/** A read through a data source: format 'jdbc', 'parquet', ... */
export function readSource(source: DataSourceRead): RelationNode {
  return node({
    read: Object.freeze({
      data_source: Object.freeze({
        format: source.format,
        options: Object.freeze({ ...(source.options ?? {}) }),
        predicates: list(source.predicates ?? []),
        ...(source.schema === undefined ? {} : { schema: source.schema }),
      }),
    }),
  });
}

/** Integers from start (inclusive) to end (exclusive). */
export function range(
  start: number | bigint,
  end: number | bigint,
  step: number | bigint = 1,
  partitions?: number,
): RelationNode {
  return node({
    range: Object.freeze({
      start: String(start),
      end: String(end),
      step: String(step),
      ...(partitions === undefined ? {} : { num_partitions: partitions }),
    }),
  });
}

/** SELECT expressions FROM input; without an input, a single row of the expressions. */
export function project(
  input: RelationNode | undefined,
  expressions: readonly ExpressionNode[],
): RelationNode {
  return node({ project: Object.freeze({ ...(input ? { input } : {}), expressions: list(expressions) }) });
}

export function filter(input: RelationNode, condition: ExpressionNode): RelationNode {
  return node({ filter: Object.freeze({ input, condition }) });
}

export type JoinHow = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'cross';

const JOIN_TYPES: Readonly<Record<JoinHow, JoinType>> = {
  inner: 'JOIN_TYPE_INNER',
  left: 'JOIN_TYPE_LEFT_OUTER',
  right: 'JOIN_TYPE_RIGHT_OUTER',
  full: 'JOIN_TYPE_FULL_OUTER',
  semi: 'JOIN_TYPE_LEFT_SEMI',
  anti: 'JOIN_TYPE_LEFT_ANTI',
  cross: 'JOIN_TYPE_CROSS',
};

export interface JoinSpec {
  how?: JoinHow;
  /** A join condition over qualified columns (alias both sides with subqueryAlias). */
  on?: ExpressionNode;
  /** Or: columns with the same name on both sides (JOIN ... USING). */
  using?: readonly string[];
}

export function join(left: RelationNode, right: RelationNode, spec: JoinSpec): RelationNode {
  if (spec.on && spec.using) throw new TypeError('a join takes either "on" or "using", not both');
  return node({
    join: Object.freeze({
      left,
      right,
      join_type: JOIN_TYPES[spec.how ?? 'inner'],
      using_columns: list(spec.using ?? []),
      ...(spec.on ? { join_condition: spec.on } : {}),
    }),
  });
}

/** GROUP BY groupBy, computing aggregates (each usually an alias of an aggregate function). */
export function aggregate(
  input: RelationNode,
  groupBy: readonly ExpressionNode[],
  aggregates: readonly ExpressionNode[],
): RelationNode {
  return node({
    aggregate: Object.freeze({
      input,
      group_type: 'GROUP_TYPE_GROUPBY',
      grouping_expressions: list(groupBy),
      aggregate_expressions: list(aggregates),
    }),
  });
}

/** Adds columns, or replaces those of the same name; keeps every other column. */
export function withColumns(
  input: RelationNode,
  columns: Readonly<Record<string, ExpressionNode>>,
): RelationNode {
  return node({
    with_columns: Object.freeze({
      input,
      aliases: list(Object.entries(columns).map(([name, expr]) => aliasNode(expr, name))),
    }),
  });
}

export function sort(input: RelationNode, order: readonly SortOrderNode[]): RelationNode {
  return node({ sort: Object.freeze({ input, order: list(order), is_global: true }) });
}

export function limit(input: RelationNode, count: number): RelationNode {
  if (!Number.isInteger(count) || count < 0)
    throw new TypeError(`limit must be a non-negative integer, not ${count}`);
  return node({ limit: Object.freeze({ input, limit: count }) });
}

/** Names a relation so its columns can be qualified: subqueryAlias(orders, 'o') then col('o.id'). */
export function subqueryAlias(input: RelationNode, alias: string): RelationNode {
  return node({ subquery_alias: Object.freeze({ input, alias }) });
}

/** Distinct rows, over all columns or the named ones. */
export function distinct(input: RelationNode, columns?: readonly string[]): RelationNode {
  return node({
    deduplicate: Object.freeze(
      columns === undefined
        ? { input, column_names: list([]), all_columns_as_keys: true }
        : { input, column_names: list(columns) },
    ),
  });
}

export function drop(input: RelationNode, columns: readonly string[]): RelationNode {
  return node({ drop: Object.freeze({ input, column_names: list(columns) }) });
}

export function repartition(input: RelationNode, partitions: number): RelationNode {
  return node({ repartition: Object.freeze({ input, num_partitions: partitions, shuffle: true }) });
}
