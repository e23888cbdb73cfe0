// Progress of long work (a stream's copy and put-in-place, a verify, a model build): the workers say
// what moved (`update`) and when it ended (`end`); a board keeps each item's state with its rate and
// ETA, and a sink shows it: progress bars in a terminal (cli/progress-bars.ts), or a log line per item
// every few seconds elsewhere (cron, Airflow, CI), so a silent log never hides a long index build.
import type { Logger } from './logger.js';

/** What an update may change; what it leaves out stays as it was. */
export interface ProgressPatch {
  /** What the item is doing now: "copying", "building index idx_orders_customer". */
  phase?: string;
  /** Rows done so far (of the whole item, with what a resumed load kept). */
  rows?: number;
  /** Rows expected (an estimate); null when not known (an incremental read). */
  rowsTotal?: number | null;
  chunks?: number;
  chunksTotal?: number;
  /** A phase of several steps: step `step` of `steps` (1-based). */
  step?: number;
  steps?: number;
}

export interface Progress {
  update: (name: string, patch: ProgressPatch) => void;
  /** The item ended, done or failed: nothing more is shown for it. */
  end: (name: string, failed?: boolean) => void;
}

/** One item as the sinks show it. */
export interface ProgressReport {
  name: string;
  phase: string;
  rows: number;
  rowsTotal: number | null;
  chunks: number | null;
  chunksTotal: number | null;
  step: number | null;
  steps: number | null;
  /** Since the item's first update. */
  seconds: number;
  /** Rows this process moved per second since its first rows (rows a resumed load kept are not counted). */
  rowsPerSecond: number | null;
  /** Seconds left at that rate, while rows are being copied and their total is known. */
  etaSeconds: number | null;
  /** 0..1 of the whole item: copying is the first 90%, the steps after it the rest. */
  fraction: number;
}

interface Item {
  state: Omit<ProgressReport, 'seconds' | 'rowsPerSecond' | 'etaSeconds' | 'fraction'>;
  started: number;
  /** When the first rows arrived, and how many rows were done then. */
  rowsFrom?: { at: number; rows: number };
}

/** Share of the bar the row copy fills; the steps that put the rows in place fill the rest. */
const COPY_SHARE = 0.9;

export interface ProgressBoard extends Progress {
  reports: () => ProgressReport[];
  report: (name: string) => ProgressReport | undefined;
}

export function progressBoard(now: () => number = Date.now): ProgressBoard {
  const items = new Map<string, Item>();
  const report = (item: Item): ProgressReport => {
    const t = now();
    const { state } = item;
    const moved = item.rowsFrom ? state.rows - item.rowsFrom.rows : 0;
    const movingFor = item.rowsFrom ? (t - item.rowsFrom.at) / 1000 : 0;
    const rowsPerSecond = movingFor >= 0.5 && moved > 0 ? moved / movingFor : null;
    const copying = state.step === null;
    const left = state.rowsTotal !== null ? Math.max(0, state.rowsTotal - state.rows) : null;
    const copied = state.rowsTotal ? Math.min(1, state.rows / state.rowsTotal) : 0;
    return {
      ...state,
      seconds: (t - item.started) / 1000,
      rowsPerSecond,
      etaSeconds: copying && left !== null && rowsPerSecond ? left / rowsPerSecond : null,
      fraction: copying
        ? COPY_SHARE * copied
        : COPY_SHARE + (1 - COPY_SHARE) * (((state.step ?? 1) - 1) / Math.max(1, state.steps ?? 1)),
    };
  };
  return {
    update: (name, patch) => {
      let item = items.get(name);
      if (!item) {
        item = {
          started: now(),
          state: {
            name,
            phase: 'starting',
            rows: 0,
            rowsTotal: null,
            chunks: null,
            chunksTotal: null,
            step: null,
            steps: null,
          },
        };
        items.set(name, item);
      }
      const { state } = item;
      if (patch.phase !== undefined && patch.phase !== state.phase) {
        state.phase = patch.phase;
        // a phase without steps (copying) clears the steps of the one before
        if (patch.step === undefined) [state.step, state.steps] = [null, null];
      }
      if (patch.rows !== undefined) {
        item.rowsFrom ??= { at: now(), rows: patch.rows };
        state.rows = patch.rows;
      }
      if (patch.rowsTotal !== undefined) state.rowsTotal = patch.rowsTotal;
      if (patch.chunks !== undefined) state.chunks = patch.chunks;
      if (patch.chunksTotal !== undefined) state.chunksTotal = patch.chunksTotal;
      if (patch.step !== undefined) state.step = patch.step;
      if (patch.steps !== undefined) state.steps = patch.steps;
    },
    end: (name) => {
      items.delete(name);
    },
    reports: () => [...items.values()].map(report),
    report: (name) => {
      const item = items.get(name);
      return item ? report(item) : undefined;
    },
  };
}

