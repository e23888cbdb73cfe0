// What encoding one source row can end in, shared by the encoders (below) and the quality checks
// (above): the row's values as read, the failures that set it aside, the values a policy set to
// NULL, and the hook through which the row checks decide. Plain types, no behaviour but describe.

/** One row as read from MySQL: binary columns as bytes, every other value as the text the server printed. */
export type SourceRow = (string | Buffer | null)[];

export type Severity = 'quarantine' | 'warn' | 'fail';

/**
 * Reason codes. Checks: not_null, unique, accepted_values, min, max, regex, max_length, relationship,
 * expression. Values the type mapping cannot load: zero_date, impossible_date, nul_byte, not_boolean,
 * json_nul, out_of_range, invalid_utf8. Deduplication: duplicate.
 */
export type ReasonCode = string;

export interface Failure {
  /** The check's name: <column>.<kind> unless the config names it; <column>.<code> for type-mapping problems. */
  check: string;
  code: ReasonCode;
  column: string | null;
  /** dedup: a superseded duplicate; set_null: the value policy stored NULL and the row loaded. */
  severity: Severity | 'dedup' | 'set_null';
  message: string;
}

/** The text of the `reason` column: every failure, readable. */
export function describeFailures(failures: readonly Failure[]): string {
  return failures.map((f) => `${f.column ?? f.check}: ${f.message}`).join('; ');
}

/** A row set aside (quarantined) with its failures. */
export interface SetAsideRow {
  primaryKey: Record<string, unknown> | null;
  row: Record<string, unknown>;
  reason: string;
  failures: readonly object[];
}

/** A value the zero_dates / invalid_values policy stored as NULL, with its original text. */
export interface ValueChange {
  primaryKey: Record<string, unknown> | null;
  column: string;
  original: string;
  reason: string;
}

/** What to do with a value PostgreSQL cannot hold (sync.zero_dates, sync.invalid_values). */
export type PolicyChoice = 'null' | 'quarantine' | 'fail';
export interface ValuePolicies {
  zero_dates: PolicyChoice;
  invalid_values: PolicyChoice;
}

/** See RowGate.screen. */
export type ByteScreen = (buffer: Buffer, at: Int32Array, length: Int32Array) => boolean;

/** The per-row decision of the row checks (implemented in src/quality/row-gate.ts). */
export interface RowGate {
  /**
   * The columns (by index) to decode for check(): those whose values the row checks read, and the key
   * when a check can fail the stream (its message names the row); [] when the stream has no row checks.
   */
  readonly columns: readonly number[];
  /** Columns of which check() reads only whether they are NULL (any non-NULL value will do). */
  readonly presence: readonly number[];
  /**
   * The row checks read on the packet's bytes (value i at buffer[at[i]], length[i] bytes, -1 for NULL):
   * true only when the row surely passes every check; false sends it through check() on decoded values.
   */
  readonly screen?: ByteScreen | undefined;
  /** undefined: the row loads (its warnings are counted); otherwise the failures that set it aside. Throws on a `fail` check. */
  check(row: SourceRow): Failure[] | undefined;
  /** Counts a value the type mapping could not load (its row is set aside by the value policy). */
  noteValueFailure(failure: Failure): void;
}
