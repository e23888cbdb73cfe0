// `ferry models`: look at the models without running them: list, lineage graph, compiled SQL.
import { Option, type Command } from 'commander';
import { ConfigError } from '../errors.js';
import { compactTable } from '../observability/table.js';
import { lineageMermaid, lineageText } from '../transform/lineage.js';
import { selectModels } from '../transform/models/graph.js';
import { ENGINE_NAMES, type EngineName } from '../transform/plan/functions.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

export const registerModels: Register = (program: Command, context) => {
  const models = program
    .command('models')
    .description('list the models, print their lineage, or show the SQL an engine runs');

  models
    .command('list')
    .description('the models in run order, with materialization, inputs and tests')
    .option('-s, --select <models>', 'only these (name, name+, +name)')
    .option('--json', 'print the models as JSON')
    .action(async (flags: { select?: string; json?: boolean }) => {
      const { loadGraph } = await import('../transform/run.js');
      const { graph } = await loadGraph(context().project());
      if (flags.json) {
        printJson({
          models: selectModels(graph, flags.select).map((name) => {
            const m = graph.models.get(name)!;
            return {
              name,
              path: m.path,
              kind: m.kind,
              description: m.description,
              materialized: m.config.materialized,
              uniqueKey: m.config.unique_key,
              cursor: m.config.cursor,
              engines: m.config.engines,
              sources: m.sources,
              refs: m.refs,
              tests: m.tests.map((t) => (t.kind === 'sql' ? { kind: t.kind, name: t.name } : t)),
            };
          }),
        });
        return;
      }
      const table = compactTable(['model', 'kind', 'materialized', 'inputs', 'tests']);
      for (const name of selectModels(graph, flags.select)) {
        const m = graph.models.get(name)!;
        table.push([
          name,
          m.kind,
          m.config.materialized,
          [...m.sources.map((s) => `${s.source}.${s.table}`), ...m.refs].join(', '),
          m.tests.length,
        ]);
      }
      process.stdout.write(table.toString() + '\n');
    });

  models
    .command('graph')
    .description('the lineage of the models: an indented tree, or a Mermaid flowchart for docs')
    .addOption(
      new Option('--format <format>', 'text or mermaid').choices(['text', 'mermaid']).default('text'),
    )
    .action(async (flags: { format: 'text' | 'mermaid' }) => {
      const { loadGraph } = await import('../transform/run.js');
      const { graph } = await loadGraph(context().project());
      process.stdout.write((flags.format === 'mermaid' ? lineageMermaid(graph) : lineageText(graph)) + '\n');
    });

  models
    .command('compile <model>')
    .description('print the SQL a model runs on an engine')
    .addOption(new Option('--engine <engine>', ENGINE_NAMES.join(', ')).choices([...ENGINE_NAMES]))
    .action(async (name: string, flags: { engine?: EngineName }) => {
      const project = context().project();
      // Loaded on use: the engines bring DuckDB and the Spark client, which other commands need not load.
      const { loadGraph, sourceSchemas } = await import('../transform/run.js');
      const { modelSql, resolverFor } = await import('../transform/engines/transform-engine.js');
      const { graph } = await loadGraph(project);
      const model = graph.models.get(name);
      if (!model)
        throw new ConfigError(`there is no model ${name}`, [], { hint: `models: ${graph.order.join(', ')}` });
      const engine = flags.engine ?? project.transform.engine;
      process.stdout.write(
        modelSql(model, engine, resolverFor(engine, sourceSchemas(project), project.transform.schema)) + '\n',
      );
    });
};