/** Progress that goes nowhere, for callers that show none. */
export const noProgress: Progress = { update: () => undefined, end: () => undefined };

/** Passes every update to each of the sinks. */
export function progressTo(...sinks: (Progress | undefined)[]): Progress {
  const all = sinks.filter((s): s is Progress => s !== undefined);
  return {
    update: (name, patch) => all.forEach((s) => s.update(name, patch)),
    end: (name, failed) => all.forEach((s) => s.end(name, failed)),
  };
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One line for a report: "copying 120,000/500,000 rows (24%), 40,000 rows/s, chunk 1/4, ETA 10 s". */
export function describeProgress(r: ProgressReport): string {
  const parts = [r.phase + (r.step !== null && r.steps !== null ? ` (step ${r.step}/${r.steps})` : '')];
  // after the copy: the step, the rows it works on, and how long the item has taken
  if (r.step !== null)
    return [...parts, `${count(r.rows)} rows`, `${formatSeconds(r.seconds)} so far`].join(', ');
  if (r.rows > 0 || r.rowsTotal) {
    parts.push(
      r.rowsTotal
        ? `${count(r.rows)}/${count(r.rowsTotal)} rows (${Math.floor((100 * Math.min(r.rows, r.rowsTotal)) / r.rowsTotal)}%)`
        : `${count(r.rows)} rows`,
    );
  }
  if (r.rowsPerSecond !== null) parts.push(`${count(r.rowsPerSecond)} rows/s`);
  if (r.chunksTotal !== null) parts.push(`${r.chunks ?? 0}/${r.chunksTotal} chunks`);
  parts.push(
    r.etaSeconds !== null ? `ETA ${formatSeconds(r.etaSeconds)}` : `${formatSeconds(r.seconds)} so far`,
  );
  return parts.join(', ');
}

export interface LogProgressOptions {
  /** The log field that names the item: stream, model. */
  key: string;
  /** Seconds between two lines of one item; FERRY_PROGRESS_INTERVAL, or 5. */
  intervalSeconds?: number;
}

export function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.FERRY_PROGRESS_INTERVAL);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 5;
}

/**
 * A progress line in the log for every item still running, every `intervalSeconds`: work that ends
 * sooner logs none. The timer does not keep the process alive; stop() ends it.
 */
export function logProgress(logger: Logger, options: LogProgressOptions): Progress & { stop: () => void } {
  const board = progressBoard();
  const every = (options.intervalSeconds ?? progressInterval()) * 1000;
  const timer = setInterval(() => {
    for (const r of board.reports()) {
      if (r.seconds * 1000 < every * 0.9) continue;
      logger.info(
        {
          [options.key]: r.name,
          progress: {
            phase: r.phase,
            rows: r.rows,
            rowsTotal: r.rowsTotal,
            rowsPerSecond: r.rowsPerSecond === null ? null : Math.round(r.rowsPerSecond),
            chunks: r.chunks,
            chunksTotal: r.chunksTotal,
            step: r.step,
            steps: r.steps,
            seconds: Math.round(r.seconds * 10) / 10,
            etaSeconds: r.etaSeconds === null ? null : Math.round(r.etaSeconds),
          },
        },
        `${r.name}: ${describeProgress(r)}`,
      );
    }
  }, every);
  timer.unref();
  return { update: board.update, end: board.end, stop: () => clearInterval(timer) };
}
