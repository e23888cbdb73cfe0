// One `ferry transform` run: load the models, check the graph, pick the engine, build the selected
// models in dependency order (in parallel where the graph allows), then run their data tests.
import { sourceConnection, targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { ConfigError, messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { acquireLock, type HeldLock } from '../connectors/postgres/lock.js';
import { ensureStateSchema } from '../connectors/postgres/state-store.js';
import { createDuckdbEngine } from './engines/duckdb/engine.js';
import type { TransformEngine } from './engines/engine.js';
import { createPostgresEngine } from './engines/postgres/engine.js';
import { ancestors, buildGraph, selectModels, type ModelGraph } from './models/graph.js';
import { loadProject } from './models/discover.js';
import type { Model, Project, SourceRef } from './models/model.js';
import type { EngineName } from './plan/functions.js';
import { testName, testSql } from './tests/data-tests.js';

export interface TransformOptions {
  config: FerryConfig;
  select?: string | undefined;
  engine?: EngineName | undefined;
  /** Rebuild incremental models in full. */
  fullRefresh?: boolean;
  /** Build without running the data tests. */
  skipTests?: boolean;
  /** Run only the tests of the selected models. */
  testsOnly?: boolean;
  logger: Logger;
  signal: AbortSignal;
  onModel?: (run: ModelRun) => void;
}

export interface ModelRun {
  model: string;
  path: string;
  materialized: Model['config']['materialized'];
  status: 'built' | 'failed' | 'skipped';
  rows: number | null;
  merged: number | null;
  /** False when the model was built inside DuckDB only (a view model on the duckdb engine). */
  loaded: boolean;
  seconds: number;
  error?: string;
  hint?: string;
}

export interface TestRun {
  model: string | null;
  test: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  failures: number;
  /** Up to three failing rows as JSON, for a failed test. */
  sample?: string[];
  error?: string;
}

export interface TransformSummary {
  engine: EngineName;
  schema: string;
  status: 'succeeded' | 'failed';
  seconds: number;
  extract: { tables: number; rows: number; seconds: number } | null;
  /** Wall-clock seconds of building (and, on duckdb, loading) the models, and of the data tests. */
  buildSeconds: number;
  testSeconds: number;
  models: ModelRun[];
  tests: TestRun[];
}

/** source name -> schema of its replicated tables. */
export function sourceSchemas(config: FerryConfig): Record<string, string> {
  return config.transform.sources ?? { [sourceConnection(config.source).database]: config.target.schema };
}

export async function loadGraph(config: FerryConfig): Promise<{ project: Project; graph: ModelGraph }> {
  const project = await loadProject(config.transform.models);
  return { project, graph: buildGraph(project, Object.keys(sourceSchemas(config))) };
}

export async function runTransform(options: TransformOptions): Promise<TransformSummary> {
  const { config } = options;
  const started = Date.now();
  const engineName = options.engine ?? config.transform.engine;
  const { project, graph } = await loadGraph(config);
  const selected = selectModels(graph, options.select);
  const selectedSet = new Set(selected);

  // DuckDB starts empty: it also builds the unselected ancestors, without loading them.
  const toBuild =
    engineName === 'duckdb'
      ? graph.order.filter((n) => selectedSet.has(n) || selected.some((s) => ancestors(graph, s).has(n)))
      : selected;
  const sources: SourceRef[] = [];
  for (const name of toBuild)
    for (const s of graph.models.get(name)!.sources)
      if (!sources.some((x) => x.source === s.source && x.table === s.table)) sources.push(s);
  for (const t of project.sqlTests)
    if (t.refs.every((r) => selectedSet.has(r)))
      for (const s of t.sources)
        if (!sources.some((x) => x.source === s.source && x.table === s.table)) sources.push(s);

  const schemas = sourceSchemas(config);
  // One transform at a time per model schema: two would build the same _ferry_new_ tables.
  const control = await connectPostgres(targetConnection(config.target));
  let lock: HeldLock;
  try {
    await ensureStateSchema(control);
    lock = await acquireLock(control, transformLockName(config), 'ferry transform');
  } catch (error) {
    await control.end().catch(() => undefined);
    throw error;
  }
  try {
    return await runLocked(options, {
      project,
      graph,
      selected,
      selectedSet,
      toBuild,
      sources,
      schemas,
      engineName,
      started,
    });
  } finally {
    await lock.release();
    await control.end().catch(() => undefined);
  }
}

/** The advisory lock's name: the target database and the models' schema. */
export function transformLockName(config: FerryConfig): string {
  const t = targetConnection(config.target);
  return `transform ${t.host}:${t.port}/${t.database}/${config.transform.schema}`;
}

interface Plan {
  project: Project;
  graph: ModelGraph;
  selected: string[];
  selectedSet: Set<string>;
  toBuild: string[];
  sources: SourceRef[];
  schemas: Record<string, string>;
  engineName: EngineName;
  started: number;
}

async function runLocked(options: TransformOptions, plan: Plan): Promise<TransformSummary> {
  const { config, logger, signal } = options;
  const settings = config.transform;
  const { project, graph, selected, selectedSet, toBuild, sources, schemas, engineName, started } = plan;
  const engine: TransformEngine =
    engineName === 'postgres'
      ? await createPostgresEngine({
          target: targetConnection(config.target),
          schema: settings.schema,
          sourceSchemas: schemas,
          connections: settings.threads,
          logger,
        })
      : await createDuckdbEngine({
          source: sourceConnection(config.source),
          target: targetConnection(config.target),
          schema: settings.schema,
          sourceSchemas: schemas,
          settings: settings.duckdb,
          sync: config.sync,
          connections: settings.threads,
          logger,
          signal,
        });

  const summary: TransformSummary = {
    engine: engineName,
    schema: settings.schema,
    status: 'succeeded',
    seconds: 0,
    extract: null,
    buildSeconds: 0,
    testSeconds: 0,
    models: [],
    tests: [],
  };
  try {
    if (!options.testsOnly) {
      const extractStarted = Date.now();
      const extracted = await engine.prepare(sources);
      if (extracted) summary.extract = { ...extracted, seconds: (Date.now() - extractStarted) / 1000 };
      const buildStarted = Date.now();
      summary.models = await buildAll(engine, graph, toBuild, selectedSet, options);
      summary.buildSeconds = (Date.now() - buildStarted) / 1000;
    } else if (engineName === 'duckdb') {
      throw new ConfigError(
        '--tests-only needs the postgres engine: DuckDB keeps no models between runs',
        [],
        {
          hint: 'run `ferry transform --engine duckdb` (it builds the models and runs their tests)',
        },
      );
    }
    if (!options.skipTests) {
      const testStarted = Date.now();
      summary.tests = await runTests(engine, project, graph, selected, summary.models);
      summary.testSeconds = (Date.now() - testStarted) / 1000;
    }
  } finally {
    await engine.close();
  }
  summary.seconds = (Date.now() - started) / 1000;
  const failed =
    summary.models.some((m) => m.status !== 'built') ||
    summary.tests.some((t) => t.status === 'fail' || t.status === 'error');
  summary.status = failed ? 'failed' : 'succeeded';
  return summary;
}

async function buildAll(
  engine: TransformEngine,
  graph: ModelGraph,
  names: readonly string[],
  publish: ReadonlySet<string>,
  options: TransformOptions,
): Promise<ModelRun[]> {
  const runs = new Map<string, ModelRun>();
  const inRun = new Set(names);
  const pending = new Set(names);
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.config.transform.threads);
  const record = (run: ModelRun) => {
    runs.set(run.model, run);
    if (run.status === 'built')
      options.logger.info(
        { model: run.model, rows: run.rows, merged: run.merged, seconds: run.seconds },
        `${run.model}: built${run.rows === null ? '' : `, ${run.rows} rows`}`,
      );
    if (publish.has(run.model)) options.onModel?.(run);
  };

  while (pending.size > 0 || running.size > 0) {
    if (options.signal.aborted) throw options.signal.reason;
    for (const name of [...pending]) {
      if (running.size >= limit) break;
      const parents = (graph.parents.get(name) ?? []).filter((p) => inRun.has(p));
      const model = graph.models.get(name)!;
      const blocked = parents.find((p) => runs.has(p) && runs.get(p)!.status !== 'built');
      if (blocked) {
        pending.delete(name);
        record({
          model: name,
          path: model.path,
          materialized: model.config.materialized,
          status: 'skipped',
          rows: null,
          merged: null,
          loaded: false,
          seconds: 0,
          error: `not built: ${blocked} failed or was skipped`,
        });
        continue;
      }
      if (!parents.every((p) => runs.has(p))) continue;
      pending.delete(name);
      const started = Date.now();
      const task = engine
        .build(model, { fullRefresh: options.fullRefresh ?? false, publish: publish.has(name) })
        .then(
          (built) =>
            record({
              model: name,
              path: model.path,
              materialized: model.config.materialized,
              status: 'built',
              rows: built.rows,
              merged: built.merged,
              loaded: built.loaded,
              seconds: (Date.now() - started) / 1000,
            }),
          (error: unknown) => {
            options.logger.error({ model: name, err: error }, `${model.path}: ${messageOf(error)}`);
            record({
              model: name,
              path: model.path,
              materialized: model.config.materialized,
              status: 'failed',
              rows: null,
              merged: null,
              loaded: false,
              seconds: (Date.now() - started) / 1000,
              error: messageOf(error),
              ...((error as { hint?: string }).hint ? { hint: (error as { hint: string }).hint } : {}),
            });
          },
        )
        .finally(() => running.delete(name));
      running.set(name, task);
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (pending.size > 0) break; // cannot happen: names come in dependency order
  }
  return names.filter((n) => publish.has(n)).map((n) => runs.get(n)!);
}

async function runTests(
  engine: TransformEngine,
  project: Project,
  graph: ModelGraph,
  selected: readonly string[],
  builds: readonly ModelRun[],
): Promise<TestRun[]> {
  const results: TestRun[] = [];
  const unusable = new Set(builds.filter((b) => b.status !== 'built').map((b) => b.model));
  const jobs: { model: string | null; name: string; sql: () => string; needs: string[] }[] = [];
  for (const name of selected) {
    const model = graph.models.get(name)!;
    for (const test of model.tests)
      jobs.push({
        model: name,
        name: testName(test),
        sql: () => testSql(name, test, engine.resolve),
        needs: [name, ...(test.kind === 'relationships' ? [test.to] : [])],
      });
  }
  const selectedSet = new Set(selected);
  for (const t of project.sqlTests)
    if (t.refs.length > 0 && t.refs.every((r) => selectedSet.has(r)))
      jobs.push({
        model: t.refs.length === 1 ? t.refs[0]! : null,
        name: t.name,
        sql: () =>
          testSql(t.refs[0]!, { kind: 'sql', name: t.name, sql: t.sql, path: t.path }, engine.resolve),
        needs: t.refs,
      });
  for (const job of jobs) {
    if (job.needs.some((n) => unusable.has(n))) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'skipped',
        failures: 0,
        error: 'its model was not built',
      });
      continue;
    }
    const absent: string[] = [];
    for (const n of job.needs) if (!(await engine.exists(n))) absent.push(n);
    if (absent.length > 0) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'skipped',
        failures: 0,
        error: `needs ${absent.join(', ')}, which is not built (add it to --select)`,
      });
      continue;
    }
    try {
      const failures = await engine.countRows(job.sql());
      if (failures === 0) results.push({ model: job.model, test: job.name, status: 'pass', failures });
      else
        results.push({
          model: job.model,
          test: job.name,
          status: 'fail',
          failures,
          sample: await engine.sampleRows(job.sql(), 3),
        });
    } catch (error) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'error',
        failures: 0,
        error: messageOf(error).split('\n')[0],
      });
    }
  }
  return results;
}
