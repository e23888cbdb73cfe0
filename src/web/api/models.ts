// The Models page: the lineage graph of models/ (sources and models, each placed one column right of
// its deepest input) with each model's last build and its data tests' last results, as recorded by
// `ferry transform` (state/transform-runs.ts).
import { messageOf } from '../../errors.js';
import { loadGraph } from '../../transform/run.js';
import type { ModelNodeJson, ModelsJson } from '../api-types.js';
import type { UiContext } from '../ui-context.js';

export async function modelsGraph(ctx: UiContext): Promise<ModelsJson> {
  const project = ctx.orch.project;
  const settings = project.transform;
  const history = ctx.orch.state.transformRuns;
  const [builds, tests, runs] = await Promise.all([
    history.lastBuilds(ctx.target, settings.schema),
    history.lastTests(ctx.target, settings.schema),
    history.recent(ctx.target, settings.schema, 1),
  ]);
  const lastRun = runs[0]
    ? {
        runId: runs[0].runId,
        status: runs[0].status,
        engine: runs[0].engine,
        startedAt: runs[0].startedAt.toISOString(),
        finishedAt: runs[0].finishedAt.toISOString(),
        error: runs[0].error,
      }
    : null;
  const testsOf = (model: string | null): ModelNodeJson['tests'] =>
    tests
      .filter((t) => t.model === model)
      .map((t) => ({
        test: t.test,
        status: t.status,
        failures: t.failures,
        at: t.finishedAt.toISOString(),
        ...(t.error ? { error: t.error } : {}),
        ...(t.sample ? { sample: [...t.sample] } : {}),
      }));

  let graph;
  try {
    ({ graph } = await loadGraph(project));
  } catch (error) {
    return {
      schema: settings.schema,
      engine: settings.engine,
      nodes: [],
      edges: [],
      otherTests: testsOf(null),
      lastRun,
      problem: messageOf(error),
    };
  }
  const nodes = new Map<string, ModelNodeJson>();
  const edges: ModelsJson['edges'] = [];
  for (const name of graph.order) {
    const model = graph.models.get(name)!;
    const inputs: string[] = [];
    for (const s of model.sources) {
      const id = `source:${s.source}.${s.table}`;
      if (!nodes.has(id))
        nodes.set(id, { id, kind: 'source', name: `${s.source}.${s.table}`, layer: 0, tests: [] });
      inputs.push(id);
    }
    for (const parent of graph.parents.get(name) ?? []) inputs.push(`model:${parent}`);
    const build = builds.find((b) => b.model === name);
    const id = `model:${name}`;
    nodes.set(id, {
      id,
      kind: 'model',
      name,
      // graph.order puts parents first, so every input already has its layer.
      layer: 1 + Math.max(0, ...inputs.map((i) => nodes.get(i)?.layer ?? 0)),
      materialized: model.config.materialized,
      language: model.kind,
      path: model.path,
      ...(build
        ? {
            build: {
              status: build.status,
              rows: build.rows,
              seconds: build.seconds,
              at: build.finishedAt.toISOString(),
              engine: build.engine,
              ...(build.error ? { error: build.error } : {}),
            },
          }
        : {}),
      tests: testsOf(name),
    });
    for (const from of inputs) edges.push({ from, to: id });
  }
  return {
    schema: settings.schema,
    engine: settings.engine,
    nodes: [...nodes.values()],
    edges,
    otherTests: testsOf(null),
    lastRun,
    problem: null,
  };
}
