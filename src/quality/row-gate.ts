// The per-row decision between extraction and load: run the row checks, count warnings, stop the
// stream on a `fail` check, and say which rows go to quarantine. The row encoder calls it per row.
import type { RowGate, SourceRow } from '../schema/row-outcome.js';
import { CheckFailedError, type CheckTally } from './failure.js';
import type { RowChecker } from './row-checks.js';

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
    screen: checker?.screen,
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
