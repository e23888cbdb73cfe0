// Decides, for each source table, which stream settings apply: the first stream whose table pattern
// matches wins; tables no stream matches are not replicated. Says what it leaves out that a user
// would not expect: views and sequences a pattern matches, patterns matching nothing, an empty source.
// Streams ferry synced before whose table the source no longer has are found too (missingStreams),
// and reported rather than forgotten.
import type { StreamMode, StreamRule } from '../config/project.js';
import type { SkippedRelation, SourceTable } from '../schema/source-table.js';
import {
  checkTargetNames,
  mapColumn,
  type ColumnMapping,
  type ColumnOverride,
} from '../schema/type-mapping.js';
import { ConfigError } from '../errors.js';
import { FERRY_PREFIX, identifier } from '../schema/identifiers.js';
import type { CheckRule, DedupRule } from '../quality/check-rules.js';
import type { StreamKey } from '../state/streams.js';
import { resolveOverrides, unusedOverrides } from './column-overrides.js';

export interface StreamPlan {
  table: SourceTable;
  /** The stream's name in logs, state and quarantine: the target table name (unique in the project). */
  name: string;
  /** The position in ferry.yaml's streams list of the stream rule that matched the table. */
  ruleIndex: number;
  /** The PostgreSQL schema of the target table: the stream's target_schema, or target.schema. */
  targetSchema: string;
  targetTable: string;
  mode: StreamMode;
  cursor: string | undefined;
  lookbackSeconds: number;
  deletes: 'ignore' | 'soft' | 'hard';
  columns: string[] | undefined;
  /** Source columns the stream's overrides leave out. */
  excluded: readonly string[];
  /** By source column: the type rule and target name its override chose. */
  overrides: Readonly<Record<string, ColumnOverride>>;
  /** A MySQL condition on the source rows: only those meeting it are copied and verified. */
  where: string | undefined;
  /** Validation of the rows (src/quality). */
  checks: CheckRule[];
  dedup: DedupRule | undefined;
  /**
   * The stream's primary_key when it stands in for the key the table does not declare (it must be
   * unique; the binlog has no key for such a table).
   */
  configuredKey: string[] | undefined;
  /** What an incremental stream that cannot be incremental does (stream ferry.yaml's incremental_fallback). */
  incrementalFallback: 'none' | 'full_refresh';
}

/** "*" and "?" globs, matched against the whole table name, case-sensitively. */
export function globMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    's',
  );
  return regex.test(name);
}

/** The first stream rule that covers a table name, or -1. */
function ruleIndexOf(rules: readonly StreamRule[], name: string): number {
  if (name.startsWith(FERRY_PREFIX)) return -1; // ferry's own bookkeeping, never replicated
  return rules.findIndex(
    (s) => globMatches(s.table, name) && !(s.exclude ?? []).some((e) => globMatches(e, name)),
  );
}

/** Where a stream's state, lock and rows live: its target schema and table. */
export function streamKey(plan: Pick<StreamPlan, 'targetSchema' | 'targetTable'>): StreamKey {
  return { targetSchema: plan.targetSchema, table: plan.targetTable };
}

/** A stream ferry's state knows (it was synced into target_table from source_table). */
export interface KnownStream {
  targetSchema: string;
  sourceTable: string;
  /** Its target table. */
  table: string;
  mode: string;
}

/**
 * `known`: the streams ferry's state has; a stream naming a table the source lost is then not a
 * configuration error (missingStreams reports it).
 */
