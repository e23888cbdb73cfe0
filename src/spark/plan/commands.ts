// Builders for command nodes: eager SQL (DDL, SET) and writes through a data source.
import type { CommandNode, RelationNode, SaveMode } from './nodes.js';
import { sql } from './relations.js';

/** SQL run eagerly: DDL, SET, INSERT, CACHE ... */
export function sqlCommand(query: string): CommandNode {
  return Object.freeze({ sql_command: Object.freeze({ input: sql(query) }) });
}

/** DataFrame.createOrReplaceTempView(name): a session-scoped view over a relation. */
export function createOrReplaceTempView(input: RelationNode, name: string): CommandNode {
  return Object.freeze({
    create_dataframe_view: Object.freeze({ input, name, is_global: false, replace: true }),
  });
}

export type WriteMode = 'append' | 'overwrite' | 'error' | 'ignore';

const SAVE_MODES: Readonly<Record<WriteMode, SaveMode>> = {
  append: 'SAVE_MODE_APPEND',
  overwrite: 'SAVE_MODE_OVERWRITE',
  error: 'SAVE_MODE_ERROR_IF_EXISTS',
  ignore: 'SAVE_MODE_IGNORE',
};

export interface WriteSpec {
  /** Data source: 'jdbc', 'parquet', ... */
  format: string;
  mode: WriteMode;
  options?: Record<string, string>;
  /** A file path, for file sources. */
  path?: string;
}

/** DataFrameWriter.format(...).mode(...).options(...).save([path]) */
export function write(input: RelationNode, spec: WriteSpec): CommandNode {
  return Object.freeze({
    write_operation: Object.freeze({
      input,
      source: spec.format,
      mode: SAVE_MODES[spec.mode],
      options: Object.freeze({ ...(spec.options ?? {}) }),
      ...(spec.path === undefined ? {} : { path: spec.path }),
    }),
  });
}
