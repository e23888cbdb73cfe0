// `ferry sync` with ferry's own copier: every stream read in one consistent snapshot over the byte
// path, a full refresh (staging table, chunk by chunk, swapped in) or an incremental merge by cursor.
// The run itself (locks, run record, streams side by side, failures) is run-lifecycle.ts.
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import type { FerryState } from '../state/ferry-state.js';
import { compileQuality } from '../quality/stream-quality.js';
import { fullRefresh, type FullRefreshOptions } from './full-refresh.js';
import { incremental, incrementalBlocker } from './incremental.js';
import { runCopies, type Copier, type CopyProject, type RunSummary } from './run-lifecycle.js';
import type { StreamPlan } from './stream-plan.js';

export interface SyncOptions {
  project: CopyProject;
  state: FerryState;
  /** Only these streams (source or target table names); all by default. */
  streams?: readonly string[] | undefined;
  /** Force a full refresh of every selected stream. */
  fullRefresh?: boolean | undefined;
  /** Patterns that match nothing and an empty source are errors, not warnings. */
  strict?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Each stream's rows, chunks and put-in-place steps (observability/progress.ts). */
  progress?: Progress | undefined;
}

export type SyncSummary = RunSummary;

/** An incremental stream copied in full (--full-refresh) keeps its mode and gets a new high-water mark. */
function fullRefreshMode(plan: StreamPlan): FullRefreshOptions {
  return plan.mode === 'incremental' && !incrementalBlocker(plan.table, plan.cursor)
    ? { mode: 'incremental', cursor: plan.cursor }
    : { mode: 'full_refresh' };
}

export function sync(options: SyncOptions): Promise<SyncSummary> {
  const { sync: settings, targetSchema } = options.project;
  const tablesAtOnce = (work: readonly unknown[]) =>
    Math.max(1, Math.min(settings.parallel_tables, work.length));
  const copier: Copier = {
    kind: 'sync',
    engine: 'ferry',
    what: 'ferry sync',
    // One reader/writer pair per table copied at once, and at least parallel_chunks so a large
    // table alone can still have several ranges copied at the same time.
    readers: (work) => Math.max(tablesAtOnce(work), settings.parallel_chunks),
    concurrency: (work) => tablesAtOnce(work),
    // Checks naming unknown columns stop the run before it starts.
    prepare: (work) => {
      for (const { plan, mappings } of work)
        compileQuality(plan, mappings, targetSchema, options.state.quarantine);
    },
    copy: (ctx, pair, { plan, mappings }) =>
      plan.mode === 'incremental' && !options.fullRefresh
        ? incremental(ctx, pair!, plan, mappings)
        : fullRefresh(ctx, pair!, plan, mappings, fullRefreshMode(plan)),
  };
  return runCopies(options, copier);
}
