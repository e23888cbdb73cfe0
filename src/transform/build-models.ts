// Builds models in dependency order on an engine: a model starts when its parents in the run are
// built, up to transform.threads at a time; the descendants of a failed model are skipped. A lost
// connection stops the whole run (the models after it would fail the same way): it is thrown once
// the models being built have ended.
import { FerryError, messageOf } from '../errors.js';
import type { TransformEngine } from './engines/transform-engine.js';
import type { ModelGraph } from './models/graph.js';
import type { Model } from './models/model.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';

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

export interface BuildOptions {
  project: { transform: { threads: number } };
  /** Rebuild incremental models in full. */
  fullRefresh?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
  onModel?: ((run: ModelRun) => void) | undefined;
  progress?: Progress | undefined;
}

/** Builds `names` (in dependency order); `publish` are the ones loaded into PostgreSQL. */
export async function buildModels(
  engine: TransformEngine,
  graph: ModelGraph,
  names: readonly string[],
  publish: ReadonlySet<string>,
  options: BuildOptions,
): Promise<ModelRun[]> {
  const runs = new Map<string, ModelRun>();
  const inRun = new Set(names);
  const pending = new Set(names);
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.project.transform.threads);
  const record = (run: ModelRun) => {
    runs.set(run.model, run);
    options.progress?.end(run.model, run.status === 'failed');
    if (run.status === 'built')
      options.logger.info(
        { model: run.model, rows: run.rows, merged: run.merged, seconds: run.seconds },
        `${run.model}: built${run.rows === null ? '' : `, ${run.rows} rows`}`,
      );
    if (publish.has(run.model)) options.onModel?.(run);
  };

  let lost: FerryError | undefined;
  while (pending.size > 0 || running.size > 0) {
    if (options.signal.aborted) throw options.signal.reason;
    for (const name of lost ? [] : [...pending]) {
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
      options.progress?.update(name, { phase: `building (${model.config.materialized})` });
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
            if (error instanceof FerryError && error.kind === 'connection') lost ??= error;
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
    else if (pending.size > 0) break; // after a lost connection; otherwise cannot happen (dependency order)
  }
  if (lost) throw lost;
  return names.filter((n) => publish.has(n)).map((n) => runs.get(n)!);
}
