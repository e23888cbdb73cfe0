// Puts the changed rows of an incremental run in place, in one transaction, for a copier that loaded
// them into a relation of their own (the Spark copy's staging table): new columns added, the set checks
// on the incoming rows, the merge by primary key (connectors/postgres/merge.ts), earlier quarantine
// entries settled, deletes detected as the stream's `deletes` says, the high-water mark moved and the
// stream's run recorded. Readers see the table before the run or after it.
import { mergeRows } from '../connectors/postgres/merge.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { TargetColumn } from '../connectors/postgres/ddl.js';
import type { StreamQuality } from '../quality/stream-quality.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import type { CursorHole } from '../state/streams.js';
import { widenColumns, type TypeChange } from './widen.js';
import { detectDeletes } from './deletes.js';
import { originalRowsFromSource } from './original-rows.js';
import type { ConnectionPair } from './pair-pool.js';
import { addColumns } from './schema-evolution.js';
import { succeededStreamRun, type RunContext, type StreamResult } from './stream-context.js';
import type { StreamPlan } from './stream-plan.js';

export interface IncomingRows {
  plan: StreamPlan;
  mappings: ColumnMapping[];
  /** The quoted relation holding the incoming rows: a staging table, or pg_temp."ferry_incoming". */
  incoming: string;
  quality: StreamQuality;
  /** Source columns the target lacks (added), and target columns the source dropped (NULLed). */
  added: readonly ColumnMapping[];
  dropped: readonly TargetColumn[];
  highWater: string;
  /** Holes a numeric cursor left below the mark (cursor-holes.ts). */
  holes: readonly CursorHole[];
  /** Lossless type changes of the target's columns (schema_changes: evolve). */
  widen: readonly TypeChange[];
  startedAt: Date;
  started: number;
}

/** `pair.target` runs the transaction; `pair.source` answers the set checks' and delete detection's reads. */
export async function publishMerge(
  ctx: RunContext,
  pair: ConnectionPair,
  load: IncomingRows,
  result: StreamResult,
): Promise<void> {
  const { plan, mappings, quality } = load;
  const { target, source } = pair;
  const schema = plan.targetSchema;
  const incoming = { relation: load.incoming, whole: false };
  await inTransaction(target, async () => {
    if (load.widen.length > 0)
      result.warnings.push(
        (await widenColumns(target, { schema, table: plan.targetTable }, load.widen)).summary,
      );
    await addColumns(target, schema, plan.targetTable, load.added, ctx.logger);
    const settled = await quality.settle(target, incoming, ctx.runId, {
      original: originalRowsFromSource(source, plan.table, mappings),
    });
    result.rowsLoaded -= settled.quarantined;
    result.rowsQuarantined += settled.quarantined;
    result.warnings.push(...settled.warnings);
    Object.assign(result, quality.counts());
    await mergeRows(target, {
      schema,
      table: plan.targetTable,
      from: incoming.relation,
      columns: mappings.map((m) => m.targetName),
      key: plan.table.primaryKey.map((k) => targetNameOf(mappings, k)),
      how: 'upsert',
      nulled: load.dropped.map((d) => d.name),
      ferryColumns: true,
    });
    await quality.resolveEarlier(target, incoming, ctx.runId, []);
    if (plan.deletes !== 'ignore') result.rowsDeleted = await detectDeletes(ctx, pair, plan, mappings);
    await ctx.state.streams.write(target, {
      targetSchema: schema,
      table: plan.targetTable,
      sourceTable: plan.table.name,
      mode: 'incremental',
      cursorColumn: plan.cursor ?? null,
      highWater: load.highWater,
      holes: load.holes,
      binlog: ctx.binlog,
      runId: ctx.runId,
      rowsTotal: null,
    });
    result.seconds = (Date.now() - load.started) / 1000;
    await ctx.state.runs.recordStream(
      target,
      succeededStreamRun(
        ctx.runId,
        { targetSchema: schema, table: plan.targetTable },
        'incremental',
        result,
        load.startedAt,
      ),
    );
  });
}
