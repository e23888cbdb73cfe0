// Compares one stream's source table with its target table and says which rows differ: every key
// missing from the target, extra in it or with different values (not only the samples verify
// prints; `ferry repair` re-copies by these keys), less the differences ferry made on purpose
// (quarantined rows, values set to NULL, rows a `deletes: ignore` stream keeps) and those the
// caller's evidence calls in flight (verify.ts: the binlog at a cdc checkpoint, live-source.ts). The stream's `where:` applies to the source side, its overrides to both (they
// are in its column mappings).
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import { mappingsFor, type StreamPlan } from '../replication/stream-plan.js';
import { DELETED_AT } from '../schema/identifiers.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import { levelCount, planBuckets, rangeKeyOf } from './buckets.js';
import { COMPARED_APART } from './canonical.js';
import { mysqlChecksums, postgresChecksums } from './checksum-dialects.js';
import {
  compareApart,
  compareByChecksums,
  describeDifferences,
  type ColumnDifference,
  type RowDifference,
} from './compare-stream.js';
import { changedKeys, quarantinedKeys, quarantinedRows, type ExpectedScope } from './expected.js';
import { displayKey, keyBounds, tableSide, type Side } from './table-side.js';

export interface StreamVerdict {
  stream: string;
  /** source_missing: ferry synced the stream before, and its source table is gone (not compared). */
  status: 'in_sync' | 'different' | 'missing_table' | 'source_missing';
  sourceRows: number;
  targetRows: number;
  missing: number;
  extra: number;
  different: number;
  /** Differences ferry made on purpose: quarantined rows, values set to NULL, rows kept under deletes: ignore. */
  expected: number;
  /** Rows changed in the source since the last sync (cursor past the high-water mark). */
  inFlight: number;
  /** Sample keys (tables without a key: sample rows, as their canonical values) per kind of difference. */
  samples: { missing: string[]; extra: string[]; different: RowDifference[] };
  /** False for a table without a primary key, compared as a multiset of rows. */
  keyed: boolean;
  notes: string[];
  seconds: number;
}

export function emptyVerdict(stream: string, status: StreamVerdict['status'], keyed: boolean): StreamVerdict {
  return {
    stream,
    status,
    sourceRows: 0,
    targetRows: 0,
    missing: 0,
    extra: 0,
    different: 0,
    expected: 0,
    inFlight: 0,
    samples: { missing: [], extra: [], different: [] },
    keyed,
    notes: [],
    seconds: 0,
  };
}

/** The sides the evidence of rows in flight may read. */
export interface FlightSides {
  source: Side;
  target: Side;
  /** The source table over CompareOptions.sourceNow, when given. */
  sourceNow?: Side;
}

export interface CompareOptions {
  samples: number;
  signal: AbortSignal;
  /** Told each phase of the comparison, for progress reports. */
  onPhase?: ((phase: string) => void) | undefined;
  /** The target session is in a transaction of the caller's (one snapshot for the whole stream). */
  targetInTransaction?: boolean | undefined;
  /** A second source session outside the comparison's snapshot: the source as it is now. */
  sourceNow?: MysqlConnection | undefined;
  /** Of these differing keys, those in flight: the source changed them, so they may rightly differ. */
  inFlight?:
    | ((keys: readonly string[], key: readonly ColumnMapping[], sides: FlightSides) => Promise<Set<string>>)
    | undefined;
}

/** The compared sides of a stream, and its columns as both sides have them. */
export interface ComparedSides {
  source: Side;
  target: Side;
  /** The stream's mappings the target table has (those compared). */
  mappings: ColumnMapping[];
  key: ColumnMapping[];
  apart: ColumnMapping[];
  /** Levels of the drill-down. */
  levels: number;
  /** The source as it is now (CompareOptions.sourceNow), bucketed as the source side. */
  sourceNow?: Side;
}

