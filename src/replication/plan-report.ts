// `ferry plan`: what a sync would do, read from the real source and target and changing neither.
// The same planning the sync runs (planFromSource: stream rules, overrides, filters; mappingsFor: the
// type mapping; diffSchema and checkSchemaPolicy: what happens to an existing table), laid out per
// stream: the tables matched, mode, cursor, key, each column's source type, PostgreSQL type, rule
// and the value policy that applies, what the target gets, what the next run copies; and the
// settings that do nothing, the tables no stream matches.
import type { Project } from '../config/project.js';
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { readTargetColumns } from '../connectors/postgres/ddl.js';
import { sqlState } from '../connectors/postgres/server-error.js';
import { messageOf } from '../errors.js';
import { silentLogger } from '../observability/logger.js';
import { compileQuality } from '../quality/stream-quality.js';
import { ENCODER_POLICIES } from '../schema/encode-copy.js';
import { FERRY_PREFIX } from '../schema/identifiers.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { mapColumn } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import type { StreamState } from '../state/streams.js';
import { cdcBlocker } from './run.js';
import { incrementalBlocker } from './plan-checks.js';
import { planFromSource } from './run-lifecycle.js';
import { checkSchemaPolicy, diffSchema } from './schema-evolution.js';
import {
  globMatches,
  mappingsFor,
  missingStreams,
  type KnownStream,
  type MissingStream,
  type StreamPlan,
} from './stream-plan.js';

/** A stream's entry as ferry.yaml has it (before defaults): what it set itself. */
type StreamConfig = Project['config']['streams'][number];

export type PlanProject = Pick<
  Project,
  'config' | 'source' | 'target' | 'targetSchema' | 'targetSchemas' | 'sync' | 'streams'
>;

export interface PlannedColumn {
  source: string;
  sourceType: string;
  target: string;
  pgType: string;
  /** The type mapping's rule (docs/type-mapping.md). */
  rule: string;
  /** The value policy for what cannot load as it is: "zero_dates (null): zero and impossible dates". */
  policy?: string;
  /** What the stream's overrides changed: the default type, the source name. */
  override?: { defaultType?: string; renamedFrom?: string };
  key: boolean;
}

export interface PlannedTarget {
  /** create: the table is new; alter: columns are added or widened; rebuild: types change under schema_changes: rebuild; none; refused: the sync would stop this stream. */
  action: 'create' | 'alter' | 'rebuild' | 'none' | 'refused';
  added: string[];
  /** Target columns the source no longer has: kept, NULL from now on. */
  kept: string[];
  changed: { column: string; from: string; to: string }[];
  note?: string;
}

export interface PlannedStream {
  stream: string;
  /** streams[rule] of ferry.yaml. */
  rule: number;
  table: string;
  target: string;
  mode: string;
  cursor: string | null;
  key: string[];
  /** declared: the table's primary key; primary_key: the stream's; none. */
  keyFrom: 'declared' | 'primary_key' | 'none';
  deletes: string;
  where: string | null;
  excluded: string[];
  checks: number;
  columns: PlannedColumn[];
  targetTable: PlannedTarget | undefined;
  /** What the next ferry sync copies. */
  next: string;
  warnings: string[];
  errors: string[];
}

export interface PlanReport {
  source: string;
  targetSchema: string;
  streams: PlannedStream[];
  /** Tables of the source that no stream matches (not replicated). */
  unmatched: string[];
  /** Streams ferry synced before whose source table is gone. */
  gone: MissingStream[];
  warnings: string[];
}

export interface PlanOptions {
  project: PlanProject;
  state: FerryState;
  streams?: readonly string[] | undefined;
}

