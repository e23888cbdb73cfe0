// One stream of `ferry sync --engine spark`: a full load (publish.ts puts it in place) or the rows
// of an incremental stream past its mark (publish-merge.ts merges them), each filled by a Spark job
// (spark-copy.ts) into a staging table whose marked rows ferry then judges itself (spark-recheck.ts).
// The mark, its holes and the rows to read follow ferry sync's rules (cursor-mark.ts, cursor-holes.ts).
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import { createTableSql, readTargetColumns, type TargetColumn } from '../connectors/postgres/ddl.js';
import type { Logger } from '../observability/logger.js';
import { progressInterval } from '../observability/progress.js';
import { compileQuality } from '../quality/stream-quality.js';
import { qualifiedPg, quotePg, RECHECK_COLUMN, sparkStagingName } from '../schema/identifiers.js';
import type { SparkSession } from '../spark/session.js';
import type { StreamState } from '../state/streams.js';
import { findHoles, holesToKeep, inHoles, loadHoleRegion } from './cursor-holes.js';
import { aboveMark, readSnapshotMark, type Cursor } from './cursor-mark.js';
import { nextHoles } from './incremental.js';
import { originalRowsFromSource } from './original-rows.js';
import { publishFullLoad } from './publish.js';
import { watchStagingRows } from './staging-progress.js';
import { publishMerge } from './publish-merge.js';
import type { StreamWork } from './run-lifecycle.js';
import { checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import { fillWithSpark, planSparkRead, type SparkFillResult, type SparkWrite } from './spark-copy.js';
import { recheckRows } from './spark-recheck.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';
import type { TypeChange } from './widen.js';
import type { SparkSyncOptions } from './spark-sync.js';

export interface SparkTableResult extends SparkFillResult {
  table: string;
  target: string;
  mode: StreamResult['mode'];
  /** Rows the read was planned for (COUNT(*) of the rows to read before the job). */
  sourceRows: number;
  targetRows: number;
  /** Rows ferry read again and judged itself (value policies, row checks). */
  rechecked: number;
  /** Where the time went: the Spark job (with the COPY of its files), the recheck, the put in place. */
  profile: { plan: number; copy: number; recheck: number; publish: number };
  seconds: number;
}

/** What every stream of one Spark sync shares. */
export interface Job {
  session: SparkSession;
  project: SparkSyncOptions['project'];
  write: SparkWrite;
  exchangeDir: string;
  fullRefresh: boolean;
  logger: Logger;
  tables: SparkTableResult[];
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
  const schema = plan.targetSchema;
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
  // The rows PostgreSQL has received so far, read from the staging table every few seconds; an
  // incremental read (a where) cannot know its total.
  const total = load.where === undefined ? plan.table.estimatedRows : null;
  ctx.progress?.update(plan.name, { phase: 'copying with Spark', rows: 0, rowsTotal: total });
  const unwatch = watchStagingRows(
    ctx.control,
    { schema, staging, target: plan.targetTable },
    progressInterval(),
    (rows) => ctx.progress?.update(plan.name, { rows: total === null ? rows : Math.min(rows, total) }),
  );
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
  }).finally(unwatch);
  const copied = Date.now();
  const rows =
    filled.rows ??
    Number(
      (await ctx.control.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedPg(schema, staging)}`))
        .rows[0]!.n,
    );
  ctx.progress?.update(plan.name, { rows });
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

async function dropStaging(ctx: RunContext, schema: string, staging: string): Promise<void> {
  await ctx.control.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`).catch(() => undefined);
}

export async function fullLoad(
  ctx: RunContext,
  work: StreamWork,
  job: Job,
  source: MysqlConnection,
  options: { mode: 'full_refresh' } | { mode: 'incremental'; cursor: Cursor },
): Promise<StreamResult> {
  const { plan, mappings } = work;
  const started = Date.now();
  const startedAt = new Date();
  const quality = compileQuality(plan, mappings, plan.targetSchema, ctx.state.quarantine);
  // Columns of the current target that the source dropped stay, NULL from now on.
  const existing = await readTargetColumns(ctx.control, plan.targetSchema, plan.targetTable);
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
    await dropStaging(ctx, plan.targetSchema, staging);
    throw error;
  }
}

/** The mark the stream may store, by the rules of ferry sync (cursor-mark.ts: open writers hold it back). */
function markOf(ctx: RunContext, source: MysqlConnection, plan: StreamWork['plan'], cursor: Cursor) {
  return readSnapshotMark(source, plan.table, cursor, ctx.horizon, plan.lookbackSeconds);
}

/** An incremental stream from its mark: only the rows past it (less the lookback) are read, and merged. */
export async function changedLoad(
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
  const quality = compileQuality(plan, mappings, plan.targetSchema, ctx.state.quarantine);
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
        incoming: qualifiedPg(plan.targetSchema, staging),
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
    await dropStaging(ctx, plan.targetSchema, staging);
  }
}
