// A stream's `overrides:` checked against the table the source has, at plan time: the PostgreSQL
// type an override names is matched with the types the mapping's rules give the column (the rule
// then reads and encodes it, nothing is cast afterwards), renames must fit PostgreSQL and stay off
// ferry's own names, excluded columns may not be ones ferry needs (the key, the cursor). Every
// problem is a configuration error naming streams[i], the column and what would be valid.
import type { StreamRule } from '../config/project.js';
import { ConfigError } from '../errors.js';
import { FERRY_PREFIX, PG_NAME_BYTES } from '../schema/identifiers.js';
import { pgTypeName } from '../schema/pg-type-names.js';
import type { SourceTable } from '../schema/source-table.js';
import { typeChoices, type ColumnOverride } from '../schema/type-mapping.js';

export interface ResolvedOverrides {
  /** By source column name: the chosen rule and the target name. */
  columns: Record<string, ColumnOverride>;
  /** Source columns left out. */
  excluded: string[];
}

/**
 * The overrides of `rule` for `table`. A stream over one named table must find every column it
 * overrides; a glob's overrides apply to the tables that have the column (usedColumns says which
 * were found, so that one matching no table at all is reported once every table is planned).
 */
export function resolveOverrides(
  rule: StreamRule,
  table: SourceTable,
  primaryKey: readonly string[],
  usedColumns: Set<string>,
): ResolvedOverrides {
  const resolved: ResolvedOverrides = { columns: {}, excluded: [] };
  const problems: string[] = [];
  const at = (column: string, field?: string) =>
    `streams[${rule.index}].overrides.${column}${field ? `.${field}` : ''}`;
  const literal = !/[*?]/.test(rule.table);
  for (const [name, o] of Object.entries(rule.overrides ?? {})) {
    const column = table.columns.find((c) => c.name === name);
    if (!column) {
      if (literal) problems.push(`${at(name)}: ${table.name} has no column ${name}`);
      continue;
    }
    usedColumns.add(name);
    if (rule.columns && !rule.columns.includes(name) && !primaryKey.includes(name)) {
      problems.push(`${at(name)}: ${name} is not among the stream's columns:, so it is not copied`);
      continue;
    }
    if (o.exclude) {
      if (primaryKey.includes(name))
        problems.push(`${at(name)}.exclude: ${name} is part of the key of ${table.name}, which ferry needs`);
      else if (rule.cursor === name && rule.mode === 'incremental')
        problems.push(`${at(name)}.exclude: ${name} is the stream's cursor`);
      else resolved.excluded.push(name);
      continue;
    }
    const override: ColumnOverride = {};
    if (o.type !== undefined) {
      const choices = typeChoices(column);
      const wanted = pgTypeName(o.type);
      const chosen = choices.find((r) => pgTypeName(r.pgType(column)) === wanted);
      if (chosen) override.rule = chosen;
      else
        problems.push(
          `${at(name, 'type')}: ferry cannot load ${table.name}.${name} (${column.columnType}) as ${o.type}; it can as ${choices.map((r) => r.pgType(column)).join(', ') || 'nothing (the type is not mapped)'}`,
        );
    }
    if (o.rename !== undefined) {
      if (Buffer.byteLength(o.rename) > PG_NAME_BYTES)
        problems.push(
          `${at(name, 'rename')}: ${o.rename} is longer than PostgreSQL's ${PG_NAME_BYTES} bytes`,
        );
      else if (o.rename.startsWith(FERRY_PREFIX))
        problems.push(`${at(name, 'rename')}: names starting with ${FERRY_PREFIX} are ferry's own`);
      else override.targetName = o.rename;
    }
    resolved.columns[name] = override;
  }
  if (problems.length > 0)
    throw new ConfigError(`the overrides of streams[${rule.index}] do not fit ${table.name}`, problems, {
      hint: `columns of ${table.name}: ${table.columns.map((c) => `${c.name} ${c.columnType}`).join(', ')}`,
    });
  return resolved;
}

/** The overrides of a glob stream that matched no column of any table it covers. */
export function unusedOverrides(rule: StreamRule, usedColumns: ReadonlySet<string>): string[] {
  return Object.keys(rule.overrides ?? {})
    .filter((name) => !usedColumns.has(name))
    .map((name) => `streams[${rule.index}].overrides.${name}: no table of "${rule.table}" has this column`);
}
