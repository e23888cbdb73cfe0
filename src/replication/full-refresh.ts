// full_refresh: copy the whole table into a staging table chunk by chunk (each chunk commits with its
// progress record, so a killed load resumes on the same chunk plan: resume.ts), then put it in place
// with its keys, indexes and state (publish.ts).
import { createTableSql, readTargetColumns, type TargetColumn } from '../connectors/postgres/ddl.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { compileQuality } from '../quality/stream-quality.js';
import { stagingName } from '../schema/identifiers.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { abandonStagedLoad } from './abandon.js';
import { chunkColumn, chunkWhere, type Chunk } from './chunks.js';
import { describeResume, planLoad } from './resume.js';
import { clipToChunk, findHoles, holesToKeep, loadHoleRegion } from './cursor-holes.js';
import { cursorOf, readSnapshotMark } from './cursor-mark.js';
import { copyRows } from './copy-rows.js';
import { originalRowsFromSource } from './original-rows.js';
import { publishFullLoad } from './publish.js';
import { checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';
import type { TypeChange } from './widen.js';
import type { StreamPlan } from './stream-plan.js';
import type { ConnectionPair } from './pair-pool.js';
import type { StreamMode } from '../config/project.js';

export interface FullRefreshOptions {
  /** For incremental streams loaded in full: the cursor column whose maximum becomes the high-water mark. */
  cursor?: string | undefined;
  /** Stream mode recorded in the state (incremental streams loaded in full keep their mode). */
  mode: StreamMode;
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
  const { state } = ctx;
  const schema = plan.targetSchema;
  const table = plan.table;
  const result = emptyResult(plan.name, options.mode);
  const staging = stagingName(plan.targetTable);
  const load = { targetSchema: schema, table: plan.targetTable, staging };
  const quality = compileQuality(plan, mappings, schema, state.quarantine);
  const abandon = (error: unknown) =>
    abandonStagedLoad(
      target,
      state,
      { schema, stream: plan.name, targetTable: plan.targetTable, staging, runId: ctx.runId },
      error,
    );

  // Columns of the current target that the source dropped stay, NULL from now on.
  const existing = await readTargetColumns(target, schema, plan.targetTable);
  let kept: TargetColumn[] = [];
  let widen: TypeChange[] = [];
  if (existing) {
    const diff = diffSchema(mappings, existing);
    ({ widen } = checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger));
    kept = diff.dropped;
    for (const d of diff.dropped)
      result.warnings.push(`column ${d.name} dropped in the source; kept, NULL from now on`);
  }

  const staged = await planLoad(
    ctx,
    pair,
    load,
    table,
    createTableSql(
      schema,
      staging,
      [...mappings.map((m) => ({ name: m.targetName, pgType: m.pgType })), ...kept],
      [],
    ),
  );
  const { chunks, resumed } = staged;
  const done = new Set(staged.kept.map((c) => c.chunk));
  if (resumed) {
    result.resumed = resumed;
    result.warnings.push(describeResume(resumed, ctx.runId, options.mode === 'incremental'));
    ctx.logger.info(
      { stream: plan.name, chunks: resumed.chunksKept },
      `${plan.name}: resuming, ${resumed.chunksKept} of ${chunks.length} chunks already copied`,
    );
  }

  let rowsDone = resumed?.rowsKept ?? 0;
  let chunksDone = done.size;
  const progress = () => ({
    rows: rowsDone,
    rowsTotal: Math.max(table.estimatedRows, rowsDone),
    chunks: chunksDone,
    chunksTotal: chunks.length,
  });
  ctx.progress?.update(plan.name, { phase: 'copying', ...progress() });
  // The high-water mark of this run's snapshot, recorded with every chunk it copies, and where a
  // numeric cursor may have holes (values of transactions still open).
  const cursor = options.cursor ? cursorOf(table, options.cursor) : undefined;
  const snapshot = cursor
    ? await readSnapshotMark(source, table, cursor, ctx.horizon, plan.lookbackSeconds)
    : undefined;
  result.warnings.push(...(snapshot?.warnings ?? []));
  const snapshotMark = snapshot?.mark ?? null;
  const seenAt = ctx.horizon?.snapshotAt ?? Date.now() / 1000;
  const holeRegion =
    cursor?.kind === 'numeric' && snapshot?.max
      ? await loadHoleRegion(source, table, cursor, snapshot.max, seenAt)
      : undefined;
  // Holes are found with each chunk when the chunks are cut on the cursor (in the chunk's own
  // snapshot, so a resumed load keeps them), otherwise once over the whole region.
  const holesByChunk = cursor !== undefined && (chunkColumn(table) === cursor.name || chunks.length === 1);
  const copyChunk = async (chunkPair: ConnectionPair, chunk: Chunk) => {
    const { where, params } = chunkWhere(table, chunk);
    const region = holeRegion && holesByChunk ? clipToChunk(holeRegion, cursor, chunk) : undefined;
    await inTransaction(chunkPair.target, async () => {
      const copied = await copyRows({
        source: chunkPair.source,
        target: chunkPair.target,
        table,
        mappings,
        where,
        params,
        filter: plan.where,
        targetSchema: schema,
        targetTable: staging,
        stream: plan.name,
        policies: ctx.settings,
        batchRows: ctx.settings.batch_rows,
        signal: ctx.signal,
        gate: quality.gate,
        onRows: (n) => {
          rowsDone += n;
          ctx.progress?.update(plan.name, progress());
        },
      });
      const run = { targetSchema: schema, stream: plan.name, runId: ctx.runId };
      await state.quarantine.add(chunkPair.target, run, copied.quarantined);
      await state.quarantine.recordValueChanges(chunkPair.target, run, copied.nulled);
      await state.chunks.record(chunkPair.target, {
        ...load,
        chunk: chunk.index,
        lower: chunk.lower,
        upper: chunk.upper,
        rows: copied.rowsRead,
        runId: ctx.runId,
        cursorMark: snapshotMark,
        holes: region ? await findHoles(chunkPair.source, table, cursor!, [region]) : [],
      });
      result.rowsRead += copied.rowsRead;
      result.rowsLoaded += copied.rowsLoaded;
      result.rowsQuarantined += copied.quarantined.length;
      result.valuesNulled += copied.nulled.length;
      result.bytes += copied.bytes;
    }).catch(abandon);
    chunksDone += 1;
    ctx.progress?.update(plan.name, progress());
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
  const earliest = options.cursor ? await state.chunks.earliestMark(target, load) : undefined;
  const highWater = options.cursor ? (earliest === undefined ? snapshotMark : earliest) : null;
  const holes =
    cursor?.kind === 'numeric'
      ? holesToKeep(
          [
            ...(await state.chunks.holes(target, load)),
            ...(holeRegion && !holesByChunk ? await findHoles(source, table, cursor, [holeRegion]) : []),
          ],
          ctx.horizon,
          plan.lookbackSeconds,
          cursor.scale,
        )
      : [];
  await publishFullLoad(
    ctx,
    target,
    {
      plan,
      mappings,
      staging,
      quality,
      settle: { original: originalRowsFromSource(source, table, mappings) },
      mode: options.mode,
      cursor: options.cursor ?? null,
      highWater,
      holes,
      widen,
      startedAt,
      started,
    },
    result,
  ).catch(abandon);
  return result;
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
