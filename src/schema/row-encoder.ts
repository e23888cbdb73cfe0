// Encodes source rows into COPY lines and applies the value policies: a value PostgreSQL cannot hold
// becomes NULL (and is recorded), sends its row to quarantine, or fails the stream. A key column is
// never set to NULL: where the policy says null, its row is quarantined instead.
import { DataError } from '../errors.js';
import { COPY_NULL, ENCODERS, type Encoder, type ValueIssue } from './encode-copy.js';
import type { ColumnMapping } from './type-mapping.js';
import {
  type Failure,
  type RowGate,
  type SetAsideRow,
  type SourceRow,
  type ValueChange,
  type ValuePolicies,
  describeFailures as describe,
} from './row-outcome.js';

export interface EncodedBatch {
  /** COPY text: complete lines. */
  text: string;
  rows: number;
  quarantined: SetAsideRow[];
  nulled: ValueChange[];
}

export interface RowEncoderOptions {
  /** The stream's data-quality checks (src/quality): rows that fail are quarantined with their failures. */
  gate?: RowGate;
}

export interface RowEncoder {
  /** Adds a row to the current batch. */
  add(row: SourceRow): void;
  /**
   * Encodes one row into a COPY line (no newline) and counts it in the current batch; returns
   * undefined when a policy or the check quarantined it. Values set to NULL are recorded.
   */
  line(row: SourceRow, checked?: boolean): string | undefined;
  /** Counts a row the quality checks set aside, with its failures, in the current batch. */
  setAside(row: SourceRow, failures: Failure[]): void;
  /** Rows in the current batch (loaded, quarantined or not). */
  readonly pending: number;
  /** Returns the current batch and starts a new one. */
  take(): EncodedBatch;
}

/** A source value as JSON for quarantine records: text as is; bytes, and text that jsonb cannot hold (NUL), as base64. */
function displayValue(value: string | Buffer | null): unknown {
  if (value === null) return null;
  if (typeof value === 'string')
    return value.includes('\u0000') ? { base64: Buffer.from(value, 'utf8').toString('base64') } : value;
  return { base64: value.toString('base64') };
}

/** The original of a value set to NULL, for the text column of the value-change records (state/quarantine.ts). */
function originalText(value: string | Buffer): string {
  if (typeof value === 'string' && !value.includes('\u0000')) return value;
  return 'base64:' + (typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('base64');
}

export function createRowEncoder(
  stream: string,
  mappings: readonly ColumnMapping[],
  primaryKey: readonly string[],
  policies: ValuePolicies,
  options: RowEncoderOptions = {},
): RowEncoder {
  const encoders: Encoder[] = mappings.map((m) => ENCODERS[m.rule.encoder]);
  const names = mappings.map((m) => m.column.name);
  const keyIndexes = primaryKey.map((k) => names.indexOf(k));
  const inKey = names.map((_, i) => keyIndexes.includes(i));
  const width = encoders.length;
  const issue: { current?: ValueIssue } = {};
  const gate = options.gate;

  let lines: string[] = [];
  let rows = 0;
  let quarantined: SetAsideRow[] = [];
  let nulled: ValueChange[] = [];

  const keyOf = (row: SourceRow) =>
    keyIndexes.length === 0
      ? null
      : Object.fromEntries(keyIndexes.map((i) => [names[i]!, displayValue(row[i] ?? null)]));
  const rowObject = (row: SourceRow) =>
    Object.fromEntries(names.map((n, i) => [n, displayValue(row[i] ?? null)]));

  function setAside(row: SourceRow, failures: Failure[]): void {
    quarantined.push({ primaryKey: keyOf(row), row: rowObject(row), reason: describe(failures), failures });
  }

  function encodeLine(row: SourceRow, checked = false): string | undefined {
    rows++;
    const failures = checked ? undefined : gate?.check(row);
    if (failures) {
      setAside(row, failures);
      return undefined;
    }
    let line = '';
    let rowNulled: ValueChange[] | undefined;
    let rowNulledFailures: Failure[] | undefined;
    for (let i = 0; i < width; i++) {
      const value = row[i];
      let field: string | undefined;
      if (value === null || value === undefined) field = COPY_NULL;
      else {
        field = encoders[i]!(value, issue);
        if (field === undefined) {
          const problem = issue.current!;
          issue.current = undefined;
          // NULL in a key column would leave the row without its key (and fail the key's build).
          const action =
            policies[problem.policy] === 'null' && inKey[i] ? 'quarantine' : policies[problem.policy];
          const where = `${stream}.${names[i]}`;
          if (action === 'fail') {
            throw new DataError(`${where}: ${problem.reason} (row ${JSON.stringify(keyOf(row))})`, {
              hint: `set sync.${problem.policy} to null or quarantine to load the other rows`,
            });
          }
          const failure: Failure = {
            check: `${names[i]}.${problem.code}`,
            code: problem.code,
            column: names[i]!,
            severity: action === 'null' ? 'set_null' : 'quarantine',
            message:
              action === policies[problem.policy]
                ? problem.reason
                : `${problem.reason} in a key column, which cannot be NULL`,
          };
          if (action === 'quarantine') {
            gate?.noteValueFailure(failure);
            quarantined.push({
              failures: [failure],
              primaryKey: keyOf(row),
              row: rowObject(row),
              reason: `${names[i]}: ${failure.message}`,
            });
            return undefined;
          }
          (rowNulledFailures ??= []).push(failure);
          (rowNulled ??= []).push({
            primaryKey: keyOf(row),
            column: names[i]!,
            original: originalText(value),
            reason: problem.reason,
          });
          field = COPY_NULL;
        }
      }
      line += i === 0 ? field : '\t' + field;
    }
    if (rowNulled) nulled.push(...rowNulled);
    if (rowNulledFailures) for (const f of rowNulledFailures) gate?.noteValueFailure(f);
    return line;
  }

  return {
    get pending() {
      return rows;
    },
    add(row) {
      const line = encodeLine(row);
      if (line !== undefined) lines.push(line);
    },
    line: encodeLine,
    setAside(row, failures) {
      rows++;
      setAside(row, failures);
    },
    take() {
      const batch: EncodedBatch = {
        text: lines.length > 0 ? lines.join('\n') + '\n' : '',
        rows,
        quarantined,
        nulled,
      };
      lines = [];
      rows = 0;
      quarantined = [];
      nulled = [];
      return batch;
    },
  };
}
