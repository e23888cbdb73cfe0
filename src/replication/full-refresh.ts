// full_refresh: copy the whole table into a staging table chunk by chunk (each chunk commits with its
// progress record), then build keys and indexes and swap it in within one transaction.
import type { SourceTable } from '../schema/source-table.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { type PgClient } from '../connectors/postgres/connect.js';
import {
  createIndexSql,
  createTableSql,
  hasDependentViews,
  readTargetColumns,
  tableExists,
  type TargetColumn,
} from '../connectors/postgres/ddl.js';
import {
  finishedChunks,
  forgetChunks,
  quarantineRows,
  earliestChunkMark,
  recordChunk,
  recordStreamRun,
  recordValueChanges,
  writeStreamState,
} from '../connectors/postgres/state-store.js';
import { chunkWhere, planChunks, type Chunk } from './chunks.js';
import { copyRows } from './copy-rows.js';
import type { StreamPlan } from './stream-plan.js';
import { addColumns, checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import { emptyResult, type ConnectionPair, type RunContext, type StreamResult } from './stream-context.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { abandonStagedLoad } from './abandon.js';
import { originalRowsFromSource } from './original-rows.js';
import { compileQuality } from '../quality/stream-quality.js';
import { identifier, qualifiedPg, quoteMysql, quotePg, stagingName } from '../schema/identifiers.js';

export interface FullRefreshOptions {
  /** For incremental streams loaded in full: the cursor column whose maximum becomes the high-water mark. */
  cursor?: string | undefined;
  /** Stream mode recorded in the state (incremental streams loaded in full keep their mode). */
  mode: 'full_refresh' | 'incremental';
}

export async function fullRefresh(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  options: FullRefreshOptions,
): Promise<StreamResult> {
  const started = Date.now();
  const startedAt = new Date();
  const { target, source } = pair;
  const schema = ctx.targetSchema;
  const table = plan.table;
  const result = emptyResult(plan.name, options.mode);
  const staging = stagingName(plan.targetTable);
  const quality = compileQuality(plan, mappings, schema);
  const abandon = (error: unknown) =>
    abandonStagedLoad(
      target,
      { schema, stream: plan.name, targetTable: plan.targetTable, staging, runId: ctx.runId },
      error,
    );

  // Columns of the current target that the source dropped stay, NULL from now on.
  const existing = await readTargetColumns(target, schema, plan.targetTable);
  let kept: TargetColumn[] = [];
  if (existing) {
    const diff = diffSchema(mappings, existing);
    checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger);
    kept = diff.dropped;
    for (const d of diff.dropped)
      result.warnings.push(`column ${d.name} dropped in the source; kept, NULL from now on`);
  }

  const chunks = await planChunks(source, table, ctx.settings.chunk_rows);
  const done = await resumableChunks(ctx, pair, plan, staging, chunks);
  if (done.size === 0) {
    await target.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
    await forgetChunks(target, schema, plan.targetTable);
    await target.query(
      createTableSql(
        schema,
        staging,
        [...mappings.map((m) => ({ name: m.column.name, pgType: m.pgType })), ...kept],
        [],
      ),
    );
  } else {
    ctx.logger.info(
      { stream: plan.name, chunks: done.size },
      `${plan.name}: resuming, ${done.size} of ${chunks.length} chunks already copied`,
    );
  }

  let rowsDone = [...done.values()].reduce((a, b) => a + b, 0);
  ctx.onProgress?.(plan.name, rowsDone, Math.max(table.estimatedRows, rowsDone));
  // The high-water mark of this run's snapshot, recorded with every chunk it copies.
  const snapshotMark = options.cursor ? await maxCursor(pair, table, options.cursor) : null;
  const copyChunk = async (chunkPair: ConnectionPair, chunk: Chunk) => {
    const { where, params } = chunkWhere(table, chunk);
    await inTransaction(chunkPair.target, async () => {
      const copied = await copyRows({
        source: chunkPair.source,
        target: chunkPair.target,
        table,
        mappings,
        where,
        params,
        targetSchema: schema,
        targetTable: staging,
        stream: plan.name,
        policies: ctx.settings,
        batchRows: ctx.settings.batch_rows,
        signal: ctx.signal,
        gate: quality.gate,
        onRows: (n) => {
          rowsDone += n;
          ctx.onProgress?.(plan.name, rowsDone, Math.max(table.estimatedRows, rowsDone));
        },
      });
      await quarantineRows(chunkPair.target, plan.name, schema, ctx.runId, copied.quarantined);
      await recordValueChanges(chunkPair.target, plan.name, schema, ctx.runId, copied.nulled);
      await recordChunk(
        chunkPair.target,
        schema,
        plan.targetTable,
        staging,
        chunk.index,
        chunk.lower,
        chunk.upper,
        copied.rowsRead,
        ctx.runId,
        snapshotMark,
      );
      result.rowsRead += copied.rowsRead;
      result.rowsLoaded += copied.rowsLoaded;
      result.rowsQuarantined += copied.quarantined.length;
      result.valuesNulled += copied.nulled.length;
      result.bytes += copied.bytes;
    }).catch(abandon);
  };
  const pending = chunks.filter((c) => !done.has(c.index));
  result.chunksSkipped = chunks.length - pending.length;
  const copyStarted = Date.now();
  await copyChunks(ctx, pair, pending, copyChunk);
  ctx.logger.debug(
    { stream: plan.name, chunks: pending.length, seconds: (Date.now() - copyStarted) / 1000 },
    `${plan.name}: ${pending.length} chunk(s) copied`,
  );

  // A resumed load holds chunks from older snapshots: the oldest run's mark, so that rows changed
  // since then are read again by the next incremental run.
  const earliest = options.cursor
    ? await earliestChunkMark(target, schema, plan.targetTable, staging)
    : undefined;
  const highWater = options.cursor ? (earliest === undefined ? snapshotMark : earliest) : null;
  await inTransaction(target, async () => {
    const settled = await quality.settle(
      target,
      { relation: qualifiedPg(schema, staging), whole: true },
      ctx.runId,
      { original: originalRowsFromSource(source, table, mappings) },
    );
    result.rowsLoaded -= settled.quarantined;
    result.rowsQuarantined += settled.quarantined;
    result.warnings.push(...settled.warnings);
    Object.assign(result, quality.counts());
    await raiseMaintenanceMemory(target);
    await swapIn(ctx, pair, plan, mappings, staging);
    await quality.resolveEarlier(
      target,
      { relation: qualifiedPg(schema, plan.targetTable), whole: true },
      ctx.runId,
    );
    await writeStreamState(target, {
      schema,
      table: plan.targetTable,
      sourceTable: table.name,
      mode: options.mode,
      cursorColumn: options.cursor ?? null,
      highWater,
      binlogFile: ctx.binlog.file,
      binlogPosition: ctx.binlog.position,
      runId: ctx.runId,
      rowsTotal: null,
    });
    await forgetChunks(target, schema, plan.targetTable);
    result.seconds = (Date.now() - started) / 1000;
    await recordStreamRun(target, {
      runId: ctx.runId,
      schema,
      table: plan.targetTable,
      mode: options.mode,
      status: 'succeeded',
      rowsRead: result.rowsRead,
      rowsLoaded: result.rowsLoaded,
      rowsQuarantined: result.rowsQuarantined,
      valuesNulled: result.valuesNulled,
      rowsDeleted: 0,
      bytes: result.bytes,
      startedAt,
    });
  }).catch(abandon);
  return result;
}

