// Live updates as server-sent events (EventSource sends the session cookie, so no token in a URL).
// /api/events says "the history changed" whenever the change mark of the run history moves (one
// poll a second for the whole server, only while a page listens); the page then reloads what it
// shows. A task's log stream sends the text appended to its log, and its state, until it finishes.
import type { SSEStreamingApi } from 'hono/streaming';
import { messageOf } from '../../errors.js';
import { redact } from '../../observability/redact.js';
import { FINISHED_TASK_STATES } from '../../state/pipeline-runs.js';
import type { UiContext } from '../ui-context.js';
import { taskJson } from './convert.js';

export const POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

export interface HistoryWatch {
  /** Calls `listener` with the current mark, then with each new one; returns the unsubscribe. */
  subscribe(listener: (mark: string) => void): () => void;
}

export function watchHistory(ctx: UiContext, pollMs = POLL_MS): HistoryWatch {
  const listeners = new Set<(mark: string) => void>();
  let mark: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const next = await ctx.orch.state.pipelines.changeMark(ctx.orch.pool);
      if (next !== mark) {
        mark = next;
        for (const listener of listeners) listener(next);
      }
    } catch (error) {
      ctx.logger.warn({ err: error }, `web UI: cannot read the run history: ${messageOf(error)}`);
    }
    timer = listeners.size > 0 && !ctx.signal.aborted ? setTimeout(() => void poll(), pollMs) : undefined;
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (mark !== undefined) listener(mark);
      timer ??= setTimeout(() => void poll(), 0);
      return () => listeners.delete(listener);
    },
  };
}

/** Every event leaves with the secrets taken out, like every other answer. */
function send(stream: SSEStreamingApi, event: string, data: unknown, id?: string): Promise<void> {
  return stream.writeSSE({ event, data: redact(JSON.stringify(data)), ...(id === undefined ? {} : { id }) });
}

/** Sleeps until the time is up or the stream or the server stops. */
async function pause(stream: SSEStreamingApi, ctx: UiContext, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!stream.aborted && !ctx.signal.aborted && Date.now() < deadline)
    await stream.sleep(Math.min(250, deadline - Date.now()));
}

export async function historyEvents(
  ctx: UiContext,
  watch: HistoryWatch,
  stream: SSEStreamingApi,
): Promise<void> {
  let pending = Promise.resolve();
  const off = watch.subscribe((mark) => {
    pending = pending.then(() => send(stream, 'history', { mark }));
  });
  try {
    while (!stream.aborted && !ctx.signal.aborted) {
      await pause(stream, ctx, KEEPALIVE_MS);
      if (!stream.aborted) await send(stream, 'ping', {});
    }
  } finally {
    off();
  }
}

/** Streams a task's log from character `from` on: `log` events with new text, `task` on a change of state, `end` when done. */
export async function taskLogEvents(
  ctx: UiContext,
  runId: string,
  task: string,
  from: number,
  stream: SSEStreamingApi,
): Promise<void> {
  let offset = from;
  let lastState: string | undefined;
  while (!stream.aborted && !ctx.signal.aborted) {
    const found = await ctx.orch.state.pipelines.readTaskLog(ctx.orch.pool, runId, task, offset);
    if (!found) {
      await send(stream, 'end', { reason: `run ${runId} has no task ${task}` });
      return;
    }
    if (found.logLength > offset) {
      offset = found.logLength;
      // The id lets a reconnecting EventSource resume where it stopped (Last-Event-ID).
      await send(stream, 'log', { text: found.log, length: offset }, String(offset));
    }
    if (found.state !== lastState) {
      lastState = found.state;
      await send(stream, 'task', taskJson(found, ctx.now()));
    }
    if (FINISHED_TASK_STATES.includes(found.state)) {
      await send(stream, 'end', { reason: found.state });
      return;
    }
    await pause(stream, ctx, POLL_MS);
  }
}
