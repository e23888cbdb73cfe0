// `ferry sync --engine spark`: the sync lifecycle with the Spark copier. Each selected stream is a
// Spark job (partitioned JDBC read; COPY files or a JDBC write into a ferry-typed staging table),
// one table after the other so each job has the whole cluster. The rows a value policy or a row
// check must judge are judged by ferry itself (spark-recheck.ts), and the load is put in place like
// ferry's own: a full load by publish.ts (set checks, dedup, swap with dependent views kept), the
// changed rows of an incremental stream by publish-merge.ts (merge by key, deletes, the mark moved).
// The stream locks are the same as ferry sync's, so the two never write one stream at once.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Project } from '../config/project.js';
import { ConfigError } from '../errors.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { readWriteHorizon, sourceClock } from '../connectors/mysql/write-horizon.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import { compileQuality } from '../quality/stream-quality.js';
import { connectSpark, type SparkSession } from '../spark/session.js';
import type { FerryState } from '../state/ferry-state.js';
import { cursorOf } from './cursor-mark.js';
import { savedMark } from './incremental.js';
import { copiedInFull, incrementalBlocker } from './plan-checks.js';
import {
  runCopies,
  type Copier,
  type CopyProject,
  type RunSummary,
  type StreamWork,
} from './run-lifecycle.js';
import { checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import type { SparkWrite } from './spark-copy.js';
import { changedLoad, fullLoad, type Job, type SparkTableResult } from './spark-load.js';
import type { RunContext, StreamResult } from './stream-context.js';

export interface SparkSyncOptions {
  project: CopyProject & Pick<Project, 'spark'>;
  state: FerryState;
  /** Overrides spark.url. */
  sparkUrl?: string | undefined;
  streams?: readonly string[] | undefined;
  /** Patterns that match nothing and an empty source are errors, not warnings. */
  strict?: boolean | undefined;
  /** Copy every selected stream in full, whatever its mode. */
  fullRefresh?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Each stream's rows (as PostgreSQL receives them) and put-in-place steps. */
  progress?: Progress | undefined;
}

export interface SparkSyncSummary extends RunSummary {
  /** host:port of the Spark Connect server. */
  spark: string;
  sparkVersion: string;
  write: SparkWrite;
  tables: SparkTableResult[];
}

const LOOPBACK = /^(127\.|localhost$|::1$|\[::1\]$)/;

/** spark.write: auto means copy when the Connect server (and so, in local mode, its executors) is on this machine. */
export function resolveWrite(setting: 'auto' | SparkWrite, sparkHost: string): SparkWrite {
  if (setting !== 'auto') return setting;
  return LOOPBACK.test(sparkHost) ? 'copy' : 'jdbc';
}

export async function syncWithSpark(options: SparkSyncOptions): Promise<SparkSyncSummary> {
  const { project, logger } = options;
  const settings = project.spark;
  const session: SparkSession = connectSpark(options.sparkUrl ?? settings.url, {
    ...(settings.caPem ? { rootCertificates: settings.caPem } : {}),
    onReattach: ({ operationId, reason }) =>
      logger.warn({ operationId, reason }, `Spark stream interrupted; reattaching`),
  });
  try {
    const sparkVersion = await session.sparkVersion(options.signal);
    const job: Job = {
      session,
      project,
      write: resolveWrite(settings.write, session.target.host),
      exchangeDir: settings.exchange_dir ?? join(tmpdir(), 'ferry-spark'),
      fullRefresh: options.fullRefresh ?? false,
      logger,
      tables: [],
    };
    logger.info(
      { spark: session.target.host, version: sparkVersion, write: job.write },
      `sync with Spark ${sparkVersion} (write: ${job.write})`,
    );
    const copier: Copier = {
      kind: 'sync',
      engine: 'spark',
      what: 'ferry sync',
      readers: () => 0,
      concurrency: () => 1,
      prepare: (work) => {
        const filtered = work.filter((w) => w.plan.where !== undefined).map((w) => w.plan.name);
        if (filtered.length > 0)
          throw new ConfigError(`--engine spark copies whole tables; ${filtered.join(', ')} set where:`, [], {
            hint: 'sync those streams without --engine spark, or leave them out with --streams',
          });
        for (const { plan, mappings } of work)
          compileQuality(plan, mappings, plan.targetSchema, options.state.quarantine);
      },
      copy: (ctx, _pair, work) => copyStream(ctx, work, job),
    };
    const summary = await runCopies(options, copier);
    return {
      ...summary,
      spark: `${session.target.host}:${session.target.port}`,
      sparkVersion,
      write: job.write,
      tables: job.tables,
    };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** One stream: incremental from its mark when it has a usable one, otherwise a full load. */
async function copyStream(ctx: RunContext, work: StreamWork, job: Job): Promise<StreamResult> {
  const { plan, mappings } = work;
  const source = await connectMysql(job.project.source);
  try {
    if (plan.mode !== 'incremental') return await fullLoad(ctx, work, job, source, { mode: 'full_refresh' });
    const blocker = incrementalBlocker(plan.table, plan.cursor);
    if (blocker)
      return await copiedInFull(ctx.logger, plan, blocker, () =>
        fullLoad(ctx, work, job, source, { mode: 'full_refresh' }),
      );
    const cursor = cursorOf(plan.table, plan.cursor)!;
    // What may still commit below the mark, read before the job as a snapshot would (cursor-mark.ts).
    const horizon = await readWriteHorizon(source);
    const withHorizon: RunContext = {
      ...ctx,
      horizon: { ...horizon, snapshotAt: await sourceClock(source) },
    };
    const full = { mode: 'incremental', cursor } as const;
    if (job.fullRefresh) return await fullLoad(withHorizon, work, job, source, full);
    const saved = await savedMark(ctx, ctx.control, plan, cursor.name);
    if (!saved) return await fullLoad(withHorizon, work, job, source, full);
    const { state, existing } = saved;
    const diff = diffSchema(mappings, existing);
    const { rebuild, widen } = checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger);
    if (rebuild) return await fullLoad(withHorizon, work, job, source, full);
    return await changedLoad(withHorizon, work, job, source, {
      cursor,
      state,
      diff,
      widen,
    });
  } finally {
    await source.end().catch(() => undefined);
  }
}
