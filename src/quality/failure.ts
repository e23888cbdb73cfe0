// Why a row did not load as it is: one record per failed check or unloadable value, the same shape
// for both, stored with the quarantined row (its failures, state/quarantine.ts) and counted in the
// run summary.
import { DataError } from '../errors.js';
import type { Failure, ReasonCode } from '../schema/row-outcome.js';

/** A `fail` check stopped the stream: nothing of the stream is committed. */
export class CheckFailedError extends DataError {
  constructor(stream: string, failure: Failure, key: unknown) {
    super(`${stream}: check ${failure.check} failed (${failure.message}) for row ${JSON.stringify(key)}`, {
      hint: `fix the row in the source, or change the check's severity to quarantine or warn in ferry.yaml (streams: table ${stream}); nothing of ${stream} was committed`,
    });
    this.name = 'CheckFailedError';
  }
}

export interface CheckCount {
  check: string;
  code: ReasonCode;
  column: string | null;
  severity: Failure['severity'];
  rows: number;
}

/** Rows per check of one stream; one per stream run, passed down explicitly. */
export class CheckTally {
  private readonly counts = new Map<string, CheckCount>();
  warnedRows = 0;

  add(failure: Failure, rows = 1): void {
    const key = `${failure.check}\u0000${failure.severity}`;
    const entry = this.counts.get(key);
    if (entry) entry.rows += rows;
    else
      this.counts.set(key, {
        check: failure.check,
        code: failure.code,
        column: failure.column,
        severity: failure.severity,
        rows,
      });
  }

  list(): CheckCount[] {
    return [...this.counts.values()].sort((a, b) => a.check.localeCompare(b.check));
  }
}
