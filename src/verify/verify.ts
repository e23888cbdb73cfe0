// `ferry verify`: proves, stream by stream, that the target holds what the source holds, without
// copying tables across: checksums of primary-key ranges (or key-hash buckets) computed in each
// database, drilled down to the rows that differ. Differences a sync policy made on purpose (zero dates to NULL, quarantined
// rows) are reported as expected, and rows changed since the last sync as in flight.
import { sourceConnection, targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import { ensureStateSchema } from '../connectors/postgres/state-store.js';
import type { Logger } from '../observability/logger.js';
import { planStreams, type StreamPlan } from '../replication/stream-plan.js';
import { mapColumn } from '../schema/type-mapping.js';
import { levelCount, planBuckets, rangeKeyOf } from './buckets.js';
import { COMPARED_APART } from './canonical.js';
import {
  compareByChecksums,
  compareApart,
  describeDifferences,
  type RowDifference,
} from './compare-stream.js';
import { storeVerifyRun } from './store.js';
import { mysqlChecksums, postgresChecksums } from './checksum-dialects.js';
import { displayKey, keyBounds, tableSide, type Side } from './table-side.js';
import { DELETED_AT, quoteMysql } from '../schema/identifiers.js';

export interface VerifyOptions {
  config: FerryConfig;
  streams?: readonly string[];
  /** How many sample keys to report per kind of difference. */
  samples?: number;
  /**
   * Compare with the source as of the last sync: rows whose cursor moved past the stream's high-water
   * mark since then count as in flight, not as differences. Without it they are differences, with a note.
   */
  atSnapshot?: boolean;
  logger: Logger;
  signal: AbortSignal;
}

export interface StreamVerdict {
  stream: string;
  status: 'in_sync' | 'different' | 'missing_table';
  sourceRows: number;
  targetRows: number;
  missing: number;
  extra: number;
  different: number;
  /** Differences a sync policy made on purpose: quarantined rows, values set to NULL. */
  expected: number;
  /** Rows changed in the source since the last sync (cursor past the high-water mark). */
  inFlight: number;
  samples: { missing: string[]; extra: string[]; different: RowDifference[] };
  notes: string[];
  seconds: number;
}

export interface VerifyReport {
  runId: number;
  inSync: boolean;
  seconds: number;
  streams: StreamVerdict[];
}

function keyTextOf(values: unknown[]): string {
  return values
    .map((v) => (v === null || v === undefined ? '\u001e' : typeof v === 'string' ? v : JSON.stringify(v)))
    .join('\u001f');
}

async function expectedKeys(
  client: PgClient,
  schema: string,
  stream: string,
  key: readonly string[],
): Promise<{ quarantined: Set<string>; changed: Set<string> }> {
  const keyOf = (pk: Record<string, unknown> | null) => (pk ? keyTextOf(key.map((k) => pk[k])) : '');
  const q = await client.query<{ primary_key: Record<string, unknown> | null }>(
    `SELECT primary_key FROM "_ferry"."quarantine" WHERE target_schema = $1 AND stream = $2`,
    [schema, stream],
  );
  const c = await client.query<{ primary_key: Record<string, unknown> | null }>(
    `SELECT primary_key FROM "_ferry"."value_changes" WHERE target_schema = $1 AND stream = $2`,
    [schema, stream],
  );
  return {
    quarantined: new Set(q.rows.map((r) => keyOf(r.primary_key))),
    changed: new Set(c.rows.map((r) => keyOf(r.primary_key))),
  };
}

/** Keys whose source row moved past the stream's high-water mark since the last sync. */
async function changedSinceSync(
  source: MysqlConnection,
  side: Side,
  client: PgClient,
  schema: string,
  plan: StreamPlan,
  keys: string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await client.query<{ cursor_column: string | null; high_water: string | null }>(
    `SELECT cursor_column, high_water FROM "_ferry"."streams" WHERE target_schema = $1 AND target_table = $2`,
    [schema, plan.targetTable],
  );
  const state = rows[0];
  if (!state?.cursor_column || state.high_water === null) return new Set();
  return side.keysWhere(`${quoteMysql(state.cursor_column)} > ${source.escape(state.high_water)}`, keys);
}

async function verifyStream(
  source: MysqlConnection,
  target: PgClient,
  schema: string,
  plan: StreamPlan,
  options: { samples: number; atSnapshot: boolean; signal: AbortSignal },
): Promise<StreamVerdict> {
  const { samples: sampleSize, signal } = options;
  const started = Date.now();
  const verdict: StreamVerdict = {
    stream: plan.name,
    status: 'in_sync',
    sourceRows: 0,
    targetRows: 0,
    missing: 0,
    extra: 0,
    different: 0,
    expected: 0,
    inFlight: 0,
    samples: { missing: [], extra: [], different: [] },
    notes: [],
    seconds: 0,
  };
  const targetColumns = await readTargetColumns(target, schema, plan.targetTable);
  if (!targetColumns) {
    verdict.status = 'missing_table';
    verdict.notes.push(`table ${schema}.${plan.targetTable} does not exist in the target; run ferry sync`);
    return verdict;
  }
  const present = new Set(targetColumns.map((c) => c.name));
  const all = plan.table.columns
    .filter((c) => !plan.columns || plan.columns.includes(c.name) || plan.table.primaryKey.includes(c.name))
    .map((c) => mapColumn(c, plan.name));
  const mappings = all.filter((m) => present.has(m.column.name));
  for (const m of all)
    if (!present.has(m.column.name))
      verdict.notes.push(`column ${m.column.name} is not in the target yet (not compared)`);
  const key = plan.table.primaryKey.map((k) => mappings.find((m) => m.column.name === k)!).filter(Boolean);
  const apart = mappings.filter((m) => COMPARED_APART.has(m.rule.encoder));
  const sideTable = { mappings, key, apart };
  const soft = present.has(DELETED_AT);
  const sourceDialect = mysqlChecksums(source, plan.table.schema, plan.table.name);
  const targetDialect = postgresChecksums(target, schema, plan.targetTable, soft);
  const rangeKey = rangeKeyOf(key);
  const bucketing = planBuckets(
    rangeKey,
    rangeKey
      ? await Promise.all([keyBounds(sourceDialect, rangeKey), keyBounds(targetDialect, rangeKey)])
      : [],
  );
  const src = tableSide(sourceDialect, sideTable, bucketing);
  const dst = tableSide(targetDialect, sideTable, bucketing);

  const multiset = key.length === 0;
  const found = await compareByChecksums(src, dst, { multiset, levels: levelCount(bucketing), signal });
  verdict.sourceRows = found.sourceRows;
  verdict.targetRows = found.targetRows;
  if (multiset) {
    verdict.missing = found.multisetMissing;
    verdict.extra = found.multisetExtra;
    if (verdict.missing + verdict.extra > 0)
      verdict.notes.push('no primary key: compared as a multiset of rows (counts of identical rows)');
  } else {
    const apartDiffs = await compareApart(src, dst, apart);
    const different = new Set([
      ...found.different,
      ...[...apartDiffs.keys()].filter((k) => !found.missing.includes(k) && !found.extra.includes(k)),
    ]);
    const { quarantined, changed } = await expectedKeys(target, schema, plan.name, plan.table.primaryKey);
    const changedLater = await changedSinceSync(
      source,
      src,
      target,
      schema,
      plan,
      [...found.missing, ...different].slice(0, 10_000),
    );
    const flight = options.atSnapshot ? changedLater : new Set<string>();
    if (!options.atSnapshot && changedLater.size > 0)
      verdict.notes.push(
        `${changedLater.size} of the differing rows changed in the source after the last sync; --at-snapshot counts them as in flight`,
      );
    const missing = found.missing.filter((k) => {
      if (quarantined.has(k)) verdict.expected++;
      else if (flight.has(k)) verdict.inFlight++;
      else return true;
      return false;
    });
    const differing = [...different].filter((k) => {
      if (changed.has(k)) verdict.expected++;
      else if (flight.has(k)) verdict.inFlight++;
      else return true;
      return false;
    });
    verdict.missing = missing.length;
    verdict.extra = found.extra.length;
    verdict.different = differing.length;
    verdict.samples.missing = missing.slice(0, sampleSize).map(displayKey);
    verdict.samples.extra = found.extra.slice(0, sampleSize).map(displayKey);
    const sample = differing.slice(0, sampleSize);
    const described = await describeDifferences(src, dst, mappings, sample);
    verdict.samples.different = described.map((d, i) => ({
      ...d,
      columns: [...d.columns, ...(apartDiffs.get(sample[i]!) ?? [])],
    }));
  }
  if (verdict.missing + verdict.extra + verdict.different > 0) verdict.status = 'different';
  verdict.seconds = (Date.now() - started) / 1000;
  return verdict;
}

export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const sourceSpec = sourceConnection(options.config.source);
  const targetSpec = targetConnection(options.config.target);
  const schema = options.config.target.schema;
  const source = await connectMysql(sourceSpec);
  let target: PgClient | undefined;
  try {
    target = await connectPostgres(targetSpec);
    await ensureStateSchema(target);
    const plans = planStreams(
      options.config,
      await introspectTables(source, sourceSpec.database),
      options.streams,
    );
    const streams: StreamVerdict[] = [];
    for (const plan of plans) {
      if (options.signal.aborted) throw options.signal.reason;
      const verdict = await verifyStream(source, target, schema, plan, {
        samples: options.samples ?? 5,
        atSnapshot: options.atSnapshot ?? false,
        signal: options.signal,
      });
      options.logger.info(
        { stream: plan.name, status: verdict.status, seconds: verdict.seconds },
        `${plan.name}: ${verdict.status}`,
      );
      streams.push(verdict);
    }
    const report: VerifyReport = {
      runId: 0,
      inSync: streams.every((s) => s.status === 'in_sync'),
      seconds: (Date.now() - started) / 1000,
      streams,
    };
    report.runId = await storeVerifyRun(target, schema, report);
    await source.end();
    return report;
  } catch (error) {
    // A failed comparison may leave a result half read; end() would wait for it forever.
    source.destroy();
    throw error;
  } finally {
    await target?.end().catch(() => undefined);
  }
}
