// The output column names of a plan, where the plan itself says them (after select, groupBy, or
// withColumn on such a frame); null when they come from a table the plan does not describe.
import type { Expr, PlanNode } from './nodes.js';

function nameOf(e: Expr): string | null {
  if (e.kind === 'Alias') return e.name;
  if (e.kind === 'Column') return e.name;
  return null;
}

export function outputColumns(plan: PlanNode): string[] | null {
  switch (plan.kind) {
    case 'Project': {
      const names = plan.columns.map(nameOf);
      return names.every((n) => n !== null) ? names : null;
    }
    case 'Aggregate': {
      const names = [...plan.keys, ...plan.aggregates].map(nameOf);
      return names.every((n) => n !== null) ? names : null;
    }
    case 'WithColumn': {
      const input = outputColumns(plan.input);
      if (!input) return null;
      return input.includes(plan.name) ? input : [...input, plan.name];
    }
    case 'Filter':
    case 'Sort':
    case 'Limit':
    case 'Distinct':
    case 'Alias':
      return outputColumns(plan.input);
    default:
      return null;
  }
}
