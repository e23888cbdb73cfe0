// Progress bars in a terminal, one per item (a stream), from the same updates the log lines read
// (observability/progress.ts): the copy fills 90% of a bar, the steps that put the rows in place
// (checks, key, indexes, swap) the rest, so a bar reaches its end only when the stream is done. Log
// lines are printed above the bars while they show.
import cliProgress from 'cli-progress';
import {
  describeProgress,
  logProgress,
  progressBoard,
  type Progress,
  type ProgressPatch,
} from '../observability/progress.js';
import type { CommandContext } from './context.js';

const SCALE = 1000;
const NAME_WIDTH = 24;

export interface ProgressBars extends Progress {
  /** Prints a line above the bars. */
  log: (text: string) => void;
  stop: () => void;
}

export function progressBars(stream: NodeJS.WriteStream = process.stderr): ProgressBars {
  const board = progressBoard();
  const multibar = new cliProgress.MultiBar(
    {
      format: ' {name} [{bar}] {percentage}% | {status}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      stream,
      // the status has its own ETA; the bar's would count the put-in-place steps as rows
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const draw = (name: string) => {
    const report = board.report(name);
    if (!report) return;
    const payload = { name: name.padEnd(NAME_WIDTH).slice(0, NAME_WIDTH), status: describeProgress(report) };
    let bar = bars.get(name);
    if (!bar) {
      bar = multibar.create(SCALE, 0, payload);
      bars.set(name, bar);
    }
    bar.update(Math.round(report.fraction * SCALE), payload);
  };
  // The phase text counts seconds while a step (an index build) gives no updates of its own.
  const ticker = setInterval(() => {
    for (const name of bars.keys()) draw(name);
  }, 1000);
  ticker.unref();
  return {
    update: (name: string, patch: ProgressPatch) => {
      board.update(name, patch);
      draw(name);
    },
    end: (name: string, failed = false) => {
      const report = board.report(name);
      const bar = bars.get(name);
      if (bar && report)
        bar.update(failed ? Math.round(report.fraction * SCALE) : SCALE, {
          name: name.padEnd(NAME_WIDTH).slice(0, NAME_WIDTH),
          status: `${failed ? `FAILED while ${report.phase}` : 'done'}: ${report.rows.toLocaleString('en-US')} rows in ${report.seconds.toFixed(1)} s`,
        });
      board.end(name);
    },
    log: (text: string) => {
      multibar.log(text.endsWith('\n') ? text : text + '\n');
    },
    stop: () => {
      clearInterval(ticker);
      multibar.stop();
      // cli-progress prints logged lines at its next redraw; those logged since the last one (and
      // all of them when no bar ever showed) would be lost
      const unprinted = (multibar as unknown as { loggingBuffer?: string[] }).loggingBuffer ?? [];
      for (const line of unprinted.splice(0)) stream.write(line);
    },
  };
}

/**
 * The progress of a command: bars when stderr is a terminal and `bars` is asked for (log lines go
 * above them), otherwise a log line per item every few seconds. stop() when the work is over.
 */
export function commandProgress(
  ctx: Pick<CommandContext, 'logger' | 'terminal' | 'routeLogs'>,
  options: { bars: boolean; key: string },
): { progress: Progress; stop: () => void } {
  if (options.bars && ctx.terminal) {
    const bars = progressBars();
    ctx.routeLogs((text) => bars.log(text));
    return {
      progress: bars,
      stop: () => {
        bars.stop();
        ctx.routeLogs(undefined);
      },
    };
  }
  const lines = logProgress(ctx.logger, { key: options.key });
  return { progress: lines, stop: lines.stop };
}