/** Finished chunks of an earlier, interrupted run that match this run's chunk plan. */
async function resumableChunks(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  staging: string,
  chunks: Chunk[],
): Promise<Map<number, number>> {
  if (!(await tableExists(pair.target, ctx.targetSchema, staging))) return new Map();
  const { rows } = await pair.target.query<{
    chunk: number;
    lower_bound: string | null;
    upper_bound: string | null;
    rows: string;
  }>(
    `SELECT chunk, lower_bound, upper_bound, rows FROM "_ferry"."chunks" WHERE target_schema = $1 AND target_table = $2 AND staging_table = $3`,
    [ctx.targetSchema, plan.targetTable, staging],
  );
  const matches = rows.every((r) => {
    const c = chunks[r.chunk];
    return c !== undefined && c.lower === r.lower_bound && c.upper === r.upper_bound;
  });
  if (!matches) return new Map();
  return finishedChunks(pair.target, ctx.targetSchema, plan.targetTable, staging);
}

async function maxCursor(pair: ConnectionPair, table: SourceTable, cursor: string): Promise<string | null> {
  const [rows] = await pair.source.query(
    `SELECT CAST(MAX(${quoteMysql(cursor)}) AS CHAR) AS m FROM ${quoteMysql(table.schema)}.${quoteMysql(table.name)}`,
  );
  return ((rows as Record<string, unknown>[])[0]?.m as string | null) ?? null;
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

/** Inside the caller's transaction: keys and indexes on the staging table, then it replaces the target. */
async function swapIn(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  staging: string,
): Promise<void> {
  const { target } = pair;
  const schema = ctx.targetSchema;
  const final = plan.targetTable;
  const key = plan.table.primaryKey.filter((k) => mappings.some((m) => m.column.name === k));
  const exists = await tableExists(target, schema, final);
  if (exists && (await hasDependentViews(target, schema, final))) {
    // Views depend on the table: keep it, and replace its rows instead of the table itself.
    const existing = (await readTargetColumns(target, schema, final)) ?? [];
    const diff = diffSchema(mappings, existing);
    await addColumns(target, schema, final, diff.added, ctx.logger);
    const columns = mappings.map((m) => quotePg(m.column.name)).join(', ');
    await target.query(`TRUNCATE ${qualifiedPg(schema, final)}`);
    await target.query(
      `INSERT INTO ${qualifiedPg(schema, final)} (${columns}) SELECT ${columns} FROM ${qualifiedPg(schema, staging)}`,
    );
    await target.query(`DROP TABLE ${qualifiedPg(schema, staging)}`);
    return;
  }
  if (key.length > 0) {
    await target.query(
      `ALTER TABLE ${qualifiedPg(schema, staging)} ADD CONSTRAINT ${quotePg(identifier(`${staging}_pkey`))} PRIMARY KEY (${key.map(quotePg).join(', ')})`,
    );
  }
  const indexNames: string[] = [];
  for (const index of plan.table.indexes) {
    if (!index.columns.every((c) => mappings.some((m) => m.column.name === c))) continue;
    const name = identifier(`${staging}_${index.name}`);
    indexNames.push(index.name);
    await target.query(createIndexSql(schema, staging, name, index));
  }
  if (exists) await target.query(`DROP TABLE ${qualifiedPg(schema, final)}`);
  await target.query(`ALTER TABLE ${qualifiedPg(schema, staging)} RENAME TO ${quotePg(final)}`);
  if (key.length > 0) {
    await target.query(
      `ALTER TABLE ${qualifiedPg(schema, final)} RENAME CONSTRAINT ${quotePg(identifier(`${staging}_pkey`))} TO ${quotePg(identifier(`${final}_pkey`))}`,
    );
  }
  for (const name of indexNames) {
    await target.query(
      `ALTER INDEX ${qualifiedPg(schema, identifier(`${staging}_${name}`))} RENAME TO ${quotePg(identifier(`${final}_${name}`))}`,
    );
  }
}

/**
 * Copies the chunks on the stream's own pair and on up to sync.parallel_chunks - 1 idle pairs it
 * borrows from the run (each chunk commits on its own). The first failure stops the others from
 * starting new chunks and is thrown once the running ones have ended.
 */
async function copyChunks(
  ctx: RunContext,
  own: ConnectionPair,
  chunks: Chunk[],
  copy: (pair: ConnectionPair, chunk: Chunk) => Promise<void>,
): Promise<void> {
  const queue = [...chunks];
  let failure: { error: unknown } | undefined;
  const work = async (pair: ConnectionPair) => {
    for (let chunk = queue.shift(); chunk && !failure; chunk = queue.shift()) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      try {
        await copy(pair, chunk);
      } catch (error) {
        failure ??= { error };
        throw error;
      }
    }
  };
  const running: Promise<void>[] = [work(own)];
  const limit = ctx.settings.parallel_chunks;
  while (running.length < limit && queue.length > 0) {
    const pair = ctx.pairs?.borrow();
    if (!pair) break;
    running.push(
      work(pair).then(
        () => ctx.pairs!.release(pair),
        (error: unknown) => {
          ctx.pairs!.retire(pair);
          throw error;
        },
      ),
    );
  }
  const settled = await Promise.allSettled(running);
  if (failure) throw failure.error;
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}
