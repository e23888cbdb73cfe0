// ferry's description of a model, as the models folder declares it.
import type { EngineName } from '../plan/functions.js';
import type { PlanNode } from '../plan/nodes.js';

export const MATERIALIZATIONS = ['view', 'table', 'incremental'] as const;
export type Materialization = (typeof MATERIALIZATIONS)[number];

/**
 * What a model may set: a .ts model's `export const config`, a SQL model's `{{ config(...) }}`, or
 * its entry in schema.yml (discover.ts validates it).
 */
export interface ModelConfigInput {
  materialized?: Materialization;
  /** Incremental: the column(s) that identify a row. */
  unique_key?: string | string[];
  /** Incremental: the column whose growth marks new rows. */
  cursor?: string;
  /** Engines the model may run on; all by default. */
  engines?: EngineName[];
}

/** A model's config once read: every setting with its value. */
export interface ModelConfig {
  materialized: Materialization;
  /** Incremental: the columns that identify a row (merge key). */
  unique_key: string[];
  /** Incremental: the column whose growth marks new rows (the high-water mark). */
  cursor: string | null;
  /** Engines the model may run on; all by default. */
  engines: EngineName[] | null;
}

export interface SourceRef {
  source: string;
  table: string;
}

/** A data test on a model: failing rows are those the SQL returns. */
export type DataTest =
  | { kind: 'not_null'; column: string }
  | { kind: 'unique'; column: string }
  | { kind: 'accepted_values'; column: string; values: (string | number | boolean)[] }
  | { kind: 'relationships'; column: string; to: string; field: string }
  | { kind: 'sql'; name: string; sql: string; path: string };

export interface Model {
  name: string;
  /** Path relative to the models folder. */
  path: string;
  kind: 'sql' | 'dataframe';
  /** SQL models: the SELECT with ref()/source() still in it (config header removed). */
  sql: string | null;
  /** DataFrame models: the plan tree. */
  plan: PlanNode | null;
  refs: string[];
  sources: SourceRef[];
  config: ModelConfig;
  tests: DataTest[];
  description: string;
}

/** A custom SQL test (tests/*.sql): passes when the SELECT returns no rows. */
export interface SqlTest {
  name: string;
  path: string;
  sql: string;
  refs: string[];
  sources: SourceRef[];
}

export interface Project {
  folder: string;
  models: Map<string, Model>;
  sqlTests: SqlTest[];
}
