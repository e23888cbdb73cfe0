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
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { createTableSql, readTargetColumns, type TargetColumn } from '../connectors/postgres/ddl.js';
import type { Logger } from '../observability/logger.js';
import { compileQuality } from '../quality/stream-quality.js';
import { qualifiedPg, quotePg, RECHECK_COLUMN, sparkStagingName } from '../schema/identifiers.js';
import { connectSpark, type SparkSession } from '../spark/session.js';
import type { FerryState } from '../state/ferry-state.js';
import { incrementalBlocker, nextHoles } from './incremental.js';
import { aboveMark, cursorOf, readSnapshotMark, type Cursor } from './cursor-mark.js';
import { findHoles, holesToKeep, inHoles, loadHoleRegion } from './cursor-holes.js';
import { readWriteHorizon, sourceClock } from '../connectors/mysql/write-horizon.js';
import type { StreamState } from '../state/streams.js';
import type { TypeChange } from './widen.js';
import { originalRowsFromSource } from './original-rows.js';
import { publishFullLoad } from './publish.js';
import { publishMerge } from './publish-merge.js';
import {
  runCopies,
  type Copier,
  type CopyProject,
  type RunSummary,
  type StreamWork,
} from './run-lifecycle.js';
import { checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import { fillWithSpark, planSparkRead, type SparkFillResult, type SparkWrite } from './spark-copy.js';
import { recheckRows } from './spark-recheck.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';

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
}

export interface SparkTableResult extends SparkFillResult {
  table: string;
  target: string;
  mode: 'full_refresh' | 'incremental';
  /** Rows the read was planned for (COUNT(*) of the rows to read before the job). */
  sourceRows: number;
  targetRows: number;
  /** Rows ferry read again and judged itself (value policies, row checks). */
  rechecked: number;
  /** Where the time went: the Spark job (with the COPY of its files), the recheck, the put in place. */
  profile: { plan: number; copy: number; recheck: number; publish: number };
  seconds: number;
}

export interface SparkSyncSummary extends RunSummary {
  /** host:port of the Spark Connect server. */
  spark: string;
  sparkVersion: string;
  write: SparkWrite;
  tables: SparkTableResult[];
}

interface Job {
  session: SparkSession;
  project: SparkSyncOptions['project'];
  write: SparkWrite;
  exchangeDir: string;
  fullRefresh: boolean;
  logger: Logger;
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
        for (const { plan, mappings } of work)
          compileQuality(plan, mappings, project.targetSchema, options.state.quarantine);
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
    if (blocker) {
      const warning = `${plan.name} cannot be incremental because ${blocker}; copying it in full`;
      ctx.logger.warn({ stream: plan.name }, warning);
      const result = await fullLoad(ctx, work, job, source, { mode: 'full_refresh' });
      result.warnings.push(warning);
      return result;
    }
    const cursor = cursorOf(plan.table, plan.cursor)!;
    // What may still commit below the mark, read before the job as a snapshot would (cursor-mark.ts).
    const horizon = await readWriteHorizon(source);
    const withHorizon: RunContext = {
      ...ctx,
      horizon: { ...horizon, snapshotAt: await sourceClock(source) },
    };
    const full = { mode: 'incremental', cursor } as const;
    if (job.fullRefresh) return await fullLoad(withHorizon, work, job, source, full);
    const key = { targetSchema: ctx.targetSchema, table: plan.targetTable };
    const state = await ctx.state.streams.read(ctx.control, key);
    const existing = await readTargetColumns(ctx.control, ctx.targetSchema, plan.targetTable);
    if (
      !state ||
      !existing ||
      state.mode !== 'incremental' ||
      state.cursorColumn !== cursor.name ||
      state.highWater === null
    ) {
      ctx.logger.info(
        { stream: plan.name },
        `${plan.name}: no high-water mark yet; first load copies the table in full`,
      );
      return await fullLoad(withHorizon, work, job, source, full);
    }
    const diff = diffSchema(mappings, existing);
    const { rebuild, widen } = checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger);
    if (rebuild) return await fullLoad(withHorizon, work, job, source, full);
    return await changedLoad(withHorizon, work, job, source, {
      cursor,
      state: { ...state, highWater: state.highWater },
      diff,
      widen,
    });
  } finally {
    await source.end().catch(() => undefined);
  }
}

interface Filled {
  result: StreamResult;
  staging: string;
  table: SparkTableResult;
}

/**
 * Fills the staging table with Spark (the rows of `where`, all by default), judges the marked rows
 * and counts: read = loaded + quarantined. The caller puts it in place and drops it on failure.
 */