export function planStreams(
  rules: readonly StreamRule[],
  tables: readonly SourceTable[],
  only?: readonly string[],
  known: readonly KnownStream[] = [],
): StreamPlan[] {
  const plans: StreamPlan[] = [];
  const used = new Set<number>();
  /** Every stream the rules give, whether or not `only` selects it: the valid names for messages. */
  const available: string[] = [];
  const overridden = new Map<number, Set<string>>();
  for (const table of tables) {
    const index = ruleIndexOf(rules, table.name);
    if (index < 0) continue;
    used.add(index);
    const stream = rules[index]!;
    // PostgreSQL keeps 63 bytes of a name; longer ones are mapped (identifier()), never cut.
    const targetTable = identifier(stream.target_table ?? table.name);
    available.push(targetTable);
    const targetSchema = stream.targetSchema;
    if (
      only &&
      only.length > 0 &&
      !only.includes(table.name) &&
      !only.includes(targetTable) &&
      !only.includes(`${targetSchema}.${targetTable}`)
    )
      continue;
    const unknown = [...(stream.primary_key ?? []), ...(stream.columns ?? [])].filter(
      (c) => !table.columns.some((col) => col.name === c),
    );
    if (unknown.length > 0) {
      throw new ConfigError(
        `streams[${index}] names columns that ${table.name} does not have`,
        [`streams[${index}]: ${unknown.map((c) => `column ${c} not found in ${table.name}`).join('; ')}`],
        { hint: `columns of ${table.name}: ${table.columns.map((c) => c.name).join(', ')}` },
      );
    }
    // primary_key stands in for the key a table does not declare (it must identify rows uniquely).
    const declared = stream.primary_key !== undefined && table.primaryKey.length === 0;
    const planned = declared ? { ...table, primaryKey: stream.primary_key! } : table;
    const usedColumns = overridden.get(index) ?? new Set<string>();
    overridden.set(index, usedColumns);
    const resolved = resolveOverrides(stream, planned, planned.primaryKey, usedColumns);
    plans.push({
      table: planned,
      name: targetTable,
      ruleIndex: index,
      targetSchema,
      targetTable,
      mode: stream.mode,
      cursor: stream.cursor,
      lookbackSeconds: stream.lookbackSeconds,
      deletes: stream.deletes,
      columns: stream.columns,
      excluded: resolved.excluded,
      overrides: resolved.columns,
      where: stream.where,
      checks: stream.checks ?? [],
      dedup: stream.dedup,
      configuredKey: declared ? [...stream.primary_key!] : undefined,
      incrementalFallback: stream.incrementalFallback,
    });
  }
  const strayOverrides = [...overridden].flatMap(([i, columns]) =>
    only && only.length > 0 ? [] : unusedOverrides(rules[i]!, columns),
  );
  if (strayOverrides.length > 0)
    throw new ConfigError('stream overrides name columns no table of theirs has', strayOverrides, {
      hint: 'override columns by their source names',
    });
  // A stream is named by its target table, in logs, state and --streams: one name, one table,
  // whichever schema it is in.
  const byTarget = new Map<string, string[]>();
  for (const p of plans) byTarget.set(p.targetTable, [...(byTarget.get(p.targetTable) ?? []), p.table.name]);
  const clashes = [...byTarget].filter(([, sources]) => sources.length > 1);
  if (clashes.length > 0) {
    throw new ConfigError(
      'several source tables would replicate into one target table',
      clashes.map(([target, sources]) => `streams: ${sources.join(', ')} all map to target table ${target}`),
      {
        hint: 'give target_table only on a stream that matches one table; streams in different target schemas need different table names too',
      },
    );
  }
  const gone = new Set(missingStreams(rules, plans, known).map((m) => m.sourceTable));
  const unused = rules.filter((s, i) => !used.has(i) && !/[*?]/.test(s.table) && !gone.has(s.table));
  const shadowed = unused.filter((s) => tables.some((t) => t.name === s.table));
  if (shadowed.length > 0) throw shadowedStreams(rules, shadowed);
  const literal = unused.filter((s) => !shadowed.includes(s));
  if (literal.length > 0) {
    throw new ConfigError(
      'streams name tables that the source does not have',
      literal.map((s) => `streams[${s.index}]: table ${s.table} not found in the source database`),
      {
        hint: `tables in the source: ${tables.map((t) => t.name).join(', ') || '(none)'}`,
      },
    );
  }
  if (only) {
    const missing = only.filter(
      (n) =>
        !plans.some(
          (p) => p.table.name === n || p.targetTable === n || `${p.targetSchema}.${p.targetTable}` === n,
        ) && !missingStreams(rules, plans, known, [n]).length,
    );
    if (missing.length > 0)
      throw new ConfigError(`no stream covers ${missing.join(', ')}`, [], {
        hint: `streams: ${validNames(rules, available, known).join(', ') || '(none: no table of the source matches streams:)'}`,
      });
  }
  return plans;
}

/**
 * Streams naming a table the source has that an earlier stream matches already (or that ferry never
 * replicates): their settings would never apply, so the file is wrong.
 */
function shadowedStreams(rules: readonly StreamRule[], shadowed: readonly StreamRule[]): ConfigError {
  const problems = shadowed.map((s) => {
    const first = ruleIndexOf(rules, s.table);
    if (first < 0)
      return `streams[${s.index}]: table ${s.table} starts with ${FERRY_PREFIX}: ferry never replicates such tables`;
    const by = rules[first]!;
    const pattern = /[*?]/.test(by.table) ? ` (table: ${JSON.stringify(by.table)})` : '';
    return `streams[${s.index}]: table ${s.table} is matched by streams[${first}]${pattern} already, so these settings would never apply`;
  });
  return new ConfigError('a table is listed in two streams', problems, {
    hint: "the first stream whose table matches wins: merge the two entries into one, or put the one naming the table before the pattern (or add the table to the pattern's exclude:)",
  });
}

