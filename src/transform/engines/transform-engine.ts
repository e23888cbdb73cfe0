// What the transform runner needs from an engine, and the SQL of a model for an engine.
import { DIALECTS } from './engine-dialects.js';
import { sparkResolver } from './spark/relations.js';
import { EngineError, PORTABLE_SQL_HINT } from '../engine-error.js';
import { FerryError } from '../../errors.js';
import type { EngineName } from '../plan/functions.js';
import type { Model, SourceRef } from '../models/model.js';
import { renderSql } from '../models/sql-template.js';
import { compilePlan, type RelationResolver } from './sql/compile-plan.js';
import { unportableIn } from './sql/portability.js';
import { quotePg } from '../../schema/identifiers.js';

export interface ModelBuild {
  rows: number | null;
  /** Incremental models: rows merged this run (null for a full build). */
  merged: number | null;
  fullBuild: boolean;
  /** False when the model stays inside the engine (duckdb view models, unless load_views). */
  loaded: boolean;
}

/** What an engine read before the models ran (DuckDB's extract, Spark's reads of MySQL). */
export interface SourcesRead {
  tables: number;
  rows: number;
  /** Rows left out where ferry sync would quarantine them. */
  skipped?: number;
  /** From where into where, for the run output: "from MySQL into Spark". */
  path?: string;
  /** What the user should know about the read: not one snapshot, rows left out. */
  warnings?: string[];
}

export interface TransformEngine {
  readonly name: EngineName;
  /** Makes the source tables the models read available (DuckDB: extracts them from MySQL). */
  prepare(sources: readonly SourceRef[]): Promise<SourcesRead | null>;
  /** Builds one model; `publish` false means build it only for its descendants (DuckDB). */
  build(model: Model, options: { fullRefresh: boolean; publish: boolean }): Promise<ModelBuild>;
  /** Whether a model's relation exists (built in this run, or before on postgres). */
  exists(model: string): Promise<boolean>;
  /** Counts the rows a test query returns (its failures). */
  countRows(sql: string): Promise<number>;
  /** The first rows a test query returns, each as JSON text (examples of failures). */
  sampleRows(sql: string, limit: number): Promise<string[]>;
  /** Where a model's result lives, for tests. */
  readonly resolve: RelationResolver;
  close(): Promise<void>;
}

/** source('shop','orders') -> "raw_shop"."orders"; ref('x') -> "analytics"."x". */
export function relationResolver(
  sourceSchemas: Record<string, string>,
  modelSchema: string,
): RelationResolver {
  return (n) =>
    n.kind === 'Ref'
      ? `${quotePg(modelSchema)}.${quotePg(n.model)}`
      : `${quotePg(sourceSchemas[n.source] ?? n.source)}.${quotePg(n.table)}`;
}

/** How an engine names the relations: PostgreSQL and DuckDB by schema, Spark by temporary view. */
export function resolverFor(
  engine: EngineName,
  sourceSchemas: Record<string, string>,
  modelSchema: string,
): RelationResolver {
  return engine === 'spark' ? sparkResolver : relationResolver(sourceSchemas, modelSchema);
}

/** Renders ref()/source() in SQL with a resolver. */
export function renderWith(sql: string, resolve: RelationResolver): string {
  return renderSql(sql, (c) =>
    c.kind === 'ref'
      ? resolve({ kind: 'Ref', model: c.model })
      : resolve({ kind: 'Source', source: c.source, table: c.table }),
  );
}

/** The SELECT of a model for an engine; a clear error when the model uses what the engine lacks. */
export function modelSql(model: Model, engine: EngineName, resolve: RelationResolver): string {
  if (model.config.engines && !model.config.engines.includes(engine))
    throw new EngineError(
      `${model.path}: the model runs only on ${model.config.engines.join(', ')}, not on ${engine}`,
      {
        hint: `run it with --engine ${model.config.engines[0]}, or leave it out with --select`,
      },
    );
  if (model.plan) return compilePlan(model.plan, DIALECTS[engine], resolve);
  const sql = model.sql ?? '';
  const lacking = unportableIn(sql, engine);
  if (lacking.length > 0)
    throw new EngineError(
      `${model.path}: uses ${lacking.map((l) => l.construct).join(', ')}, which the ${engine} engine lacks`,
      {
        hint: `${lacking.map((l) => `instead of ${l.construct}: ${l.instead}`).join('; ')}; ${PORTABLE_SQL_HINT}`,
      },
    );
  return renderWith(sql, resolve);
}

/** An engine's own error, with the model file it came from; a lost connection stays one (it stops the run). */
export function modelFailure(model: { path: string }, engine: EngineName, error: unknown): FerryError {
  if (error instanceof EngineError) return error;
  if (error instanceof FerryError && error.kind === 'connection') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EngineError(`${model.path} failed on ${engine}: ${message.split('\n')[0]}`, {
    hint: /does not exist|not found|Referenced column|No function matches/i.test(message)
      ? `check the column and function names; ${PORTABLE_SQL_HINT}`
      : PORTABLE_SQL_HINT,
    cause: error,
  });
}