async function fill(
  ctx: RunContext,
  work: StreamWork,
  job: Job,
  source: MysqlConnection,
  load: {
    mode: StreamResult['mode'];
    where?: string;
    kept: readonly TargetColumn[];
    gate: ReturnType<typeof compileQuality>['gate'];
  },
): Promise<Filled> {
  const { plan, mappings } = work;
  const started = Date.now();
  const schema = ctx.targetSchema;
  const staging = sparkStagingName(plan.targetTable);
  const result = emptyResult(plan.name, load.mode);
  const read = await planSparkRead(source, plan.table, mappings, {
    where: load.where,
    checks: plan.checks,
    streamName: plan.name,
    rowsPerPartition: job.project.spark.rows_per_partition,
  });
  await ctx.control.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
  await ctx.control.query(
    createTableSql(
      schema,
      staging,
      [
        ...mappings.map((m) => ({ name: m.targetName, pgType: m.pgType })),
        ...load.kept,
        ...(read.recheck ? [{ name: RECHECK_COLUMN, pgType: 'text' }] : []),
      ],
      [],
    ),
  );
  const planned = Date.now();
  const filled = await fillWithSpark({
    session: job.session,
    source: job.project.source,
    target: job.project.target,
    plan: read,
    into: { schema, table: staging },
    write: job.write,
    exchangeDir: job.exchangeDir,
    writeConnections:
      job.write === 'copy'
        ? job.project.spark.copy_connections
        : Math.min(read.partitioning?.partitions ?? 1, job.project.spark.write_connections),
    logger: ctx.logger,
    signal: ctx.signal,
  });
  const copied = Date.now();
  const rows =
    filled.rows ??
    Number(
      (await ctx.control.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedPg(schema, staging)}`))
        .rows[0]!.n,
    );
  const rechecked = await recheckRows({
    control: ctx.control,
    source,
    state: ctx.state,
    run: { targetSchema: schema, stream: plan.name, runId: ctx.runId },
    staging,
    table: plan.table,
    mappings,
    policies: ctx.settings,
    gate: load.gate,
    marked: filled.marked,
    condition: [read.recheck ?? 'FALSE', ...(load.where ? [load.where] : [])]
      .map((c) => `(${c})`)
      .join(' AND '),
    signal: ctx.signal,
  });
  if (read.recheck)
    await ctx.control.query(
      `ALTER TABLE ${qualifiedPg(schema, staging)} DROP COLUMN ${quotePg(RECHECK_COLUMN)}`,
    );
  if (rechecked.vanished > 0)
    result.warnings.push(
      `${rechecked.vanished} row(s) left the source while Spark copied them (ferry found them no more when it read them again to check them)`,
    );
  result.rowsRead = rows - rechecked.vanished;
  result.rowsLoaded = result.rowsRead - rechecked.quarantined;
  result.rowsQuarantined = rechecked.quarantined;
  result.valuesNulled = rechecked.nulled;
  const done = Date.now();
  return {
    result,
    staging,
    table: {
      ...filled,
      table: plan.table.name,
      target: `${schema}.${plan.targetTable}`,
      mode: load.mode,
      sourceRows: read.rows,
      targetRows: 0,
      rechecked: rechecked.marked,
      profile: {
        plan: (planned - started) / 1000,
        copy: (copied - planned) / 1000,
        recheck: (done - copied) / 1000,
        publish: 0,
      },
      seconds: 0,
    },
  };
}

/** Records the table's figures once its load is in place. */
function finish(job: Job, filled: Filled, started: number, publishStarted: number): StreamResult {
  const now = Date.now();
  filled.table.profile.publish = (now - publishStarted) / 1000;
  filled.table.seconds = (now - started) / 1000;
  filled.table.targetRows = filled.result.rowsLoaded;
  job.tables.push(filled.table);
  return filled.result;
}

async function dropStaging(ctx: RunContext, staging: string): Promise<void> {
  await ctx.control
    .query(`DROP TABLE IF EXISTS ${qualifiedPg(ctx.targetSchema, staging)}`)
    .catch(() => undefined);
}

async function fullLoad(
  ctx: RunContext,
  work: StreamWork,
  job: Job,
  source: MysqlConnection,
  options: { mode: 'full_refresh' } | { mode: 'incremental'; cursor: Cursor },
): Promise<StreamResult> {
  const { plan, mappings } = work;
  const started = Date.now();
  const startedAt = new Date();
  const quality = compileQuality(plan, mappings, ctx.targetSchema, ctx.state.quarantine);
  // Columns of the current target that the source dropped stay, NULL from now on.
  const existing = await readTargetColumns(ctx.control, ctx.targetSchema, plan.targetTable);
  let kept: TargetColumn[] = [];
  let widen: TypeChange[] = [];
  const warnings: string[] = [];
  if (existing) {
    const diff = diffSchema(mappings, existing);
    ({ widen } = checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger));
    kept = diff.dropped;
    for (const d of diff.dropped)
      warnings.push(`column ${d.name} dropped in the source; kept, NULL from now on`);
  }
  const cursor = options.mode === 'incremental' ? options.cursor : undefined;
  // The mark, and a numeric cursor's holes, are read before the job: rows that change while Spark
  // reads are read again by the next run.
  const mark = cursor ? await markOf(ctx, source, plan, cursor) : undefined;
  warnings.push(...(mark?.warnings ?? []));
  const holes =
    cursor?.kind === 'numeric' && mark?.max
      ? holesToKeep(
          await findHoles(source, plan.table, cursor, [
            await loadHoleRegion(
              source,
              plan.table,
              cursor,
              mark.max,
              ctx.horizon?.snapshotAt ?? Date.now() / 1000,
            ),
          ]),
          ctx.horizon,
          plan.lookbackSeconds,
          cursor.scale,
        )
      : [];
  const staging = sparkStagingName(plan.targetTable);
  try {
    const filled = await fill(ctx, work, job, source, { mode: options.mode, kept, gate: quality.gate });
    filled.result.warnings.push(...warnings);
    const publishStarted = Date.now();
    await publishFullLoad(
      ctx,
      ctx.control,
      {
        plan,
        mappings,
        staging,
        quality,
        settle: { original: originalRowsFromSource(source, plan.table, mappings) },
        mode: options.mode,
        cursor: cursor?.name ?? null,
        highWater: mark?.mark ?? null,
        holes,
        widen,
        startedAt,
        started,
      },
      filled.result,
    );
    return finish(job, filled, started, publishStarted);
  } catch (error) {
    await dropStaging(ctx, staging);
    throw error;
  }
}

/** The mark the stream may store, by the rules of ferry sync (cursor-mark.ts: open writers hold it back). */
function markOf(ctx: RunContext, source: MysqlConnection, plan: StreamWork['plan'], cursor: Cursor) {
  return readSnapshotMark(source, plan.table, cursor, ctx.horizon, plan.lookbackSeconds);
}

/** An incremental stream from its mark: only the rows past it (less the lookback) are read, and merged. */
async function changedLoad(
  ctx: RunContext,
  work: StreamWork,
  job: Job,
  source: MysqlConnection,
  from: {
    cursor: Cursor;
    state: StreamState & { highWater: string };
    diff: ReturnType<typeof diffSchema>;
    widen: TypeChange[];
  },
): Promise<StreamResult> {
  const { plan, mappings } = work;
  const { cursor, state } = from;
  const started = Date.now();
  const startedAt = new Date();
  const quality = compileQuality(plan, mappings, ctx.targetSchema, ctx.state.quarantine);
  // The rows ferry sync would read (incremental.ts): from the old mark less the lookback up, and the
  // holes a numeric cursor left below it; the new mark is read before the job.
  const mark = await markOf(ctx, source, plan, cursor);
  const newMark = mark.mark ?? state.highWater;
  const above = aboveMark(cursor, state.highWater, plan.lookbackSeconds);
  const holes = cursor.kind === 'numeric' ? inHoles(cursor, state.holes) : '';
  const where = source.format(`(${above.sql})${holes ? ` OR ${holes}` : ''}`, above.params);
  const nextHolesAfter =
    cursor.kind === 'numeric' ? await nextHoles(ctx, source, plan, cursor, state, mark.max) : [];
  const staging = sparkStagingName(plan.targetTable);
  try {
    const filled = await fill(ctx, work, job, source, {
      mode: 'incremental',
      where,
      kept: [],
      gate: quality.gate,
    });
    filled.result.warnings.push(...mark.warnings);
    for (const d of from.diff.dropped)
      filled.result.warnings.push(`column ${d.name} dropped in the source; kept, NULL from now on`);
    const publishStarted = Date.now();
    await publishMerge(
      ctx,
      { source, target: ctx.control },
      {
        plan,
        mappings,
        incoming: qualifiedPg(ctx.targetSchema, staging),
        quality,
        added: from.diff.added,
        dropped: from.diff.dropped,
        highWater: newMark,
        holes: nextHolesAfter,
        widen: from.widen,
        startedAt,
        started,
      },
      filled.result,
    );
    return finish(job, filled, started, publishStarted);
  } finally {
    await dropStaging(ctx, staging);
  }
}
