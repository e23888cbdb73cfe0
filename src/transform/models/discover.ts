// Reads a models folder: SQL models (.sql), DataFrame models (.ts/.js, load-dataframe-model.ts), schema.yml (descriptions,
// configs and column tests, dbt-style) and custom SQL tests (tests/*.sql).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, messageOf } from '../../errors.js';
import type { PlanNode } from '../plan/nodes.js';
import {
  MATERIALIZATIONS,
  type DataTest,
  type Model,
  type ModelConfig,
  type ModelConfigInput,
  type Project,
  type SourceRef,
} from './model.js';
import { loadDataFrameModel } from './load-dataframe-model.js';
import { parseSqlModel } from './sql-template.js';

const modelConfigSchema = z
  .strictObject({
    materialized: z.enum(MATERIALIZATIONS).optional(),
    unique_key: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    cursor: z.string().optional(),
    engines: z
      .array(z.enum(['postgres', 'duckdb', 'spark']))
      .min(1)
      .optional(),
  })
  .describe('model config') satisfies z.ZodType<ModelConfigInput>;

const columnTestSchema = z.union([
  z.enum(['not_null', 'unique']),
  z.strictObject({
    accepted_values: z.strictObject({
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    }),
  }),
  z.strictObject({ relationships: z.strictObject({ to: z.string(), field: z.string() }) }),
]);

const schemaFileSchema = z.strictObject({
  version: z.number().optional(),
  models: z
    .array(
      z.strictObject({
        name: z.string(),
        description: z.string().optional(),
        config: modelConfigSchema.optional(),
        columns: z
          .array(
            z.strictObject({
              name: z.string(),
              description: z.string().optional(),
              tests: z.array(columnTestSchema).optional(),
              data_tests: z.array(columnTestSchema).optional(),
            }),
          )
          .optional(),
      }),
    )
    .default([]),
});

type RawConfig = z.infer<typeof modelConfigSchema>;

function listFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder).sort()) {
    // hidden folders and files (.git, editor swap files) and installed packages are not models
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function problemsOf(error: z.ZodError, where: string): string[] {
  return error.issues.map((i) => `${where}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`);
}

function finalConfig(raw: RawConfig, where: string): ModelConfig {
  const uniqueKey =
    raw.unique_key === undefined
      ? []
      : typeof raw.unique_key === 'string'
        ? [raw.unique_key]
        : raw.unique_key;
  const config: ModelConfig = {
    materialized: raw.materialized ?? 'table',
    unique_key: uniqueKey,
    cursor: raw.cursor ?? null,
    engines: raw.engines ?? null,
  };
  if (config.materialized === 'incremental' && (uniqueKey.length === 0 || !config.cursor))
    throw new ConfigError(`${where}: an incremental model needs unique_key and cursor`, [], {
      hint: "add {{ config(materialized='incremental', unique_key='id', cursor='updated_at') }}",
    });
  return config;
}

/** Sources and refs a plan reads. */
export function planInputs(plan: PlanNode): { refs: string[]; sources: SourceRef[] } {
  const refs: string[] = [];
  const sources: SourceRef[] = [];
  const visit = (n: PlanNode): void => {
    switch (n.kind) {
      case 'Source':
        if (!sources.some((s) => s.source === n.source && s.table === n.table))
          sources.push({ source: n.source, table: n.table });
        return;
      case 'Ref':
        if (!refs.includes(n.model)) refs.push(n.model);
        return;
      case 'Join':
        visit(n.left);
        visit(n.right);
        return;
      default:
        visit(n.input);
    }
  };
  visit(plan);
  return { refs, sources };
}

export async function loadProject(folder: string): Promise<Project> {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new ConfigError(`models folder ${folder} not found`, [], {
      hint: 'set transform.models in ferry.yaml to the folder of your .sql and .ts models',
    });
  const files = listFiles(root);
  const testsFolder = join(root, 'tests');

  // schema.yml / schema.yaml: descriptions, configs and column tests.
  const declared = new Map<string, z.infer<typeof schemaFileSchema>['models'][number] & { file: string }>();
  for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
    const where = relative(process.cwd(), file);
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${where} is not valid YAML: ${messageOf(error)}`);
    }
    const parsed = schemaFileSchema.safeParse(raw ?? {});
    if (!parsed.success) throw new ConfigError(`${where} has problems`, problemsOf(parsed.error, where));
    for (const m of parsed.data.models) {
      if (declared.has(m.name)) throw new ConfigError(`${where}: model ${m.name} is described twice`);
      declared.set(m.name, { ...m, file: where });
    }
  }

  const models = new Map<string, Model>();
  const sqlTests: Project['sqlTests'] = [];
  for (const file of files) {
    const ext = extname(file);
    const rel = relative(root, file);
    if (!['.sql', '.ts', '.mts', '.js', '.mjs'].includes(ext) || /\.d\.m?ts$/.test(file)) continue;
    const name = basename(file, ext);
    if (file.startsWith(testsFolder + '/')) {
      if (ext !== '.sql') continue;
      const parsed = parseSqlModel(readFileSync(file, 'utf8'), rel);
      sqlTests.push({ name, path: rel, sql: parsed.body, refs: parsed.refs, sources: parsed.sources });
      continue;
    }
    if (models.has(name))
      throw new ConfigError(`two models are named ${name}: ${models.get(name)!.path} and ${rel}`, [], {
        hint: 'model names are file names without extension and must be unique across subfolders',
      });
    let model: Omit<Model, 'config' | 'tests' | 'description'>;
    let rawConfig: unknown;
    if (ext === '.sql') {
      const parsed = parseSqlModel(readFileSync(file, 'utf8'), rel);
      const code = parsed.body.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
      if (!/^\s*(with|select|\()/i.test(code))
        throw new ConfigError(`${rel}: a model is one SELECT (or WITH ... SELECT) statement`);
      model = {
        name,
        path: rel,
        kind: 'sql',
        sql: parsed.body,
        plan: null,
        refs: parsed.refs,
        sources: parsed.sources,
      };
      rawConfig = parsed.config;
    } else {
      const loaded = await loadDataFrameModel(file, rel);
      model = {
        name,
        path: rel,
        kind: 'dataframe',
        sql: null,
        plan: loaded.plan,
        ...planInputs(loaded.plan),
      };
      rawConfig = loaded.config;
    }
    const header = modelConfigSchema.safeParse(rawConfig);
    if (!header.success)
      throw new ConfigError(`${rel}: the model config has problems`, problemsOf(header.error, rel));
    const described = declared.get(name);
    const merged = { ...(described?.config ?? {}), ...header.data };
    const tests: DataTest[] = [];
    for (const column of described?.columns ?? []) {
      for (const t of [...(column.tests ?? []), ...(column.data_tests ?? [])]) {
        if (t === 'not_null' || t === 'unique') tests.push({ kind: t, column: column.name });
        else if ('accepted_values' in t)
          tests.push({ kind: 'accepted_values', column: column.name, values: t.accepted_values.values });
        else {
          const to =
            /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(t.relationships.to)?.[1] ?? t.relationships.to;
          tests.push({ kind: 'relationships', column: column.name, to, field: t.relationships.field });
        }
      }
    }
    models.set(name, {
      ...model,
      config: finalConfig(merged, rel),
      tests,
      description: described?.description ?? '',
    });
  }
  for (const [name, d] of declared)
    if (!models.has(name))
      throw new ConfigError(`${d.file} describes model ${name}, which has no .sql or .ts file`, [], {
        hint: `models: ${[...models.keys()].join(', ')}`,
      });
  return { folder: root, models, sqlTests };
}