export interface StreamComparison {
  verdict: StreamVerdict;
  /**
   * Every differing key (key texts), less the expected and in-flight ones; empty for key-less
   * tables. `expected`: the missing and different keys a sync policy explains (quarantined rows,
   * values set to NULL), which a repair checks again.
   */
  keys: { missing: string[]; extra: string[]; different: string[]; expected: string[] };
  /** Columns compared apart that differ, by key. */
  apartDifferences: Map<string, ColumnDifference[]>;
  /** Undefined when the target table does not exist. */
  sides: ComparedSides | undefined;
}

/** The sides of a stream over a source and a target session (the where: filter on the source's). */
export async function compareSides(
  source: MysqlConnection,
  target: PgClient,
  plan: StreamPlan,
  mappings: ColumnMapping[],
  options: {
    softDeletes: boolean;
    targetInTransaction?: boolean | undefined;
    sourceNow?: MysqlConnection | undefined;
  },
): Promise<ComparedSides> {
  const key = plan.table.primaryKey.map((k) => mappings.find((m) => m.column.name === k)!).filter(Boolean);
  const apart = mappings.filter((m) => COMPARED_APART.has(m.rule.encoder));
  const sideTable = { mappings, key, apart };
  const sourceDialect = mysqlChecksums(source, plan.table.schema, plan.table.name, plan.where);
  const targetDialect = postgresChecksums(target, plan.targetSchema, plan.targetTable, options.softDeletes, {
    inTransaction: options.targetInTransaction ?? false,
  });
  const rangeKey = rangeKeyOf(key);
  const bucketing = planBuckets(
    rangeKey,
    rangeKey
      ? await Promise.all([keyBounds(sourceDialect, rangeKey), keyBounds(targetDialect, rangeKey)])
      : [],
  );
  return {
    source: tableSide(sourceDialect, sideTable, bucketing),
    target: tableSide(targetDialect, sideTable, bucketing),
    mappings,
    key,
    apart,
    levels: levelCount(bucketing),
    ...(options.sourceNow
      ? {
          sourceNow: tableSide(
            mysqlChecksums(options.sourceNow, plan.table.schema, plan.table.name, plan.where),
            sideTable,
            bucketing,
          ),
        }
      : {}),
  };
}

/** Whether the target keeps rows the source deleted on purpose (deletes: ignore). */
export function keepsDeletedRows(plan: Pick<StreamPlan, 'mode' | 'deletes'>): boolean {
  return plan.mode !== 'full_refresh' && plan.deletes === 'ignore';
}

