// `ferry server` keeps the cdc streams followed: it runs `ferry stream`'s work in-process beside the
// scheduler and workers, and starts it again with backoff when it stops on an error (a server gone
// for a while, a stream that needs attention is logged each time with what to do).
import type { Project } from '../config/project.js';
import { BinlogError } from '../connectors/mysql/binlog/errors.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { useStreamHeapSettings } from '../replication/cdc/heap-settings.js';
import { streamChanges } from '../replication/cdc/stream.js';
import type { FerryState } from '../state/ferry-state.js';

const BACKOFF_SECONDS = [2, 5, 10, 30, 60];

/** Follows the binlog until the signal aborts; resolves at once when no stream has mode cdc. */
export async function superviseStreams(
  project: Project,
  state: FerryState,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (!project.streams.some((s) => s.mode === 'cdc')) return;
  useStreamHeapSettings();
  let failures = 0;
  while (!signal.aborted) {
    try {
      const summary = await streamChanges({ project, state, logger, signal });
      if (signal.aborted) return;
      failures = summary.status === 'succeeded' ? 0 : failures + 1;
    } catch (error) {
      failures++;
      logger.error({ err: error }, `change data capture stopped: ${messageOf(error)}`);
      // Two readers taking one server_id from each other: starting again would only flap.
      if (error instanceof BinlogError && error.reason === 'duplicate_server_id') {
        logger.error(
          'change data capture is not started again while another replica uses its server_id: fix cdc.server_id and restart ferry server',
        );
        return;
      }
    }
    const wait = BACKOFF_SECONDS[Math.min(failures, BACKOFF_SECONDS.length) - 1] ?? BACKOFF_SECONDS[0]!;
    logger.info(`change data capture starts again in ${wait} s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait * 1000);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
