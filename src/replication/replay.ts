// `ferry quarantine replay`: the stored original rows are checked again with the current rules and
// type mapping; those that pass are merged into the target table by primary key and leave the
// quarantine for the log, in one transaction per stream. The others stay, with their failures now.
// A run of the sync lifecycle (locks of the replayed streams, a run record of kind quarantine_replay).
import { copyInto } from '../connectors/postgres/copy-into.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import { mergeRows } from '../connectors/postgres/merge.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { DataError, SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { valueOf } from '../quality/quarantine-record.js';
import { compileQuality } from '../quality/stream-quality.js';
import { qualifiedPg, quotePg } from '../schema/identifiers.js';
import { createRowEncoder } from '../schema/row-encoder.js';
import { type Failure, type SourceRow, describeFailures } from '../schema/row-outcome.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import type { QuarantineEntry, QuarantineFilter } from '../state/quarantine.js';
import { runCopies, type CopyProject } from './run-lifecycle.js';
import { emptyResult, type RunContext } from './stream-context.js';
import type { StreamPlan } from './stream-plan.js';

export interface ReplayOptions {
  project: CopyProject;
  state: FerryState;
  filter: Omit<QuarantineFilter, 'schema'>;
  /** Check and report, then roll back. */
  dryRun?: boolean;
  logger: Logger;
  signal: AbortSignal;
}

export interface ReplayStreamResult {
  stream: string;
  examined: number;
  replayed: number;
  stillFailing: number;
  /** Entries holding a loaded row (duplicates), which replay leaves alone. */
  skipped: number;
  note?: string;
}

export interface ReplayReport {
  runId: number;
  dryRun: boolean;
  streams: ReplayStreamResult[];
}

export async function replayQuarantine(options: ReplayOptions): Promise<ReplayReport> {
  const { project, state, logger } = options;
  const filter: QuarantineFilter = { ...options.filter, schema: project.targetSchemas };
  const results: ReplayStreamResult[] = [];
  const summary = await runCopies(
    {
      project,
      state,
      logger,
      signal: options.signal,
      // The streams with entries waiting; those no stream of ferry.yaml writes any more get a note.
      select: async (plans, control) => {
        const waiting = await state.quarantine.streams(control, filter);
        for (const stream of waiting)
          if (!plans.some((p) => p.name === stream))
            results.push({
              stream,
              examined: 0,
              replayed: 0,
              stillFailing: 0,
              skipped: 0,
              note: 'no stream of ferry.yaml writes this table now; discard its entries or add the stream back',
            });
        return plans.filter((p) => waiting.includes(p.name));
      },
    },
    {
      kind: 'quarantine_replay',
      engine: 'ferry',
      what: 'ferry quarantine replay',
      readers: () => 0,
      concurrency: () => 1,
      async copy(ctx, _pair, { plan, mappings }) {
        const result = await replayStream(
          ctx,
          plan,
          mappings,
          { ...filter, schema: plan.targetSchema, stream: plan.name },
          options,
        );
        logger.info(
          { ...result },
          `${plan.name}: ${result.replayed} replayed, ${result.stillFailing} still failing`,
        );
        results.push(result);
        return {
          ...emptyResult(plan.name, plan.mode),
          rowsRead: result.examined,
          rowsLoaded: result.replayed,
          rowsQuarantined: result.stillFailing,
        };
      },
    },
  );
  return {
    runId: summary.runId,
    dryRun: !!options.dryRun,
    streams: results.sort((a, b) => a.stream.localeCompare(b.stream)),
  };
}

/** The stored row as the values MySQL would give, in the order of the current column mappings. */
export function sourceRowOf(entry: QuarantineEntry, mappings: readonly ColumnMapping[]): SourceRow {
  return mappings.map((m) => valueOf(entry.row[m.column.name], m.rule.encoder === 'bytes'));
}

class RolledBack extends Error {}

async function replayStream(
  ctx: RunContext,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  filter: QuarantineFilter,
  options: ReplayOptions,
): Promise<ReplayStreamResult> {
  const client = ctx.control;
  const { runId } = ctx;
  const quarantine = ctx.state.quarantine;
  const schema = plan.targetSchema;
  const result: ReplayStreamResult = {
    stream: plan.name,
    examined: 0,
    replayed: 0,
    stillFailing: 0,
    skipped: 0,
  };
  const existing = await readTargetColumns(client, schema, plan.targetTable);
  if (!existing)
    throw new SchemaError(
      `${schema}.${plan.targetTable} does not exist, so its quarantined rows cannot be replayed`,
      {
        hint: `run ferry sync --streams ${plan.name} first`,
      },
    );
  const quality = compileQuality(plan, mappings, schema, quarantine);
  const primaryKey = plan.table.primaryKey;
  const targetNames = new Set(existing.map((c) => c.name));
  const missing = mappings.filter((m) => !targetNames.has(m.targetName)).map((m) => m.targetName);
  if (missing.length > 0)
    throw new SchemaError(
      `${schema}.${plan.targetTable} lacks column(s) ${missing.join(', ')} of the source`,
      {
        hint: `run ferry sync --streams ${plan.name} so the target gets them, then replay`,
      },
    );

  const startedAt = new Date();
  const work = async () => {
    const entries = await quarantine.list(client, filter, { forUpdate: true });
    result.examined = entries.length;
    const replayable = entries.filter((e) => e.rowForm === 'source');
    result.skipped = entries.length - replayable.length;
    if (replayable.length === 0) return;

    const encoder = createRowEncoder(
      plan.name,
      mappings,
      primaryKey,
      ctx.settings,
      quality.gate ? { gate: quality.gate } : {},
    );
    const failing = new Map<number, Failure[]>();
    const passing: QuarantineEntry[] = [];
    const lines: string[] = [];
    const nulled = [];
    for (const entry of replayable) {
      try {
        encoder.add(sourceRowOf(entry, mappings));
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        // A `fail` check or policy: during a replay, the row just stays in quarantine.
        encoder.take();
        failing.set(entry.id, [
          { check: 'replay', code: 'fail', column: null, severity: 'fail', message: error.message },
        ]);
        continue;
      }
      const batch = encoder.take();
      if (batch.quarantined.length > 0) {
        failing.set(entry.id, batch.quarantined[0]!.failures as Failure[]);
        continue;
      }
      passing.push(entry);
      lines.push(batch.text);
      nulled.push(...batch.nulled);
    }

    const temp = 'ferry_replay';
    await client.query(
      `CREATE TEMP TABLE ${quotePg(temp)} (LIKE ${qualifiedPg(schema, plan.targetTable)} INCLUDING DEFAULTS) ON COMMIT DROP`,
    );
    const columns = mappings.map((m) => m.targetName);
    if (lines.length > 0) await copyInto(client, 'pg_temp', temp, columns, asyncOnce(lines.join('')));
    // Set checks (unique, relationship, expression) against the target; duplicates are not re-deduplicated.
    const byKey = new Map(passing.map((e) => [JSON.stringify(primaryKey.map((k) => keyText(e.row[k]))), e]));
    await quality.settle(client, { relation: `pg_temp.${quotePg(temp)}`, whole: false }, runId, {
      dedup: false,
      setAside: (rows) => {
        for (const r of rows) {
          const entry = byKey.get(JSON.stringify(r.key));
          if (entry) failing.set(entry.id, r.failures);
        }
        return Promise.resolve();
      },
    });
    const loaded = passing.filter((e) => !failing.has(e.id));
    await mergeRows(client, {
      schema,
      table: plan.targetTable,
      from: quotePg(temp),
      columns,
      key: primaryKey.map((k) => targetNameOf(mappings, k)),
      how: primaryKey.length > 0 ? 'upsert' : 'replace',
      ferryColumns: true,
    });
    await quarantine.recordValueChanges(
      client,
      { targetSchema: schema, stream: plan.name, runId },
      nulled.filter((n) => loaded.some((e) => JSON.stringify(e.primaryKey) === JSON.stringify(n.primaryKey))),
    );
    result.replayed = await quarantine.settle(
      client,
      loaded.map((e) => e.id),
      'replayed',
      runId,
      `loaded into ${schema}.${plan.targetTable} by replay run ${runId}`,
    );
    await quarantine.updateFailures(
      client,
      [...failing].map(([id, failures]) => ({ id, failures, reason: describeFailures(failures) })),
    );
    result.stillFailing = failing.size;
    if (options.dryRun) throw new RolledBack();
    await ctx.state.runs.recordStream(client, {
      runId,
      targetSchema: schema,
      table: plan.targetTable,
      mode: 'replay',
      status: 'succeeded',
      rowsRead: result.examined,
      rowsLoaded: result.replayed,
      rowsQuarantined: result.stillFailing,
      valuesNulled: 0,
      rowsDeleted: 0,
      bytes: 0,
      startedAt,
    });
  };
  try {
    await inTransaction(client, work);
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
    result.note = 'dry run: nothing changed';
  }
  return result;
}

async function* asyncOnce(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}

/** A stored key value as PostgreSQL prints it (text values are stored as MySQL printed them). */
function keyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
