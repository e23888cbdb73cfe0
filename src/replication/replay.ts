// `ferry quarantine replay`: the stored original rows are checked again with the current rules and
// type mapping; those that pass are merged into the target table by primary key and leave the
// quarantine for the log, in one transaction per stream. The others stay, with their failures now.
import { hostname } from 'node:os';
import { sourceConnection, targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import { acquireLock } from '../connectors/postgres/lock.js';
import { ensureStateSchema, finishRun, recordValueChanges } from '../connectors/postgres/state-store.js';
import { DataError, SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { planStreams, type StreamPlan } from './stream-plan.js';
import { createRowEncoder } from '../schema/row-encoder.js';
import { mappingsFor } from './run.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import {
  listEntries,
  settleEntries,
  updateFailures,
  type QuarantineEntry,
  type QuarantineFilter,
} from '../quality/quarantine-store.js';
import { valueOf } from '../quality/quarantine-record.js';
import { compileQuality } from '../quality/stream-quality.js';
import { type Failure, type SourceRow, describeFailures } from '../schema/row-outcome.js';
import { DELETED_AT, SYNCED_AT, qualifiedPg, quotePg } from '../schema/identifiers.js';

export interface ReplayOptions {
  config: FerryConfig;
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
  const { config, logger } = options;
  const schema = config.target.schema;
  const targetSpec = targetConnection(config.target);
  const sourceSpec = sourceConnection(config.source);
  const control = await connectPostgres(targetSpec);
  try {
    await ensureStateSchema(control);
    const lock = await acquireLock(
      control,
      `${targetSpec.host}:${targetSpec.port}/${targetSpec.database}/${schema}`,
      'ferry sync or replay',
    );
    try {
      const filter: QuarantineFilter = { ...options.filter, schema };
      const { rows: streamRows } = await control.query<{ stream: string }>(
        `SELECT DISTINCT stream FROM "_ferry"."quarantine" q WHERE q.target_schema = $1${filter.stream ? ' AND q.stream = $2' : ''} ORDER BY 1`,
        filter.stream ? [schema, filter.stream] : [schema],
      );
      const probe = await connectMysql(sourceSpec);
      let plans: StreamPlan[];
      try {
        plans = planStreams(config, await introspectTables(probe, sourceSpec.database));
      } finally {
        await probe.end().catch(() => undefined);
      }
      const { rows: run } = await control.query<{ run_id: string }>(
        `INSERT INTO "_ferry"."runs" (kind, target_schema, host, pid) VALUES ('quarantine_replay', $1, $2, $3) RETURNING run_id`,
        [schema, hostname(), process.pid],
      );
      const runId = Number(run[0]!.run_id);
      const results: ReplayStreamResult[] = [];
      for (const { stream } of streamRows) {
        if (options.signal.aborted) throw options.signal.reason;
        const plan = plans.find((p) => p.name === stream);
        if (!plan) {
          results.push({
            stream,
            examined: 0,
            replayed: 0,
            stillFailing: 0,
            skipped: 0,
            note: 'no stream of ferry.yaml writes this table now; discard its entries or add the stream back',
          });
          continue;
        }
        const result = await replayStream(
          control,
          plan,
          mappingsFor(plan),
          { ...filter, stream },
          runId,
          options,
        );
        logger.info(
          { ...result },
          `${stream}: ${result.replayed} replayed, ${result.stillFailing} still failing`,
        );
        results.push(result);
      }
      await finishRun(control, runId, 'succeeded', {
        kind: 'quarantine_replay',
        dryRun: !!options.dryRun,
        streams: results,
      });
      return { runId, dryRun: !!options.dryRun, streams: results };
    } finally {
      await lock.release();
    }
  } finally {
    await control.end().catch(() => undefined);
  }
}

/** The stored row as the values MySQL would give, in the order of the current column mappings. */
export function sourceRowOf(entry: QuarantineEntry, mappings: readonly ColumnMapping[]): SourceRow {
  return mappings.map((m) => valueOf(entry.row[m.column.name], m.rule.encoder === 'bytes'));
}

class RolledBack extends Error {}

async function replayStream(
  client: PgClient,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  filter: QuarantineFilter,
  runId: number,
  options: ReplayOptions,
): Promise<ReplayStreamResult> {
  const schema = filter.schema;
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
  const quality = compileQuality(plan, mappings, schema);
  const primaryKey = plan.table.primaryKey;
  const targetNames = new Set(existing.map((c) => c.name));
  const missing = mappings.filter((m) => !targetNames.has(m.column.name)).map((m) => m.column.name);
  if (missing.length > 0)
    throw new SchemaError(
      `${schema}.${plan.targetTable} lacks column(s) ${missing.join(', ')} of the source`,
      {
        hint: `run ferry sync --streams ${plan.name} so the target gets them, then replay`,
      },
    );

  const work = async () => {
    const entries = await listEntries(client, filter, { forUpdate: true });
    result.examined = entries.length;
    const replayable = entries.filter((e) => e.rowForm === 'source');
    result.skipped = entries.length - replayable.length;
    if (replayable.length === 0) return;

    const encoder = createRowEncoder(
      plan.name,
      mappings,
      primaryKey,
      options.config.sync,
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
    const columns = mappings.map((m) => m.column.name);
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
    await mergeReplayed(client, schema, plan.targetTable, columns, primaryKey, temp);
    await recordValueChanges(
      client,
      plan.name,
      schema,
      runId,
      nulled.filter((n) => loaded.some((e) => JSON.stringify(e.primaryKey) === JSON.stringify(n.primaryKey))),
    );
    result.replayed = await settleEntries(
      client,
      loaded.map((e) => e.id),
      'replayed',
      runId,
      `loaded into ${schema}.${plan.targetTable} by replay run ${runId}`,
    );
    await updateFailures(
      client,
      [...failing].map(([id, failures]) => ({ id, failures, reason: describeFailures(failures) })),
    );
    result.stillFailing = failing.size;
    if (options.dryRun) throw new RolledBack();
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

async function mergeReplayed(
  client: PgClient,
  schema: string,
  table: string,
  columns: readonly string[],
  primaryKey: readonly string[],
  temp: string,
): Promise<void> {
  const list = columns.map(quotePg).join(', ');
  if (primaryKey.length === 0) {
    await client.query(
      `INSERT INTO ${qualifiedPg(schema, table)} (${list}) SELECT ${list} FROM ${quotePg(temp)}`,
    );
    return;
  }
  const keys = new Set(primaryKey);
  const updates = [
    ...columns.filter((c) => !keys.has(c)).map((c) => `${quotePg(c)} = EXCLUDED.${quotePg(c)}`),
    `${quotePg(SYNCED_AT)} = now()`,
    `${quotePg(DELETED_AT)} = NULL`,
  ];
  await client.query(
    `INSERT INTO ${qualifiedPg(schema, table)} (${list}) SELECT ${list} FROM ${quotePg(temp)}
     ON CONFLICT (${primaryKey.map(quotePg).join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
  );
}
