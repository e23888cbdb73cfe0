// Turns a stream's `checks:` entries into a flat list of named checks, each of one kind, and checks
// that their columns exist. Row checks run in the stream; set checks run as SQL on the loaded rows.
import { ConfigError } from '../errors.js';
import type { Severity } from '../schema/row-outcome.js';
import type { CheckRule } from './check-rules.js';

export type RowCheckKind = 'not_null' | 'accepted_values' | 'min' | 'max' | 'regex' | 'max_length';
export type SetCheckKind = 'unique' | 'relationship' | 'expression';

interface Common {
  name: string;
  column: string | null;
  severity: Severity;
}

export type RowCheckSpec = Common &
  (
    | { kind: 'not_null' }
    | { kind: 'accepted_values'; values: string[] }
    | { kind: 'min' | 'max'; bound: number | string }
    | { kind: 'regex'; pattern: string }
    | { kind: 'max_length'; length: number }
  );

export type SetCheckSpec = Common &
  (
    | { kind: 'unique'; column: string }
    | { kind: 'relationship'; column: string; parentStream: string; parentColumn: string }
    | { kind: 'expression'; sql: string }
  );

export interface CheckPlan {
  row: RowCheckSpec[];
  set: SetCheckSpec[];
}

/** Splits the config entries into one check per kind; throws a ConfigError naming unknown columns. */
export function planChecks(
  stream: string,
  entries: readonly CheckRule[],
  columns: readonly string[],
): CheckPlan {
  const row: RowCheckSpec[] = [];
  const set: SetCheckSpec[] = [];
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const column = entry.column ?? null;
    if (column !== null && !columns.includes(column)) {
      problems.push(`streams (${stream}): checks[${i}].column: ${column} is not a column of ${stream}`);
      return;
    }
    const kinds = [
      entry.not_null && 'not_null',
      entry.unique && 'unique',
      entry.accepted_values && 'accepted_values',
      entry.min !== undefined && 'min',
      entry.max !== undefined && 'max',
      entry.regex !== undefined && 'regex',
      entry.max_length !== undefined && 'max_length',
      entry.relationship && 'relationship',
      entry.expression !== undefined && 'expression',
    ].filter((k): k is RowCheckKind | SetCheckKind => typeof k === 'string');
    const nameOf = (kind: string) =>
      entry.name !== undefined
        ? kinds.length === 1
          ? entry.name
          : `${entry.name}.${kind}`
        : column !== null
          ? `${column}.${kind}`
          : `expression_${i + 1}`;
    const common = (kind: string): Common => ({ name: nameOf(kind), column, severity: entry.severity });
    for (const kind of kinds) {
      switch (kind) {
        case 'not_null':
          row.push({ ...common(kind), kind });
          break;
        case 'accepted_values':
          row.push({ ...common(kind), kind, values: entry.accepted_values!.map(String) });
          break;
        case 'min':
          row.push({ ...common(kind), kind, bound: entry.min! });
          break;
        case 'max':
          row.push({ ...common(kind), kind, bound: entry.max! });
          break;
        case 'regex':
          row.push({ ...common(kind), kind, pattern: entry.regex! });
          break;
        case 'max_length':
          row.push({ ...common(kind), kind, length: entry.max_length! });
          break;
        case 'unique':
          set.push({ ...common(kind), kind, column: column! });
          break;
        case 'relationship':
          set.push({
            ...common(kind),
            kind,
            column: column!,
            parentStream: entry.relationship!.stream,
            parentColumn: entry.relationship!.column,
          });
          break;
        case 'expression':
          set.push({ ...common(kind), kind, sql: entry.expression! });
          break;
      }
    }
  });
  if (problems.length > 0)
    throw new ConfigError(`checks of stream ${stream} name columns it does not have`, problems, {
      hint: `columns of ${stream}: ${columns.join(', ')}`,
    });
  return { row, set };
}
