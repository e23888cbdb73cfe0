// The DataFrame compiler for DuckDB: the shared SQL compiler with DuckDB's dialect.
import type { PlanNode } from '../../plan/nodes.js';
import { compilePlan, type RelationResolver } from '../sql/compile.js';
import { duckdbDialect } from './dialect.js';

export function compileDuckdb(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, duckdbDialect, resolve);
}