/** The stream names --streams may give: those the source's tables have, and those whose table is gone. */
function validNames(
  rules: readonly StreamRule[],
  available: readonly string[],
  known: readonly KnownStream[],
): string[] {
  const gone = known.filter((k) => ruleIndexOf(rules, k.sourceTable) >= 0 && !available.includes(k.table));
  return [...new Set([...available, ...gone.map((k) => k.table)])].sort();
}

/** A stream whose source table is gone (dropped, or renamed) since ferry synced it. */
export interface MissingStream {
  /** The stream's name: its target table. */
  name: string;
  targetSchema: string;
  sourceTable: string;
  mode: string;
  /** The rule covering it names the table (no glob): it stays reported while the rule does. */
  named: boolean;
}

/**
 * The streams ferry synced before that a rule still covers but the source no longer has a table for
 * (no plan has their source table, and none writes their target table), optionally only some.
 */
export function missingStreams(
  rules: readonly StreamRule[],
  plans: readonly StreamPlan[],
  known: readonly KnownStream[],
  only?: readonly string[],
): MissingStream[] {
  return known
    .filter(
      (k) =>
        ruleIndexOf(rules, k.sourceTable) >= 0 &&
        !plans.some(
          (p) =>
            p.table.name === k.sourceTable ||
            (p.targetTable === k.table && p.targetSchema === k.targetSchema),
        ) &&
        (!only || only.length === 0 || only.includes(k.sourceTable) || only.includes(k.table)),
    )
    .map((k) => ({
      name: k.table,
      targetSchema: k.targetSchema,
      sourceTable: k.sourceTable,
      mode: k.mode,
      named: !/[*?]/.test(rules[ruleIndexOf(rules, k.sourceTable)]!.table),
    }));
}

/** Something planning leaves out; `strict` ones are errors under `ferry sync --strict`. */
export interface PlanWarning {
  message: string;
  strict: boolean;
}

const NOT_COPIED: Record<SkippedRelation['kind'], string> = {
  view: "ferry copies tables; a view's rows come from its tables",
  sequence:
    "ferry copies tables, not sequence generators; in PostgreSQL, CREATE SEQUENCE ... START WITH the source's next value",
  other: 'ferry copies base and system-versioned tables only',
};

/** The warnings of a plan over the source's tables and the relations introspection left out. */
export function planWarnings(
  rules: readonly StreamRule[],
  tables: readonly SourceTable[],
  skipped: readonly SkippedRelation[],
  database: string,
): PlanWarning[] {
  const chosen = (name: string) => ruleIndexOf(rules, name) >= 0;
  const warnings: PlanWarning[] = skipped
    .filter((r) => chosen(r.name))
    .map((r) => ({
      message: `${r.kind === 'other' ? `${r.name} (${r.tableType})` : `${r.kind} ${r.name}`} is not replicated: ${NOT_COPIED[r.kind]}`,
      strict: false,
    }));
  if (tables.length === 0)
    return [{ message: `the source database ${database} has no tables`, strict: true }, ...warnings];
  rules.forEach((rule, i) => {
    if (!/[*?]/.test(rule.table)) return;
    const matching = tables.filter((t) => globMatches(rule.table, t.name));
    if (matching.length === 0)
      warnings.push({
        message: `streams[${i}]: table "${rule.table}" matches no table of the source database ${database}`,
        strict: true,
      });
    else if (shadowedGlob(rules, i, matching))
      warnings.push({
        message: `streams[${i}]: every table "${rule.table}" matches is matched by an earlier stream (the first that matches wins), so its settings never apply`,
        strict: true,
      });
  });
  return warnings;
}

/** Whether every table a glob would copy (its matches less its exclude:) is an earlier stream's. */
function shadowedGlob(rules: readonly StreamRule[], i: number, matching: readonly SourceTable[]): boolean {
  const rule = rules[i]!;
  const own = matching.filter(
    (t) => !t.name.startsWith(FERRY_PREFIX) && !(rule.exclude ?? []).some((e) => globMatches(e, t.name)),
  );
  return own.length > 0 && own.every((t) => ruleIndexOf(rules, t.name) < i);
}

/**
 * The column mappings of a stream: its selected columns (and always the key), in table order, less
 * those its overrides exclude, with the types and names its overrides chose.
 */
export function mappingsFor(plan: StreamPlan): ColumnMapping[] {
  const wanted = plan.columns ? new Set([...plan.columns, ...plan.table.primaryKey]) : undefined;
  const mappings = plan.table.columns
    .filter((c) => (!wanted || wanted.has(c.name)) && !plan.excluded.includes(c.name))
    .map((c) => mapColumn(c, plan.name, plan.overrides[c.name]));
  checkTargetNames(mappings, plan.name);
  return mappings;
}
