// Progress of a `ferry stream` that is behind the source (a backlog after a stop, a burst of writes):
// while the last transaction applied is older than a few seconds by the source's clock, the progress
// sink gets an item "catch-up" with the row changes applied since it fell behind and how far behind
// it is; once it is within those seconds, or the session read the binlog to its end with nothing
// pending, the item ends (a stream that keeps up logs no progress).
import type { Progress } from '../../observability/progress.js';
import { formatSeconds } from '../../observability/progress.js';
import type { BatchReport } from './batch.js';

/** Behind by at most this many seconds counts as caught up (binlog times are whole seconds). */
export const CAUGHT_UP_SECONDS = 5;

export const CATCH_UP_ITEM = 'catch-up';

/** followBinlog's onBatch and onCaughtUp, reporting the catch-up to `progress`. */
export function catchUpProgress(
  progress: Progress,
  now: () => number = Date.now,
): { onBatch: (report: BatchReport) => void; onCaughtUp: () => void } {
  let changes: number | undefined;
  const caughtUp = () => {
    if (changes !== undefined) progress.end(CATCH_UP_ITEM);
    changes = undefined;
  };
  const onBatch = (report: BatchReport) => {
    // a batch without a source transaction (one that only moves the checkpoints, as before a DDL
    // statement of another schema) says nothing about how far behind the stream is
    if (!report.lastEventAt) return;
    const behind = (now() - report.lastEventAt.getTime()) / 1000;
    if (behind <= CAUGHT_UP_SECONDS) return caughtUp();
    changes = (changes ?? 0) + report.changes;
    const { file, position, gtid } = report.position;
    const at = file !== null ? `${file}:${position ?? 0}` : (gtid ?? 'an unknown position');
    progress.update(CATCH_UP_ITEM, {
      phase: `catching up the binlog, ${formatSeconds(behind)} behind the source (applied up to ${at})`,
      rows: changes,
    });
  };
  return { onBatch, onCaughtUp: caughtUp };
}
