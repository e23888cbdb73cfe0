// The DataFrame compiler for PostgreSQL: the shared SQL compiler with PostgreSQL's dialect.
import type { PlanNode } from '../../plan/nodes.js';
import { compilePlan, type RelationResolver } from '../sql/compile.js';
import { postgresDialect } from './dialect.js';

export function compilePostgres(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, postgresDialect, resolve);
}
