// The DataFrame compiler for Spark: the shared SQL compiler with Spark SQL's dialect.
import type { PlanNode } from '../../plan/nodes.js';
import { compilePlan, type RelationResolver } from '../sql/compile.js';
import { sparkDialect } from './dialect.js';

export function compileSpark(plan: PlanNode, resolve: RelationResolver): string {
  return compilePlan(plan, sparkDialect, resolve);
}
