// `ferry stream`: follow the binlog and apply every change of the cdc streams until stopped
// (SIGTERM or Ctrl-C finish the batch in hand and exit 0: it is a service).
import type { Command } from 'commander';
import type { FollowSummary } from '../replication/cdc/session.js';
import { streamNames, type Register } from './context.js';

/** "12.3 s: reading 4.1 s, staging 5.0 s, applying 2.2 s, committing 0.4 s" */
function profileText(summary: FollowSummary): string {
  const p = summary.profile;
  const s = (x: number) => `${x.toFixed(1)} s`;
  return `${s(summary.seconds)}: reading ${s(p.read)}, staging ${s(p.stage)}, applying ${s(p.apply)}, committing ${s(p.commit)}`;
}

export const registerStream: Register = (program: Command, context) => {
  program
    .command('stream')
    .description('follow the binlog for the cdc streams and apply every change until stopped')
    .option('--streams <names>', 'only these cdc streams, comma-separated')
    .action(async (flags: { streams?: string }) => {
      const ctx = context();
      const { streamChanges } = await import('../replication/cdc/stream.js');
      const { useStreamHeapSettings } = await import('../replication/cdc/heap-settings.js');
      useStreamHeapSettings();
      const { catchUpProgress } = await import('../replication/cdc/catch-up-progress.js');
      const { logProgress } = await import('../observability/progress.js');
      // A progress line every few seconds for each snapshot taken first, and while behind the source.
      const snapshots = logProgress(ctx.logger, { key: 'stream' });
      const behind = logProgress(ctx.logger, { key: 'cdc' });
      const catchUp = catchUpProgress(behind);
      const streams = streamNames(flags.streams);
      const summary = await streamChanges({
        project: ctx.project(),
        state: ctx.state,
        streams,
        logger: ctx.logger,
        signal: ctx.signal,
        progress: snapshots,
        onCaughtUp: catchUp.onCaughtUp,
        onBatch: (b) => {
          catchUp.onBatch(b);
          ctx.logger.debug(
            { batch: b.batchId, transactions: b.transactions, changes: b.changes, seconds: b.seconds },
            `batch ${b.batchId}: ${b.changes} changes`,
          );
        },
      }).finally(() => {
        snapshots.stop();
        behind.stop();
      });
      ctx.logger.info(
        {
          run: summary.runId,
          batches: summary.batches,
          changes: summary.changes,
          position: summary.position,
          seconds: summary.seconds,
          profile: summary.profile,
        },
        `stopped after ${summary.changes} changes in ${summary.batches} batches (${profileText(summary)})`,
      );
      process.exitCode = summary.status === 'succeeded' ? 0 : 1;
    });
};
