// One attempt of one task instance: claim it in the run history, run it with the task's timeout,
// keep its log in the history (flushed every few seconds, so a killed worker leaves its log), and
// record how it ended. Shared by `ferry worker` and `ferry task run` (Airflow). Whether a failure
// is retried is the error's to say (FerryError.transient): a lost connection or a deadlock may pass,
// a configuration error fails the task at once however many retries it has left.
import { Writable } from 'node:stream';
import type { Project } from '../config/project.js';
import type { PgPool } from '../connectors/postgres/connect.js';
import { FerryError, isTransient, messageOf } from '../errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { runTask, type TaskOutcome } from './execute.js';
import type { Pipeline, PipelineTask } from './pipeline.js';
import type { FerryState } from '../state/ferry-state.js';
import type { RunRow } from '../state/pipeline-runs.js';

export interface AttemptOptions {
  pool: PgPool;
  project: Project;
  state: FerryState;
  pipeline: Pipeline;
  task: PipelineTask;
  run: RunRow;
  jobId: string | null;
  /** Whether a failure now is final (no retry left); a failure that is not transient always is. */
  finalAttempt: boolean;
  logger: Logger;
  signal: AbortSignal;
  /** Copy the task's log lines to this stream too (stderr of the worker). */
  echo?: NodeJS.WritableStream;
}

export type AttemptResult =
  | { state: 'succeeded'; outcome: TaskOutcome; attempt: number }
  | { state: 'failed' | 'up_for_retry'; error: unknown; attempt: number }
  | { state: 'skipped' };

const FLUSH_MS = 2000;

export async function runAttempt(options: AttemptOptions): Promise<AttemptResult> {
  const { pool, run, task } = options;
  const history = options.state.pipelines;
  const attempt = await history.startAttempt(pool, run.run_id, task.name, options.jobId);
  if (attempt === undefined) return { state: 'skipped' };

  let buffered = '';
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const text = buffered;
    buffered = '';
    flushing = flushing
      .then(() => history.appendLog(pool, run.run_id, task.name, text))
      .catch(() => undefined);
    return flushing;
  };
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = chunk.toString();
      buffered += text;
      options.echo?.write(text);
      done();
    },
  });
  const logger = createLogger({ format: 'pretty', destination: sink, level: options.logger.level });
  const timer = setInterval(() => void flush(), FLUSH_MS);

  const timeout = new AbortController();
  const timeoutTimer = setTimeout(
    () => timeout.abort(new Error(`timed out after ${task.timeoutSeconds} s (the task's timeout)`)),
    task.timeoutSeconds * 1000,
  );
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  logger.info(
    `${options.pipeline.name}.${task.name} (${task.spec.kind}) attempt ${attempt}, interval ${run.interval_start.toISOString()} .. ${run.interval_end.toISOString()}`,
  );
  try {
    const outcome = await runTask({
      project: options.project,
      state: options.state,
      pipeline: options.pipeline,
      task,
      runId: run.run_id,
      interval: { start: run.interval_start, end: run.interval_end },
      params: run.params,
      logger,
      signal,
    });
    logger.info(`${task.name} succeeded${outcome.rows === undefined ? '' : ` (${outcome.rows} rows)`}`);
    await flush();
    await history.finishAttempt(pool, run.run_id, task.name, { state: 'succeeded', rows: outcome.rows });
    return { state: 'succeeded', outcome, attempt };
  } catch (raw) {
    const error =
      timeout.signal.aborted && !options.signal.aborted
        ? new FerryError('interrupted', `${task.name}: ${messageOf(timeout.signal.reason)}`, {
            cause: raw,
            hint: `raise timeout of task ${task.name} in ferry.yaml if it needs longer`,
            // A slow day may fit next time: the task's retries apply.
            transient: true,
          })
        : raw;
    const retry = !options.finalAttempt && isTransient(error);
    const state = retry ? 'up_for_retry' : 'failed';
    const why = retry
      ? ' (will retry)'
      : options.finalAttempt
        ? ''
        : ' (not retried: running it again would fail the same way)';
    logger.error(
      error instanceof FerryError && error.hint ? { hint: error.hint } : {},
      `${task.name} attempt ${attempt} failed: ${messageOf(error)}${why}`,
    );
    await flush();
    // A worker being stopped (Ctrl-C, SIGTERM) leaves the task running for the next worker to retry.
    if (!options.signal.aborted)
      await history.finishAttempt(pool, run.run_id, task.name, { state, error: messageOf(error) });
    return { state, error, attempt };
  } finally {
    clearInterval(timer);
    clearTimeout(timeoutTimer);
    await flush();
  }
}
