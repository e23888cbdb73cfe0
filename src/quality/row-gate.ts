// The per-row decision between extraction and load: run the row checks, count warnings, stop the
// stream on a `fail` check, and say which rows go to quarantine. The row encoder calls it per row.
import type { SourceRow } from '../connectors/mysql/read-rows.js';
import { CheckFailedError, type CheckTally, type Failure } from './failure.js';
import type { RowChecker } from './row-checks.js';

export interface RowGate {
  /**
   * The columns (by index) to decode for check(): those whose values the row checks read, and the key
   * when a check can fail the stream (its message names the row); [] when the stream has no row checks.
   */
  readonly columns: readonly number[];
  /** Columns of which check() reads only whether they are NULL (any non-NULL value will do). */
  readonly presence: readonly number[];
  /** undefined: the row loads (its warnings are counted); otherwise the failures that set it aside. Throws on a `fail` check. */
  check(row: SourceRow): Failure[] | undefined;
  /** Counts a value the type mapping could not load (its row is set aside by the value policy). */
  noteValueFailure(failure: Failure): void;
}

export function createRowGate(
  stream: string,
  checker: RowChecker | undefined,
  tally: CheckTally,
  keyOf: (row: SourceRow) => unknown,
  keyColumns: readonly number[] = [],
): RowGate {
  return {
    columns: checker ? [...new Set([...checker.columns, ...(checker.canFail ? keyColumns : [])])] : [],
    presence: checker?.presence.filter((i) => !(checker.canFail && keyColumns.includes(i))) ?? [],
    check(row) {
      if (!checker) return undefined;
      const failures = checker(row);
      if (!failures) return undefined;
      let aside = false;
      for (const failure of failures) {
        if (failure.severity === 'fail') throw new CheckFailedError(stream, failure, keyOf(row));
        if (failure.severity === 'quarantine') aside = true;
      }
      for (const failure of failures) tally.add(failure);
      if (aside) return failures;
      tally.warnedRows++;
      return undefined;
    },
    noteValueFailure(failure) {
      tally.add(failure);
    },
  };
}
