// Checks of a plan against what the streams ask for: an incremental stream whose table cannot be
// copied incrementally is a configuration error (unless it opts into the full-copy fallback), and
// settings that do nothing in a stream's mode are warned about, from one table per mode.
import type { StreamRule } from '../config/project.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SourceTable } from '../schema/source-table.js';
import { cursorOf } from './cursor-mark.js';
import type { StreamResult } from './stream-context.js';
import type { PlanWarning, StreamPlan } from './stream-plan.js';

/** Why a stream cannot run incrementally, or undefined when it can. */
export function incrementalBlocker(table: SourceTable, cursor: string | undefined): string | undefined {
  if (!cursor)
    return 'incremental needs a cursor: set `cursor:` on the stream (or in defaults:) to a column that grows when a row changes';
  const column = table.columns.find((c) => c.name === cursor);
  if (!column)
    return `its cursor column ${cursor} does not exist (columns: ${table.columns.map((c) => c.name).join(', ')})`;
  if (!cursorOf(table, cursor))
    return `its cursor column ${cursor} is ${column.columnType}, not a number or a date/time`;
  if (table.primaryKey.length === 0)
    return 'it has no primary key to merge rows by: set `primary_key:` to columns that identify a row';
  return undefined;
}

/**
 * An incremental stream that cannot be incremental (`blocker` says why) copied by `fullLoad` instead,
 * with the warning logged and in its result. Only a stream with incremental_fallback: full_refresh
 * gets here: checkIncremental refuses the others.
 */
export async function copiedInFull(
  logger: Logger,
  plan: Pick<StreamPlan, 'name'>,
  blocker: string,
  fullLoad: () => Promise<StreamResult>,
): Promise<StreamResult> {
  const warning = `${blocker}; copied in full (incremental_fallback: full_refresh)`;
  logger.warn({ stream: plan.name }, warning);
  const result = await fullLoad();
  result.warnings.push(warning);
  return result;
}

/**
 * Throws a ConfigError naming every incremental stream that cannot be incremental and does not opt
 * into the fallback: before, such a stream was copied in full on every run with a warning and exit 0.
 */
export function checkIncremental(plans: readonly StreamPlan[]): void {
  const byRule = [...plans].sort((a, b) => a.ruleIndex - b.ruleIndex);
  const problems = byRule.flatMap((plan) => {
    if (plan.mode !== 'incremental' || plan.incrementalFallback === 'full_refresh') return [];
    const blocker = incrementalBlocker(plan.table, plan.cursor);
    return blocker ? [`streams[${plan.ruleIndex}] (${plan.table.name}): ${blocker}`] : [];
  });
  if (problems.length > 0)
    throw new ConfigError(
      `${problems.length} incremental stream${problems.length === 1 ? '' : 's'} cannot be incremental`,
      problems,
      {
        hint: 'fix the cursor (or the key), set `mode: full_refresh`, or set `incremental_fallback: full_refresh` on the stream (or in defaults:) to copy such tables in full on every run',
      },
    );
}

interface Ignored {
  key: keyof StreamRule['own'];
  why: string;
  /** The key does something after all for this rule. */
  unless?: (rule: StreamRule) => boolean;
}

/** Per mode, the stream keys that mode does nothing with (cdc is change data capture's mode). */
const IGNORED_BY_MODE: Record<string, readonly Ignored[]> = {
  full_refresh: [
    {
      key: 'deletes',
      why: 'each run replaces the whole table, so rows deleted in the source are gone from it (not marked)',
    },
    {
      key: 'lookback',
      why: 'it re-reads late commits behind an incremental cursor; a full refresh reads every row',
    },
    {
      key: 'cursor',
      why: 'a full refresh reads every row; only incremental streams (and dedup: without a cursor of its own) use it',
      unless: (rule) => rule.dedup !== undefined && rule.dedup.cursor === undefined,
    },
    {
      key: 'incremental_fallback',
      why: 'it applies to incremental streams',
    },
  ],
  cdc: [
    { key: 'cursor', why: 'changes come from the binlog, not from a cursor' },
    { key: 'lookback', why: 'changes come from the binlog, each exactly once' },
    { key: 'incremental_fallback', why: 'it applies to incremental streams' },
  ],
};

/** Set checks and dedup run on loaded tables, not on the changes a cdc stream applies. */
const SET_CHECKS = ['unique', 'relationship', 'expression'] as const;

/** Warnings about settings a stream's own entry gives that do nothing in its mode. */
export function settingWarnings(rules: readonly StreamRule[]): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const rule of rules) {
    const where = `streams[${rule.index}] (${rule.table})`;
    for (const ignored of IGNORED_BY_MODE[rule.mode] ?? []) {
      const value = rule.own[ignored.key];
      if (value === undefined || ignored.unless?.(rule)) continue;
      warnings.push({
        message: `${where}: ${ignored.key}: ${typeof value === 'string' ? value : JSON.stringify(value)} does nothing on a ${rule.mode} stream (${ignored.why})`,
        strict: false,
      });
    }
    if ((rule.mode as string) === 'cdc') {
      const set = (rule.checks ?? []).filter((c) => SET_CHECKS.some((k) => c[k] !== undefined));
      if (set.length > 0 || rule.dedup)
        warnings.push({
          message: `${where}: ${[set.length > 0 ? `${set.length} set check(s) (unique, relationship, expression)` : '', rule.dedup ? 'dedup' : ''].filter(Boolean).join(' and ')} run on the stream's snapshot, not on the changes the binlog brings (row checks do)`,
          strict: false,
        });
    }
  }
  return warnings;
}

/** A primary_key the table does not need: it declares its own key, which ferry uses. */
export function keyWarnings(rules: readonly StreamRule[], plans: readonly StreamPlan[]): PlanWarning[] {
  return plans.flatMap((plan) => {
    const key = rules[plan.ruleIndex]?.own.primary_key;
    if (!key || plan.configuredKey || plan.table.primaryKey.length === 0) return [];
    return [
      {
        message: `${plan.name}: primary_key [${key.join(', ')}] is not used: the table has a primary key (${plan.table.primaryKey.join(', ')})`,
        strict: false,
      },
    ];
  });
}