export async function planReport(options: PlanOptions): Promise<PlanReport> {
  const { project, state } = options;
  const target = await connectPostgres(project.target);
  try {
    const known = await readKnown(target, state, project.targetSchemas);
    const planned = await planFromSource(project, options.streams, known);
    const only = options.streams && options.streams.length > 0;
    const streams: PlannedStream[] = [];
    const inOrder = [...planned.plans].sort(
      (a, b) => a.ruleIndex - b.ruleIndex || a.name.localeCompare(b.name),
    );
    for (const plan of inOrder)
      streams.push(
        await planStream(
          project,
          state,
          target,
          plan,
          known.find((k) => sameStream(k, plan)),
        ),
      );
    const used = new Set(planned.plans.map((p) => p.ruleIndex));
    const warnings = [
      ...planned.warnings.map((w) => w.message),
      ...(only
        ? []
        : shadowedRules(
            project,
            planned.tables.map((t) => t.name),
            used,
          )),
    ];
    return {
      source: project.source.database,
      targetSchema: project.targetSchema,
      streams,
      unmatched: only
        ? []
        : planned.tables
            .map((t) => t.name)
            .filter((n) => !n.startsWith(FERRY_PREFIX) && !planned.plans.some((p) => p.table.name === n)),
      gone: missingStreams(project.streams, planned.plans, known, options.streams),
      warnings,
    };
  } finally {
    await target.end().catch(() => undefined);
  }
}

const sameStream = (k: KnownStream & { table: string }, plan: StreamPlan) =>
  k.table === plan.targetTable && k.targetSchema === plan.targetSchema;

/** The streams ferry's state has; none when the target has no state yet (plan creates nothing). */
async function readKnown(
  target: PgClient,
  state: FerryState,
  schemas: readonly string[],
): Promise<(StreamState & KnownStream & { table: string })[]> {
  try {
    return await state.streams.list(target, schemas);
  } catch (error) {
    // 42P01 undefined table, 3F000 undefined schema: no sync ran against this target yet.
    if (['42P01', '3F000'].includes(sqlState(error) ?? '')) return [];
    throw error;
  }
}

async function planStream(
  project: PlanProject,
  state: FerryState,
  target: PgClient,
  plan: StreamPlan,
  saved: StreamState | undefined,
): Promise<PlannedStream> {
  const raw: StreamConfig = project.config.streams[plan.ruleIndex]!;
  const byRule = raw.primary_key !== undefined && sameColumns(plan.table.primaryKey, raw.primary_key);
  const out: PlannedStream = {
    stream: plan.name,
    rule: plan.ruleIndex,
    table: plan.table.name,
    target: `${plan.targetSchema}.${plan.targetTable}`,
    mode: plan.mode,
    cursor: plan.mode === 'incremental' ? (plan.cursor ?? null) : null,
    key: plan.table.primaryKey,
    keyFrom: plan.table.primaryKey.length === 0 ? 'none' : byRule ? 'primary_key' : 'declared',
    deletes: plan.mode === 'full_refresh' ? 'mirrors the source' : plan.deletes,
    where: plan.where ?? null,
    excluded: [...plan.excluded],
    checks: plan.checks.length + (plan.dedup ? 1 : 0),
    columns: [],
    targetTable: undefined,
    next: '',
    warnings: settingsThatDoNothing(plan, raw),
    errors: [],
  };
  let mappings: ColumnMapping[];
  try {
    mappings = mappingsFor(plan);
  } catch (error) {
    out.errors.push(messageOf(error));
    out.next = 'the stream fails: a column cannot be mapped';
    return out;
  }
  try {
    compileQuality(plan, mappings, plan.targetSchema, state.quarantine);
  } catch (error) {
    out.errors.push(messageOf(error));
  }
  out.columns = mappings.map((m) => plannedColumn(project, plan, m));
  out.targetTable = await plannedTarget(project, target, plan, mappings);
  out.next = nextRun(plan, saved, out.targetTable);
  return out;
}

function plannedColumn(project: PlanProject, plan: StreamPlan, m: ColumnMapping): PlannedColumn {
  const policy = ENCODER_POLICIES[m.rule.encoder];
  const override = plan.overrides[m.column.name];
  const defaultType = override?.rule ? mapColumn(m.column).pgType : undefined;
  return {
    source: m.column.name,
    sourceType: m.column.columnType,
    target: m.targetName,
    pgType: m.pgType,
    rule: m.rule.mysql,
    ...(policy ? { policy: `${policy.policy} (${project.sync[policy.policy]}): ${policy.values}` } : {}),
    ...(override && (defaultType !== undefined || override.targetName)
      ? {
          override: {
            ...(defaultType !== undefined && defaultType !== m.pgType ? { defaultType } : {}),
            ...(override.targetName ? { renamedFrom: m.column.name } : {}),
          },
        }
      : {}),
    key: plan.table.primaryKey.includes(m.column.name),
  };
}

