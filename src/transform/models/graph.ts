// The models' dependency graph: checks every ref() and source(), finds cycles, orders the models,
// and applies --select (name, name+, +name, +name+, comma-separated).
import { ConfigError } from '../../errors.js';
import type { Model, Project } from './model.js';

export interface ModelGraph {
  models: Map<string, Model>;
  /** Model -> the models it refs. */
  parents: Map<string, string[]>;
  /** Model -> the models that ref it. */
  children: Map<string, string[]>;
  /** Every model, parents before children (ties by name). */
  order: string[];
}

function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = distance(name, c);
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  return best !== undefined && bestScore <= Math.max(2, name.length / 3) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function buildGraph(project: Project, sourceNames: readonly string[]): ModelGraph {
  const { models } = project;
  const problems: string[] = [];
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>([...models.keys()].map((n) => [n, []]));
  for (const model of models.values()) {
    for (const ref of model.refs) {
      if (!models.has(ref)) {
        const near = closest(ref, models.keys());
        problems.push(
          `${model.path}: ref('${ref}') names no model${near ? ` (did you mean '${near}'?)` : ''}`,
        );
      }
    }
    for (const s of model.sources)
      if (!sourceNames.includes(s.source))
        problems.push(
          `${model.path}: source('${s.source}', '${s.table}') names an unknown source (known: ${sourceNames.join(', ') || 'none'})`,
        );
    parents.set(
      model.name,
      model.refs.filter((r) => models.has(r)),
    );
    for (const r of model.refs) children.get(r)?.push(model.name);
  }
  for (const t of project.sqlTests)
    for (const ref of t.refs) if (!models.has(ref)) problems.push(`${t.path}: ref('${ref}') names no model`);
  if (problems.length > 0)
    throw new ConfigError(`the models refer to things that do not exist`, problems, {
      hint: 'ref() takes a model file name without extension; source() takes a name from transform.sources in ferry.yaml',
    });

  // Kahn's algorithm level by level (sources' models first, then what reads them, each level by
  // name); what is left over lies on a cycle.
  const remaining = new Map([...parents].map(([n, p]) => [n, p.length]));
  let level = [...remaining].filter(([, c]) => c === 0).map(([n]) => n);
  const order: string[] = [];
  while (level.length > 0) {
    level.sort();
    order.push(...level);
    const next: string[] = [];
    for (const name of level)
      for (const child of children.get(name) ?? []) {
        const left = remaining.get(child)! - 1;
        remaining.set(child, left);
        if (left === 0) next.push(child);
      }
    level = next;
  }
  if (order.length < models.size) {
    const cycle = findCycle(
      [...models.keys()].filter((n) => !order.includes(n)),
      parents,
    );
    throw new ConfigError(`the models form a cycle: ${cycle.join(' -> ')}`, [], {
      hint: 'a model cannot depend on itself, directly or through others; split one of them',
    });
  }
  return { models, parents, children, order };
}

function findCycle(candidates: string[], parents: Map<string, string[]>): string[] {
  const inSet = new Set(candidates);
  for (const start of candidates.sort()) {
    const path: string[] = [start];
    const seen = new Set<string>([start]);
    let current = start;
    for (;;) {
      const next = (parents.get(current) ?? []).find((p) => inSet.has(p));
      if (next === undefined) break;
      if (seen.has(next)) return [...path.slice(path.indexOf(next)), next].reverse();
      path.push(next);
      seen.add(next);
      current = next;
    }
  }
  return candidates;
}

function walk(start: string, edges: Map<string, string[]>, into: Set<string>): void {
  for (const next of edges.get(start) ?? []) {
    if (into.has(next)) continue;
    into.add(next);
    walk(next, edges, into);
  }
}

/** All ancestors of a model (not itself). */
export function ancestors(graph: ModelGraph, name: string): Set<string> {
  const found = new Set<string>();
  walk(name, graph.parents, found);
  return found;
}

/** The models a --select expression picks, in run order; all models when it is empty. */
export function selectModels(graph: ModelGraph, selection: string | undefined): string[] {
  if (!selection || !selection.trim()) return [...graph.order];
  const chosen = new Set<string>();
  for (const raw of selection.split(/[,\s]+/).filter(Boolean)) {
    const up = raw.startsWith('+');
    const down = raw.endsWith('+');
    const name = raw.replace(/^\+|\+$/g, '');
    if (!graph.models.has(name)) {
      const near = closest(name, graph.models.keys());
      throw new ConfigError(
        `--select ${raw}: there is no model ${name}${near ? ` (did you mean ${near}?)` : ''}`,
        [],
        {
          hint: `models: ${graph.order.join(', ')}`,
        },
      );
    }
    chosen.add(name);
    if (up) walk(name, graph.parents, chosen);
    if (down) walk(name, graph.children, chosen);
  }
  return graph.order.filter((n) => chosen.has(n));
}
