// Notices a connection that stopped answering while ferry waits on it, without timing out work
// that is merely slow. TCP keepalive finds a peer that is gone, but not a proxy or a load balancer
// that keeps both sockets open and stops forwarding: its kernel answers the keepalives. A plain
// read timeout would find that, and would also kill a CREATE INDEX or a lock wait that sends
// nothing for minutes. So: after `afterMs` without a byte either way while ferry waits on the
// server, ask the server itself, on a fresh connection, what ferry's session is doing. Working
// (a long statement, a lock wait) -> wait on and ask again later; idle, waiting on the network,
// gone, or the server unreachable -> the connection is lost, and the session (if any) is ended so
// that it releases its locks. See docs/decisions/0011-errors-and-faults.md.
import type { Socket } from 'node:net';
import { ConnectionError } from '../errors.js';

/** What the server says about ferry's session. */
export type SessionVerdict =
  | { state: 'working'; detail: string }
  | { state: 'lost'; detail: string }
  /** The check itself could not tell (say, the server refused a new login): wait on. */
  | { state: 'unknown'; detail: string };

export interface StallWatchOptions {
  /** "user@host:port/database", for the message. */
  where: string;
  afterMs: number;
  /** The connection's socket (it may change when TLS starts). */
  socket(): Socket | undefined;
  /** Whether ferry is waiting on the server now: an answer is due, or bytes wait to be sent. */
  waiting(): boolean;
  /** Asks the server about this connection's session, on another connection; ends it when stuck. */
  check(): Promise<SessionVerdict>;
}

export interface StallWatch {
  stop(): void;
}

/** Starts watching; when the connection is found lost, its socket is destroyed with a ConnectionError. */
export function watchStalls(options: StallWatchOptions): StallWatch {
  let last = -1;
  let since = Date.now();
  let checking = false;
  const progress = () => {
    const s = options.socket();
    return s ? s.bytesRead + s.bytesWritten - s.writableLength : -1;
  };
  const tick = async () => {
    const now = Date.now();
    const seen = progress();
    if (seen !== last || !options.waiting()) {
      last = seen;
      since = now;
      return;
    }
    if (checking || now - since < options.afterMs) return;
    checking = true;
    try {
      const verdict = await options
        .check()
        .catch((error: unknown): SessionVerdict => ({ state: 'unknown', detail: String(error) }));
      // An answer that arrived while the check ran settles it.
      if (progress() !== last || !options.waiting()) return;
      if (verdict.state !== 'lost') {
        since = Date.now();
        return;
      }
      const silent = (Date.now() - since) / 1000;
      const seconds = silent < 10 ? silent.toFixed(1) : Math.round(silent).toString();
      options.socket()?.destroy(
        new ConnectionError(`no answer from ${options.where} for ${seconds} s: ${verdict.detail}`, {
          transient: true,
          code: 'STALLED',
          hint: 'a proxy, load balancer or the network between ferry and the server stopped forwarding; stall_timeout in the connection settings sets how long ferry waits before it checks; running the command again resumes the work',
        }),
      );
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void tick(), Math.max(100, Math.floor(options.afterMs / 4)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** How long closing a connection may take before its socket is cut. */
const END_MS = 1000;

/** Waits for `ending` (a driver's end()), or cuts the connection after a second. */
export async function boundedEnd(ending: Promise<unknown>, cut: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ending.then(
      () => 'ended' as const,
      () => 'failed' as const,
    ),
    new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), END_MS))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ended') cut();
}
