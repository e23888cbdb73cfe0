// What a SQL engine's dialect tells the shared compiler: its name (for the function table), how it
// spells the portable types, and the few operators that differ.
import type { EngineName } from '../../plan/functions.js';
import type { PortableType } from '../../plan/nodes.js';

export interface SqlDialect {
  engine: EngineName;
  /** A quoted identifier (column, alias, relation). */
  quote(name: string): string;
  /** Spelling of each portable type. */
  type(type: PortableType): string;
  /** True division (Spark semantics: a double even for integers). */
  divide(left: string, right: string): string;
}

export function quoteString(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
