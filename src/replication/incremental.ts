// incremental: copy the rows whose cursor is at or past the stored high-water mark (minus the
// lookback window), and those in the holes a numeric cursor left below it, into a temporary table,
// merge them by primary key, detect deletes if asked, and move the mark (cursor-mark.ts) and the
// holes (cursor-holes.ts), all in one transaction.
import { inTransaction } from '../connectors/postgres/transaction.js';
import { readTargetColumns, type TargetColumn } from '../connectors/postgres/ddl.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { copyRows } from './copy-rows.js';
import { detectDeletes } from './deletes.js';
import { fullRefresh } from './full-refresh.js';
import type { StreamPlan } from './stream-plan.js';
import { addColumns, checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import { emptyResult, succeededStreamRun, type RunContext, type StreamResult } from './stream-context.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import { originalRowsFromSource } from './original-rows.js';
import { compileQuality } from '../quality/stream-quality.js';
import { mergeRows } from '../connectors/postgres/merge.js';
import { qualifiedPg, quotePg } from '../schema/identifiers.js';
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { CursorHole, StreamState } from '../state/streams.js';
import type { ConnectionPair } from './pair-pool.js';
import { findHoles, holesToKeep, inHoles } from './cursor-holes.js';
import { aboveMark, cursorOf, readSnapshotMark, type Cursor } from './cursor-mark.js';
import { widenColumns } from './widen.js';
import { copiedInFull, incrementalBlocker } from './plan-checks.js';
import { checkConfiguredKey } from './key-uniqueness.js';

/**
 * The stream's saved mark and its target table's columns, when the next run can go on from them;
 * otherwise undefined, and the log says that the first load copies the table in full.
 */
export async function savedMark(
  ctx: Pick<RunContext, 'state' | 'logger'>,
  db: PgClient,
  plan: StreamPlan,
  cursor: string,
): Promise<{ state: StreamState & { highWater: string }; existing: TargetColumn[] } | undefined> {
  const state = await ctx.state.streams.read(db, {
    targetSchema: plan.targetSchema,
    table: plan.targetTable,
  });
  const existing = await readTargetColumns(db, plan.targetSchema, plan.targetTable);
  if (
    state &&
    existing &&
    state.mode === 'incremental' &&
    state.cursorColumn === cursor &&
    state.highWater !== null
  )
    return { state: { ...state, highWater: state.highWater }, existing };
  ctx.logger.info(
    { stream: plan.name },
    `${plan.name}: no high-water mark yet; first load copies the table in full`,
  );
  return undefined;
}

export async function incremental(
  ctx: RunContext,
  pair: ConnectionPair,
  plan: StreamPlan,
  mappings: ColumnMapping[],
): Promise<StreamResult> {
  const blocker = incrementalBlocker(plan.table, plan.cursor);
  if (blocker)
    return copiedInFull(ctx.logger, plan, blocker, () =>
      fullRefresh(ctx, pair, plan, mappings, { mode: 'full_refresh' }),
    );
  const cursor = cursorOf(plan.table, plan.cursor)!;
  const { target, source } = pair;
  const schema = plan.targetSchema;
  const key = { targetSchema: schema, table: plan.targetTable };
  const saved = await savedMark(ctx, target, plan, cursor.name);
  if (!saved) return fullRefresh(ctx, pair, plan, mappings, { mode: 'incremental', cursor: cursor.name });
  const { state, existing } = saved;
  const diff = diffSchema(mappings, existing);
  const { rebuild, widen } = checkSchemaPolicy(plan.name, diff, ctx.settings.schema_changes, ctx.logger);
  if (rebuild) return fullRefresh(ctx, pair, plan, mappings, { mode: 'incremental', cursor: cursor.name });

  const started = Date.now();
  const startedAt = new Date();
  const result = emptyResult(plan.name, 'incremental');
  for (const d of diff.dropped)
    result.warnings.push(`column ${d.name} dropped in the source; kept, NULL from now on`);
  const table = plan.table;
  const lookback = plan.lookbackSeconds;
  const snapshot = await readSnapshotMark(source, table, cursor, ctx.horizon, lookback);
  result.warnings.push(...snapshot.warnings);
  const newMark = snapshot.mark ?? state.highWater;
  // Everything from the old mark (less the lookback) up, and the holes left below it.
  const above = aboveMark(cursor, state.highWater, lookback);
  const holes = cursor.kind === 'numeric' ? inHoles(cursor, state.holes) : '';

  const temp = 'ferry_incoming';
  const quality = compileQuality(plan, mappings, schema, ctx.state.quarantine);
  await inTransaction(target, async () => {
    if (widen.length > 0)
      result.warnings.push((await widenColumns(target, { schema, table: plan.targetTable }, widen)).summary);
    await addColumns(target, schema, plan.targetTable, diff.added, ctx.logger);
    await target.query(
      `CREATE TEMP TABLE ${quotePg(temp)} (LIKE ${qualifiedPg(schema, plan.targetTable)} INCLUDING DEFAULTS) ON COMMIT DROP`,
    );
    ctx.progress?.update(plan.name, { phase: 'copying changes', rows: 0 });
    const copied = await copyRows({
      source,
      target,
      table,
      mappings,
      where: `WHERE (${above.sql})${holes ? ` OR ${holes}` : ''}`,
      params: above.params,
      filter: plan.where,
      targetSchema: 'pg_temp',
      targetTable: temp,
      stream: plan.name,
      policies: ctx.settings,
      batchRows: ctx.settings.batch_rows,
      signal: ctx.signal,
      gate: quality.gate,
      onRows: (n) => ctx.progress?.update(plan.name, { rows: (result.rowsRead += n) }),
    });
    result.rowsRead = copied.rowsRead;
    result.rowsLoaded = copied.rowsLoaded;
    result.rowsQuarantined = copied.quarantined.length;
    result.valuesNulled = copied.nulled.length;
    result.bytes = copied.bytes;
    const incoming = { relation: `pg_temp.${quotePg(temp)}`, whole: false };
    const settled = await quality.settle(target, incoming, ctx.runId, {
      original: originalRowsFromSource(source, table, mappings),
    });
    result.rowsLoaded -= settled.quarantined;
    result.rowsQuarantined += settled.quarantined;
    result.warnings.push(...settled.warnings);
    Object.assign(result, quality.counts());
    await checkConfiguredKey(target, plan, mappings, incoming.relation);
    const steps = plan.deletes === 'ignore' ? 1 : 2;
    ctx.progress?.update(plan.name, { phase: `merging ${result.rowsLoaded} rows`, step: 1, steps });
    await mergeRows(target, {
      schema,
      table: plan.targetTable,
      from: quotePg(temp),
      columns: mappings.map((m) => m.targetName),
      key: plan.table.primaryKey.map((k) => targetNameOf(mappings, k)),
      how: 'upsert',
      nulled: diff.dropped.map((d) => d.name),
      ferryColumns: true,
    });
    const run = { targetSchema: schema, stream: plan.name, runId: ctx.runId };
    await ctx.state.quarantine.add(target, run, copied.quarantined);
    await ctx.state.quarantine.recordValueChanges(target, run, copied.nulled);
    await quality.resolveEarlier(target, incoming, ctx.runId, []);
    if (plan.deletes !== 'ignore') {
      ctx.progress?.update(plan.name, { phase: 'looking for deleted rows', step: 2, steps });
      result.rowsDeleted = await detectDeletes(ctx, pair, plan, mappings);
    }
    await ctx.state.streams.write(target, {
      ...key,
      sourceTable: table.name,
      mode: 'incremental',
      cursorColumn: cursor.name,
      highWater: newMark,
      holes: cursor.kind === 'numeric' ? await nextHoles(ctx, source, plan, cursor, state, snapshot.max) : [],
      binlog: ctx.binlog,
      runId: ctx.runId,
      rowsTotal: null,
    });
    result.seconds = (Date.now() - started) / 1000;
    await ctx.state.runs.recordStream(
      target,
      succeededStreamRun(
        ctx.runId,
        { targetSchema: schema, table: plan.targetTable },
        'incremental',
        result,
        startedAt,
      ),
    );
  });
  return result;
}

/**
 * The holes to keep after this run: those of earlier runs this snapshot still lacks, and the new
 * ones between the old mark and the snapshot's maximum, less those that cannot fill any more.
 */
export async function nextHoles(
  ctx: RunContext,
  source: MysqlConnection,
  plan: StreamPlan,
  cursor: Cursor,
  state: StreamState,
  max: string | null,
): Promise<CursorHole[]> {
  const seenAt = ctx.horizon?.snapshotAt ?? Date.now() / 1000;
  const regions = [
    ...state.holes,
    ...(max !== null ? [{ after: state.highWater!, before: max, seenAt }] : []),
  ];
  const found = await findHoles(source, plan.table, cursor, regions);
  return holesToKeep(found, ctx.horizon, plan.lookbackSeconds, cursor.scale);
}