export async function compareStream(
  state: FerryState,
  source: MysqlConnection,
  target: PgClient,
  plan: StreamPlan,
  options: CompareOptions,
): Promise<StreamComparison> {
  const { samples: sampleSize, signal } = options;
  const schema = plan.targetSchema;
  const started = Date.now();
  const verdict = emptyVerdict(plan.name, 'in_sync', plan.table.primaryKey.length > 0);
  const comparison: StreamComparison = {
    verdict,
    keys: { missing: [], extra: [], different: [], expected: [] },
    apartDifferences: new Map(),
    sides: undefined,
  };
  const targetColumns = await readTargetColumns(target, schema, plan.targetTable);
  if (!targetColumns) {
    verdict.status = 'missing_table';
    verdict.notes.push(`table ${schema}.${plan.targetTable} does not exist in the target; run ferry sync`);
    return comparison;
  }
  const present = new Set(targetColumns.map((c) => c.name));
  const all = mappingsFor(plan);
  const mappings = all.filter((m) => present.has(m.targetName));
  // A source column the target lacks was not compared: the stream cannot be called in sync.
  const uncompared = all.filter((m) => !present.has(m.targetName));
  for (const m of uncompared)
    verdict.notes.push(
      `column ${m.column.name} is not in the target (${schema}.${plan.targetTable}.${m.targetName}), so it was not compared; run ferry sync`,
    );
  const sides = await compareSides(source, target, plan, mappings, {
    softDeletes: present.has(DELETED_AT),
    targetInTransaction: options.targetInTransaction,
    sourceNow: options.sourceNow,
  });
  comparison.sides = sides;
  const { source: src, target: dst, key, apart, levels } = sides;
  const multiset = key.length === 0;
  const found = await compareByChecksums(src, dst, {
    multiset,
    levels,
    signal,
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
  });
  verdict.sourceRows = found.sourceRows;
  verdict.targetRows = found.targetRows;
  const scope: ExpectedScope = {
    state,
    target,
    schema,
    stream: plan.name,
    table: plan.targetTable,
    source: src,
    mappings,
    key,
  };
  if (multiset) {
    const expected = await quarantinedRows(scope, found.missingRows);
    for (const n of expected.values()) verdict.expected += n;
    verdict.missing = found.multisetMissing - verdict.expected;
    verdict.extra = found.multisetExtra;
    const missing = [...found.missingRows].filter(([h, n]) => n > (expected.get(h) ?? 0)).map(([h]) => h);
    verdict.samples.missing = await sampleRows(src, missing, sampleSize);
    verdict.samples.extra = await sampleRows(dst, [...found.extraRows.keys()], sampleSize);
    if (verdict.missing + verdict.extra > 0)
      verdict.notes.push('no primary key: compared as a multiset of rows (counts of identical rows)');
  } else {
    const apartDiffs = await compareApart(src, dst, apart);
    comparison.apartDifferences = apartDiffs;
    const different = new Set([
      ...found.different,
      ...[...apartDiffs.keys()].filter((k) => !found.missing.includes(k) && !found.extra.includes(k)),
    ]);
    const quarantined = await quarantinedKeys(scope, found.missing);
    const changed = await changedKeys(scope, [...different]);
    const kept = keepsDeletedRows(plan);
    // The keys no policy explains: those the caller's evidence may call in flight.
    const candidates = [
      ...found.missing.filter((k) => !quarantined.has(k)),
      ...(kept ? [] : found.extra),
      ...[...different].filter((k) => !changed.has(k)),
    ];
    const flight = options.inFlight
      ? await options.inFlight(candidates, key, {
          source: src,
          target: dst,
          ...(sides.sourceNow ? { sourceNow: sides.sourceNow } : {}),
        })
      : new Set<string>();
    const expected: string[] = [];
    const keep = (explained: ReadonlySet<string>) => (k: string) => {
      if (explained.has(k)) expected.push(k);
      else if (flight.has(k)) verdict.inFlight++;
      else return true;
      return false;
    };
    const missing = found.missing.filter(keep(quarantined));
    const differing = [...different].filter(keep(changed));
    verdict.expected += expected.length;
    const extra = found.extra.filter((k) => {
      if (kept) verdict.expected++;
      else if (flight.has(k)) verdict.inFlight++;
      else return true;
      return false;
    });
    if (kept && found.extra.length > 0)
      verdict.notes.push(
        `${found.extra.length} row(s) the source no longer has${plan.where ? ' (or that left the filter)' : ''} are kept: deletes: ignore`,
      );
    comparison.keys = { missing, extra, different: differing, expected };
    verdict.missing = missing.length;
    verdict.extra = extra.length;
    verdict.different = differing.length;
    verdict.samples.missing = missing.slice(0, sampleSize).map(displayKey);
    verdict.samples.extra = extra.slice(0, sampleSize).map(displayKey);
    const sample = differing.slice(0, sampleSize);
    const described = await describeDifferences(src, dst, mappings, sample);
    verdict.samples.different = described.map((d, i) => ({
      ...d,
      columns: [...d.columns, ...(apartDiffs.get(sample[i]!) ?? [])],
    }));
  }
  if (verdict.missing + verdict.extra + verdict.different > 0 || uncompared.length > 0)
    verdict.status = 'different';
  verdict.seconds = (Date.now() - started) / 1000;
  return comparison;
}

/** Up to `n` rows of a key-less table by their hashes, as their canonical values. */
async function sampleRows(side: Side, hashes: readonly string[], n: number): Promise<string[]> {
  if (n === 0 || hashes.length === 0) return [];
  const rows = await side.selectByHash(hashes.slice(0, n), []);
  return hashes
    .slice(0, n)
    .flatMap((h) => rows.get(h)?.slice(0, 1) ?? [])
    .map((r) => displayKey(r.text));
}
