// The plan tree ferry sends to Spark: frozen plain objects in the protocol's own shape, so a
// tree is built once, shared freely, and encoded as it is. Builders live in expressions.ts,
// relations.ts and commands.ts; these are their types.
import type { DataTypeMessage } from '../data-type.js';

export type SortDirection = 'SORT_DIRECTION_ASCENDING' | 'SORT_DIRECTION_DESCENDING';
export type NullOrdering = 'SORT_NULLS_FIRST' | 'SORT_NULLS_LAST';

export interface LiteralNode {
  readonly null?: DataTypeMessage;
  readonly binary?: Uint8Array;
  readonly boolean?: boolean;
  readonly integer?: number;
  readonly long?: string;
  readonly double?: number;
  readonly decimal?: { readonly value: string; readonly precision?: number; readonly scale?: number };
  readonly string?: string;
  readonly date?: number;
  readonly timestamp?: string;
  readonly timestamp_ntz?: string;
}

export interface SortOrderNode {
  readonly child: ExpressionNode;
  readonly direction: SortDirection;
  readonly null_ordering: NullOrdering;
}

export interface FrameBoundaryNode {
  readonly current_row?: boolean;
  readonly unbounded?: boolean;
  readonly value?: ExpressionNode;
}

export interface WindowNode {
  readonly window_function: ExpressionNode;
  readonly partition_spec: readonly ExpressionNode[];
  readonly order_spec: readonly SortOrderNode[];
  readonly frame_spec?: {
    readonly frame_type: 'FRAME_TYPE_ROW' | 'FRAME_TYPE_RANGE';
    readonly lower: FrameBoundaryNode;
    readonly upper: FrameBoundaryNode;
  };
}

export interface AliasNode {
  readonly expr: ExpressionNode;
  readonly name: readonly string[];
}

/** One Expression message: exactly one of these is set. */
export interface ExpressionNode {
  readonly literal?: LiteralNode;
  readonly unresolved_attribute?: { readonly unparsed_identifier: string };
  readonly unresolved_function?: {
    readonly function_name: string;
    readonly arguments: readonly ExpressionNode[];
    readonly is_distinct: boolean;
  };
  readonly expression_string?: { readonly expression: string };
  readonly unresolved_star?: { readonly unparsed_target?: string };
  readonly alias?: AliasNode;
  readonly cast?: { readonly expr: ExpressionNode; readonly type_str: string };
  readonly sort_order?: SortOrderNode;
  readonly window?: WindowNode;
}

export type JoinType =
  | 'JOIN_TYPE_INNER'
  | 'JOIN_TYPE_FULL_OUTER'
  | 'JOIN_TYPE_LEFT_OUTER'
  | 'JOIN_TYPE_RIGHT_OUTER'
  | 'JOIN_TYPE_LEFT_ANTI'
  | 'JOIN_TYPE_LEFT_SEMI'
  | 'JOIN_TYPE_CROSS';

/** One Relation message: exactly one relation type is set. */
export interface RelationNode {
  readonly sql?: { readonly query: string };
  readonly read?: {
    readonly named_table?: {
      readonly unparsed_identifier: string;
      readonly options: Readonly<Record<string, string>>;
    };
    readonly data_source?: {
      readonly format: string;
      readonly schema?: string;
      readonly options: Readonly<Record<string, string>>;
      readonly predicates: readonly string[];
    };
  };
  readonly range?: {
    readonly start: string;
    readonly end: string;
    readonly step: string;
    readonly num_partitions?: number;
  };
  readonly project?: { readonly input?: RelationNode; readonly expressions: readonly ExpressionNode[] };
  readonly filter?: { readonly input: RelationNode; readonly condition: ExpressionNode };
  readonly join?: {
    readonly left: RelationNode;
    readonly right: RelationNode;
    readonly join_condition?: ExpressionNode;
    readonly join_type: JoinType;
    readonly using_columns: readonly string[];
  };
  readonly aggregate?: {
    readonly input: RelationNode;
    readonly group_type: 'GROUP_TYPE_GROUPBY';
    readonly grouping_expressions: readonly ExpressionNode[];
    readonly aggregate_expressions: readonly ExpressionNode[];
  };
  readonly with_columns?: { readonly input: RelationNode; readonly aliases: readonly AliasNode[] };
  readonly sort?: {
    readonly input: RelationNode;
    readonly order: readonly SortOrderNode[];
    readonly is_global: boolean;
  };
  readonly limit?: { readonly input: RelationNode; readonly limit: number };
  readonly subquery_alias?: { readonly input: RelationNode; readonly alias: string };
  readonly deduplicate?: {
    readonly input: RelationNode;
    readonly column_names: readonly string[];
    readonly all_columns_as_keys?: boolean;
  };
  readonly drop?: { readonly input: RelationNode; readonly column_names: readonly string[] };
  readonly repartition?: {
    readonly input: RelationNode;
    readonly num_partitions: number;
    readonly shuffle: boolean;
  };
}

export type SaveMode =
  'SAVE_MODE_APPEND' | 'SAVE_MODE_OVERWRITE' | 'SAVE_MODE_ERROR_IF_EXISTS' | 'SAVE_MODE_IGNORE';

export interface CommandNode {
  readonly sql_command?: { readonly input: RelationNode };
  readonly create_dataframe_view?: {
    readonly input: RelationNode;
    readonly name: string;
    readonly is_global: boolean;
    readonly replace: boolean;
  };
  readonly write_operation?: {
    readonly input: RelationNode;
    readonly source: string;
    readonly mode: SaveMode;
    readonly options: Readonly<Record<string, string>>;
    readonly table?: {
      readonly table_name: string;
      readonly save_method: 'TABLE_SAVE_METHOD_SAVE_AS_TABLE' | 'TABLE_SAVE_METHOD_INSERT_INTO';
    };
    readonly path?: string;
  };
}
