// Puts a finished full load in place, in one transaction, for every copier that fills a staging
// table (ferry's chunked byte copy, the Spark JDBC job): the set checks and deduplication on the
// loaded rows, the key and indexes, the swap (dependent views kept), earlier quarantine entries
// settled, the stream's state and its run record. Readers see the old table or the new one.
// Whatever PostgreSQL refuses on the way (a key it cannot build, a swap that other objects block)
// fails this stream alone, with the table, the cause and what to do.
import type { PgClient } from '../connectors/postgres/connect.js';
import { hasDependentViews, readTargetColumns } from '../connectors/postgres/ddl.js';
import { postgresQueryError } from '../connectors/postgres/postgres-errors.js';
import { serverDetail, sqlState } from '../connectors/postgres/server-error.js';
import { swapTable } from '../connectors/postgres/swap.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { FerryError, SchemaError } from '../errors.js';
import type { SettleHow, StreamQuality } from '../quality/stream-quality.js';
import { DELETED_AT, SYNCED_AT, qualifiedPg, quotePg } from '../schema/identifiers.js';
import { targetIndexes } from '../schema/index-mapping.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import type { CursorHole } from '../state/streams.js';
import { succeededStreamRun, type RunContext, type StreamResult } from './stream-context.js';
import { describeWidening, widenColumns, type TypeChange } from './widen.js';
import { checkConfiguredKey } from './key-uniqueness.js';
import type { StreamPlan } from './stream-plan.js';
import type { StreamMode } from '../config/project.js';

export interface FullLoad {
  plan: StreamPlan;
  mappings: readonly ColumnMapping[];
  staging: string;
  quality: StreamQuality;
  /** Where the set checks find the original values of the rows they set aside. */
  settle: SettleHow;
  /** Mode recorded in the state (an incremental stream loaded in full keeps its mode). */
  mode: StreamMode;
  cursor: string | null;
  highWater: string | null;
  /** Holes a numeric cursor left below the mark (cursor-holes.ts). */
  holes?: readonly CursorHole[];
  /** Lossless type changes of the current table's columns, loaded already with the new types. */
  widen?: readonly TypeChange[];
  startedAt: Date;
  started: number;
}

export async function publishFullLoad(
  ctx: RunContext,
  target: PgClient,
  load: FullLoad,
  result: StreamResult,
): Promise<void> {
  const { plan, mappings } = load;
  const schema = plan.targetSchema;
  const key = { targetSchema: schema, table: plan.targetTable };
  const table = `${schema}.${plan.targetTable}`;
  const started = performance.now();
  // The steps after the copy, for the progress bar: checks, the key, each index, the swap, the state.
  const indexes = targetIndexes(plan.table.indexes, mappings);
  const steps = 3 + (plan.table.primaryKey.length > 0 ? 1 : 0) + indexes.indexes.length;
  let step = 0;
  const progress = (phase: string) =>
    ctx.progress?.update(plan.name, { phase, step: Math.min((step += 1), steps), steps });
  await inTransaction(target, async () => {
    progress('checking the loaded rows');
    const settled = await load.quality.settle(
      target,
      { relation: qualifiedPg(schema, load.staging), whole: true },
      ctx.runId,
      load.settle,
    );
    result.rowsLoaded -= settled.quarantined;
    result.rowsQuarantined += settled.quarantined;
    result.warnings.push(...settled.warnings);
    Object.assign(result, load.quality.counts());
    await checkConfiguredKey(target, plan, mappings, qualifiedPg(schema, load.staging));
    if (plan.mode !== 'full_refresh' && plan.deletes === 'soft') {
      const kept = await keepTombstones(target, plan, mappings, load.staging);
      if (kept.rows > 0)
        result.warnings.push(
          `kept ${kept.rows} row(s) the source no longer has, marked in ${DELETED_AT} (${kept.marked} newly): deletes: soft`,
        );
      result.rowsDeleted += kept.marked;
    }
    await raiseMaintenanceMemory(target);
    result.warnings.push(...(await widenKeptTable(target, schema, plan.targetTable, load.widen ?? [])));
    const loadRuns = await ctx.state.chunks.runsOf(target, key);
    const names = new Set(mappings.map((m) => m.column.name));
    const swap = await swapTable(target, {
      schema,
      table: plan.targetTable,
      staging: load.staging,
      primaryKey: plan.table.primaryKey.filter((k) => names.has(k)).map((k) => targetNameOf(mappings, k)),
      indexes: indexes.indexes,
      keepChangedColumns: true,
      replaceView: false,
      refuse: (why) =>
        new SchemaError(`${plan.name}: ${why}`, {
          hint: `drop or change the views on ${table}, or give the stream another target_table`,
        }),
      failed: (failedStep, error) => cannotPutInPlace(table, failedStep, error),
      onStep: progress,
    });
    result.putInPlace = { ...swap.seconds, total: 0 };
    for (const column of swap.added)
      ctx.logger.info({ stream: plan.name, column }, `${plan.name}: column ${column} added`);
    for (const notice of [...indexes.notices, ...swap.notices]) {
      ctx.logger.warn({ stream: plan.name }, `${plan.name}: ${notice}`);
      result.warnings.push(notice);
    }
    step = steps - 1;
    progress('recording the state');
    await load.quality.resolveEarlier(
      target,
      { relation: qualifiedPg(schema, plan.targetTable), whole: true },
      ctx.runId,
      loadRuns,
    );
    await ctx.state.streams.write(target, {
      ...key,
      sourceTable: plan.table.name,
      mode: load.mode,
      cursorColumn: load.cursor,
      highWater: load.highWater,
      holes: load.holes,
      binlog: ctx.binlog,
      runId: ctx.runId,
      rowsTotal: result.rowsLoaded,
    });
    await ctx.state.chunks.forget(target, key);
    result.seconds = (Date.now() - load.started) / 1000;
    await ctx.state.runs.recordStream(
      target,
      succeededStreamRun(
        ctx.runId,
        { targetSchema: schema, table: plan.targetTable },
        load.mode,
        result,
        load.startedAt,
      ),
    );
  }).catch((error: unknown) => {
    throw error instanceof FerryError ? error : cannotPutInPlace(table, 'putting it in place', error);
  });
  if (result.putInPlace) result.putInPlace.total = (performance.now() - started) / 1000;
}

