// One `ferry transform` run: load the models, check the graph, pick the engine, build the selected
// models in dependency order (in parallel where the graph allows), then run their data tests.
import type { Project as FerryProject } from '../config/project.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames, type HeldLocks } from '../state/locks.js';
import { createDuckdbEngine } from './engines/duckdb/duckdb-engine.js';
import type { SourcesRead, TransformEngine } from './engines/transform-engine.js';
import { createPostgresEngine } from './engines/postgres/postgres-engine.js';
import { createSparkEngine } from './engines/spark/spark-engine.js';
import { ancestors, buildGraph, selectModels, type ModelGraph } from './models/graph.js';
import { loadProject } from './models/discover.js';
import type { Project, SourceRef } from './models/model.js';
import type { EngineName } from './plan/functions.js';
import { buildModels, type ModelRun } from './build-models.js';
import { runTests, type TestRun } from './data-tests/run-tests.js';
import { recordTransformRun } from './record-run.js';

export type { ModelRun, TestRun };

/** What a transform needs of the project. */
export type TransformProject = Pick<
  FerryProject,
  'source' | 'target' | 'targetSchema' | 'transform' | 'spark' | 'sync'
>;

export interface TransformOptions {
  project: TransformProject;
  state: FerryState;
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
  /** Each model while it builds, and the engine's read of the sources (observability/progress.ts). */
  progress?: Progress | undefined;
}

export interface TransformSummary {
  engine: EngineName;
  schema: string;
  status: 'succeeded' | 'failed';
  seconds: number;
  extract: (SourcesRead & { seconds: number }) | null;
  /** Wall-clock seconds of building (and, on duckdb, loading) the models, and of the data tests. */
  buildSeconds: number;
  testSeconds: number;
  models: ModelRun[];
  tests: TestRun[];
}

/** source name -> schema of its replicated tables. */
export function sourceSchemas(
  project: Pick<TransformProject, 'source' | 'target' | 'targetSchema' | 'transform'>,
): Record<string, string> {
  return project.transform.sources ?? { [project.source.database]: project.targetSchema };
}

export async function loadGraph(
  ferry: Pick<TransformProject, 'source' | 'target' | 'targetSchema' | 'transform'>,
): Promise<{ project: Project; graph: ModelGraph }> {
  const project = await loadProject(ferry.transform.models);
  return { project, graph: buildGraph(project, Object.keys(sourceSchemas(ferry))) };
}

export async function runTransform(options: TransformOptions): Promise<TransformSummary> {
  const { project: ferry, state } = options;
  const started = Date.now();
  const engineName = options.engine ?? ferry.transform.engine;
  // DuckDB and Spark start empty: they keep no models between runs.
  const startsEmpty = engineName !== 'postgres';
  if (options.testsOnly && startsEmpty)
    throw new ConfigError(
      `--tests-only needs the postgres engine: ${engineName} keeps no models between runs`,
      [],
      {
        hint: `run \`ferry transform --engine ${engineName}\` (it builds the models and runs their tests)`,
      },
    );
  const { project, graph } = await loadGraph(ferry);
  const selected = selectModels(graph, options.select);
  const selectedSet = new Set(selected);

  // DuckDB and Spark also build the unselected ancestors, without loading them.
  const toBuild = startsEmpty
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

  const schemas = sourceSchemas(ferry);
  // One transform at a time per model schema: two would build the same staging tables.
  const control = await connectPostgres(ferry.target);
  let lock: HeldLocks;
  try {
    await state.migrate(control);
    lock = await state.locks.acquire(control, [transformLockName(ferry)], 'ferry transform');
  } catch (error) {
    await control.end().catch(() => undefined);
    throw error;
  }
  // Each run is recorded for the web UI's Models page, whether it succeeded or not.
  const record = {
    modelsSchema: ferry.transform.schema,
    engine: engineName,
    select: options.select,
    startedAt: new Date(started),
  };
  try {
    const summary = await runLocked(options, {
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
    await recordTransformRun(state, control, record, { summary });
    return summary;
  } catch (error) {
    await recordTransformRun(state, control, record, { error }).catch(() => undefined);
    throw error;
  } finally {
    await lock.release();
    await control.end().catch(() => undefined);
  }
}

/** The lock of a transform: the models' schema (advisory locks live in the target database). */
export function transformLockName(project: Pick<TransformProject, 'transform'>): string {
  return lockNames.transform(project.transform.schema);
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
  const { project: ferry, logger, signal } = options;
  const settings = ferry.transform;
  const { project, graph, selected, selectedSet, toBuild, sources, schemas, engineName, started } = plan;
  const engine: TransformEngine =
    engineName === 'postgres'
      ? await createPostgresEngine({
          target: ferry.target,
          schema: settings.schema,
          sourceSchemas: schemas,
          connections: settings.threads,
          logger,
        })
      : engineName === 'spark'
        ? await createSparkEngine({
            spark: ferry.spark,
            source: ferry.source,
            target: ferry.target,
            schema: settings.schema,
            sourceSchemas: schemas,
            settings: settings.spark,
            sync: ferry.sync,
            logger,
            signal,
          })
        : await createDuckdbEngine({
            source: ferry.source,
            target: ferry.target,
            schema: settings.schema,
            sourceSchemas: schemas,
            settings: settings.duckdb,
            sync: ferry.sync,
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
      options.progress?.update('sources', { phase: `reading ${sources.length} source table(s)` });
      const extracted = await engine.prepare(sources).finally(() => options.progress?.end('sources'));
      if (extracted) summary.extract = { ...extracted, seconds: (Date.now() - extractStarted) / 1000 };
      const buildStarted = Date.now();
      summary.models = await buildModels(engine, graph, toBuild, selectedSet, options);
      summary.buildSeconds = (Date.now() - buildStarted) / 1000;
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