async function plannedTarget(
  project: PlanProject,
  target: PgClient,
  plan: StreamPlan,
  mappings: ColumnMapping[],
): Promise<PlannedTarget> {
  const existing = await readTargetColumns(target, plan.targetSchema, plan.targetTable);
  if (!existing) return { action: 'create', added: mappings.map((m) => m.targetName), kept: [], changed: [] };
  const diff = diffSchema(mappings, existing);
  const found: PlannedTarget = {
    action: 'none',
    added: diff.added.map((m) => m.targetName),
    kept: diff.dropped.map((c) => c.name),
    changed: diff.changed.map((c) => ({ column: c.mapping.targetName, from: c.was, to: c.mapping.pgType })),
  };
  try {
    const { rebuild, widen } = checkSchemaPolicy(
      plan.name,
      diff,
      project.sync.schema_changes,
      silentLogger(),
    );
    if (rebuild) found.action = 'rebuild';
    else if (diff.added.length > 0 || widen.length > 0) found.action = 'alter';
  } catch (error) {
    found.action = 'refused';
    found.note = messageOf(error);
  }
  return found;
}

function nextRun(plan: StreamPlan, saved: StreamState | undefined, table: PlannedTarget): string {
  if (table.action === 'refused') return 'the stream stops: the target table cannot follow the source';
  if (plan.mode === 'full_refresh') return 'a full load into a staging table, swapped in';
  if (plan.mode === 'cdc') {
    const blocker = cdcBlocker(plan);
    if (blocker) return `the stream fails: it cannot follow the binlog because ${blocker}`;
    const at = saved?.mode === 'cdc' ? (saved.binlog.gtid ?? saved.binlog.file) : null;
    return at
      ? `applies the binlog from its checkpoint ${at} up to the source's position`
      : "a snapshot (full load), then the binlog from the snapshot's position";
  }
  const blocker = incrementalBlocker(plan.table, plan.cursor);
  if (blocker) return `a full load every run: it cannot be incremental because ${blocker}`;
  if (
    saved?.mode === 'incremental' &&
    saved.cursorColumn === plan.cursor &&
    saved.highWater !== null &&
    table.action !== 'create'
  )
    return `rows with ${plan.cursor} from ${saved.highWater} (less the ${plan.lookbackSeconds} s lookback), merged by key${plan.deletes !== 'ignore' ? `; deletes detected (${plan.deletes})` : ''}`;
  return 'a full load first (no high-water mark yet), then incremental';
}

const sameColumns = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c, i) => c === b[i]);

/** Settings of the stream's entry in ferry.yaml that its mode or table make meaningless. */
function settingsThatDoNothing(plan: StreamPlan, raw: StreamConfig): string[] {
  const at = `streams[${plan.ruleIndex}]`;
  const out: string[] = [];
  if (plan.mode !== 'incremental' && raw.cursor !== undefined)
    out.push(`${at}.cursor does nothing on a ${plan.mode} stream`);
  if (plan.mode !== 'incremental' && raw.lookback !== undefined)
    out.push(`${at}.lookback does nothing on a ${plan.mode} stream`);
  if (plan.mode === 'full_refresh' && raw.deletes !== undefined)
    out.push(`${at}.deletes does nothing on a full_refresh stream (it mirrors the source)`);
  if (raw.primary_key && !sameColumns(plan.table.primaryKey, raw.primary_key))
    out.push(
      `${at}.primary_key is ignored for ${plan.table.name}, which declares (${plan.table.primaryKey.join(', ')})`,
    );
  if (plan.mode === 'incremental' && plan.deletes === 'ignore' && raw.deletes === undefined && plan.where)
    out.push(`${at}: rows that leave the where: filter stay in the target as last copied (deletes: ignore)`);
  return out;
}

/** Rules that match tables but never apply, since an earlier rule takes those tables; exclude patterns that match nothing. */
function shadowedRules(project: PlanProject, tables: readonly string[], used: ReadonlySet<number>): string[] {
  const out: string[] = [];
  project.streams.forEach((rule, i) => {
    const matching = tables.filter((t) => globMatches(rule.table, t));
    if (!used.has(i) && matching.length > 0)
      out.push(`streams[${i}] ("${rule.table}") never applies: earlier streams take ${matching.join(', ')}`);
    for (const e of rule.exclude ?? [])
      if (!matching.some((t) => globMatches(e, t)))
        out.push(`streams[${i}].exclude "${e}" matches no table of "${rule.table}"`);
  });
  return out;
}