/**
 * A full load of a `deletes: soft` stream keeps its tombstones: the current table's rows whose key
 * the load lacks go into the staging table too, marked deleted (those marked before keep their
 * time, the others are marked now). Without this a full refresh would forget every deletion.
 */
async function keepTombstones(
  target: PgClient,
  plan: StreamPlan,
  mappings: readonly ColumnMapping[],
  staging: string,
): Promise<{ rows: number; marked: number }> {
  const existing = await readTargetColumns(target, plan.targetSchema, plan.targetTable);
  const names = new Set(existing?.map((c) => c.name));
  const key = plan.table.primaryKey.map((k) => targetNameOf(mappings, k));
  if (!existing || !names.has(DELETED_AT) || key.length === 0 || key.some((k) => !names.has(k)))
    return { rows: 0, marked: 0 };
  const columns = [...mappings.map((m) => m.targetName).filter((c) => names.has(c)), SYNCED_AT].map(quotePg);
  const { rows } = await target.query<{ rows: string; marked: string }>(
    `WITH kept AS (
       INSERT INTO ${qualifiedPg(plan.targetSchema, staging)} (${[...columns, quotePg(DELETED_AT)].join(', ')})
       SELECT ${columns.map((c) => `t.${c}`).join(', ')}, coalesce(t.${quotePg(DELETED_AT)}, now())
         FROM ${qualifiedPg(plan.targetSchema, plan.targetTable)} t
        WHERE NOT EXISTS (SELECT 1 FROM ${qualifiedPg(plan.targetSchema, staging)} s
                           WHERE ${key.map((k) => `s.${quotePg(k)} = t.${quotePg(k)}`).join(' AND ')})
       RETURNING ${quotePg(DELETED_AT)} = now() AS fresh
     )
     SELECT count(*) AS rows, count(*) FILTER (WHERE fresh) AS marked FROM kept`,
  );
  return { rows: Number(rows[0]!.rows), marked: Number(rows[0]!.marked) };
}

/**
 * The staging table has the widened types already; a table that views depend on is kept by the
 * swap (its rows are replaced), so its columns are widened first, the views kept.
 */
async function widenKeptTable(
  target: PgClient,
  schema: string,
  table: string,
  widen: readonly TypeChange[],
): Promise<string[]> {
  if (widen.length === 0) return [];
  if (await hasDependentViews(target, schema, table))
    return [(await widenColumns(target, { schema, table }, widen)).summary];
  return [`${describeWidening(widen)} (the new table was loaded with them)`];
}

/**
 * A failure PostgreSQL reports while the table is put in place, as this stream's error: the table,
 * the step, the cause (classified by connectors/postgres/postgres-errors.ts, with the server's
 * detail) and what to do. Connection losses and the like stay what they are and stop the run. It is
 * a schema error: the rows were read in full, the stream's reader stays in use.
 */
function cannotPutInPlace(table: string, step: string, error: unknown): unknown {
  if (!(error instanceof FerryError) && sqlState(error) === undefined) return error; // not the server's: a bug
  const classified = postgresQueryError(error, table);
  if (!(classified instanceof FerryError)) return classified;
  if (classified.kind !== 'data' && classified.kind !== 'schema') return classified;
  const detail = serverDetail(error);
  const hint =
    classified.hint ??
    'exclude the table (`exclude:` on its stream) or change what blocks it, then run ferry sync again';
  return new SchemaError(
    `${table}: ${step} failed: ${classified.message}${detail ? `: ${detail.replace(/\.$/, '')}` : ''}; to fix: ${hint}`,
    { hint, cause: error },
  );
}

/**
 * Within the transaction, lets the primary key and index builds sort in memory: PostgreSQL's
 * default 64MB spills a million-row key to disk, which made the build take twice as long.
 * A server configured with more keeps its setting.
 */
async function raiseMaintenanceMemory(target: PgClient): Promise<void> {
  await target.query(
    `SELECT set_config('maintenance_work_mem', '256MB', true) FROM pg_settings WHERE name = 'maintenance_work_mem' AND setting::bigint < 262144`,
  );
}
