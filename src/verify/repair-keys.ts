// Re-copies a stream's rows by key, one chunk of keys per transaction: the source rows are read in
// the run's snapshot as the sync reads them (the select list, the stream's filter), encoded with
// the same policies and row checks, set-checked against the target, and written in place of the
// target rows with those keys; a row a check or policy sets aside goes to the quarantine, and its
// old target row goes (the source row exists but does not load, as after a full refresh). Keys the
// source no longer has are deleted, or marked deleted under `deletes: soft`.
import { copyInto } from '../connectors/postgres/copy-into.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { StreamQuality } from '../quality/stream-quality.js';
import { originalRowsFromSource } from '../replication/original-rows.js';
import type { RunContext } from '../replication/stream-context.js';
import type { StreamPlan } from '../replication/stream-plan.js';
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import { DELETED_AT, qualifiedPg, quotePg } from '../schema/identifiers.js';
import { createRowEncoder } from '../schema/row-encoder.js';
import type { SourceRow } from '../schema/row-outcome.js';
import { selectExpression } from '../schema/select-list.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { ComparedSides } from './stream-compare.js';

/** Keys re-copied per transaction. */
export const REPAIR_CHUNK = 5000;

export interface KeyRepair {
  /** Source rows read again. */
  read: number;
  /** Rows written into the target. */
  written: number;
  /** Target rows deleted (keys the source lacks, rows that no longer load). */
  deleted: number;
  /** Target rows marked deleted (deletes: soft). */
  marked: number;
  quarantined: number;
  nulled: number;
  chunks: number;
}

/** A repair that re-copied nothing (yet). */
export function nothingDone(): KeyRepair {
  return { read: 0, written: 0, deleted: 0, marked: 0, quarantined: 0, nulled: 0, chunks: 0 };
}

export interface RepairScope {
  ctx: RunContext;
  source: MysqlConnection;
  target: PgClient;
  plan: StreamPlan;
  mappings: ColumnMapping[];
  sides: ComparedSides;
  quality: StreamQuality;
}

const chunksOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Re-copies the rows with these keys from the source (`copy`), and removes or marks `gone`. */
export async function repairKeys(
  scope: RepairScope,
  copy: readonly string[],
  gone: readonly string[],
): Promise<KeyRepair> {
  const done = nothingDone();
  for (const chunk of chunksOf(copy, REPAIR_CHUNK)) {
    if (scope.ctx.signal.aborted) throw scope.ctx.signal.reason;
    await inTransaction(scope.target, () => copyChunk(scope, chunk, done));
    done.chunks++;
  }
  for (const chunk of chunksOf(gone, REPAIR_CHUNK)) {
    if (scope.ctx.signal.aborted) throw scope.ctx.signal.reason;
    await inTransaction(scope.target, () => removeChunk(scope, chunk, done));
    done.chunks++;
  }
  return done;
}

async function copyChunk(scope: RepairScope, keys: readonly string[], done: KeyRepair): Promise<void> {
  const { ctx, plan, mappings, sides, target, quality } = scope;
  const binary = new Set(mappings.flatMap((m, i) => (m.rule.encoder === 'bytes' ? [i] : [])));
  const asked = new Set(keys);
  const rows = [...(await sides.source.selectByKey(keys, mappings.map(selectExpression), binary))]
    .filter(([k]) => asked.has(k))
    .map(([, values]) => values as SourceRow);
  const encoder = createRowEncoder(plan.name, mappings, plan.table.primaryKey, ctx.settings, {
    gate: quality.gate,
  });
  for (const row of rows) encoder.add(row);
  const batch = encoder.take();
  done.read += rows.length;
  const temp = 'ferry_repair';
  const table = qualifiedPg(plan.targetSchema, plan.targetTable);
  await target.query(`CREATE TEMP TABLE ${quotePg(temp)} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
  const columns = mappings.map((m) => m.targetName);
  if (batch.text.length > 0) await copyInto(target, 'pg_temp', temp, columns, once(batch.text));
  const incoming = { relation: `pg_temp.${quotePg(temp)}`, whole: false };
  const settled = await quality.settle(target, incoming, ctx.runId, {
    original: originalRowsFromSource(scope.source, plan.table, mappings),
  });
  // Every target row of these keys goes, soft-deleted ones too: what loads takes their place.
  const removed = await perBatch(keys, (batch) =>
    target.query(`DELETE FROM ${table} WHERE ${sides.target.whereKeys(batch)}`),
  );
  const list = columns.map(quotePg).join(', ');
  const written = await target.query(
    `INSERT INTO ${table} (${list}) SELECT ${list} FROM ${incoming.relation}`,
  );
  const run = { targetSchema: plan.targetSchema, stream: plan.name, runId: ctx.runId };
  await ctx.state.quarantine.add(target, run, batch.quarantined);
  await ctx.state.quarantine.recordValueChanges(target, run, batch.nulled);
  await quality.resolveEarlier(target, incoming, ctx.runId, []);
  done.written += written.rowCount ?? 0;
  done.deleted += Math.max(0, removed - (written.rowCount ?? 0));
  done.quarantined += batch.quarantined.length + settled.quarantined;
  done.nulled += batch.nulled.length;
}

async function removeChunk(scope: RepairScope, keys: readonly string[], done: KeyRepair): Promise<void> {
  const { plan, sides, target } = scope;
  const table = qualifiedPg(plan.targetSchema, plan.targetTable);
  if (plan.mode !== 'full_refresh' && plan.deletes === 'soft') {
    done.marked += await perBatch(keys, (batch) =>
      target.query(
        `UPDATE ${table} SET ${quotePg(DELETED_AT)} = now() WHERE ${quotePg(DELETED_AT)} IS NULL AND (${sides.target.whereKeys(batch)})`,
      ),
    );
  } else {
    done.deleted += await perBatch(keys, (batch) =>
      target.query(`DELETE FROM ${table} WHERE ${sides.target.whereKeys(batch)}`),
    );
  }
}

/** Runs a statement per 500 keys (the length of its key list stays small); the rows it touched. */
async function perBatch(
  keys: readonly string[],
  run: (batch: readonly string[]) => Promise<{ rowCount: number | null }>,
): Promise<number> {
  let rows = 0;
  for (const batch of chunksOf(keys, 500)) rows += (await run(batch)).rowCount ?? 0;
  return rows;
}

async function* once(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}
