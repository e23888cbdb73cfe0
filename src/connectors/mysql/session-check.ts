// Asks MySQL/MariaDB, on a fresh connection, what one of ferry's sessions is doing
// (information_schema.PROCESSLIST: a user sees its own threads without the PROCESS privilege), for
// the stall watch (connectors/stall-watch.ts). A session the server no longer works for, while
// ferry still waits on it, is ended with KILL so that its locks and its snapshot go with it.
import mysql from 'mysql2/promise';
import type { SessionVerdict } from '../stall-watch.js';
import { messageOf } from '../../errors.js';

interface Thread {
  command: string;
  state: string | null;
}

/** First match wins: what each kind of thread means while ferry waits on it (and is reading). */
const RULES: { when: (t: Thread) => boolean; lost: boolean; detail: (t: Thread) => string }[] = [
  {
    when: (t) => t.command === 'Sleep',
    lost: true,
    detail: () => 'its session on the server is idle, so the answer never reached ferry (ended the session)',
  },
  {
    when: (t) => t.command === 'Killed',
    lost: true,
    detail: () => 'its session on the server is being killed',
  },
  {
    // The server blocks writing to a client that reads: the bytes are stuck on the way.
    when: (t) => t.state === 'Writing to net',
    lost: true,
    detail: () => 'its session on the server waits on the network (Writing to net) (ended the session)',
  },
  {
    when: () => true,
    lost: false,
    detail: (t) => `its session is ${t.command}${t.state ? ` (${t.state})` : ''}`,
  },
];

/** MySQL error names of a fresh login that say nothing about the network: the check cannot tell. */
const INCONCLUSIVE = new Set([
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_ACCESS_DENIED_ERROR',
  'ER_HOST_IS_BLOCKED',
]);

export async function checkMysqlSession(
  options: mysql.ConnectionOptions,
  threadId: number,
  boundMs: number,
): Promise<SessionVerdict> {
  let probe: mysql.Connection | undefined;
  let timer: NodeJS.Timeout | undefined;
  const bounded = <T>(work: Promise<T>) =>
    Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms`)), boundMs);
      }),
    ]).finally(() => clearTimeout(timer));
  try {
    try {
      probe = await bounded(
        mysql.createConnection({ ...options, connectTimeout: boundMs, enableKeepAlive: false }),
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && INCONCLUSIVE.has(code))
        return { state: 'unknown', detail: messageOf(error) };
      return { state: 'lost', detail: `a fresh connection failed too (${messageOf(error)})` };
    }
    probe.on('error', () => undefined);
    const [rows] = await bounded(
      probe.query(
        'SELECT COMMAND AS command, STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?',
        [threadId],
      ),
    );
    const thread = (rows as Thread[])[0];
    if (!thread) return { state: 'lost', detail: 'its session no longer exists on the server' };
    const rule = RULES.find((r) => r.when(thread))!;
    if (rule.lost) await bounded(probe.query(`KILL ${Number(threadId)}`)).catch(() => undefined);
    return { state: rule.lost ? 'lost' : 'working', detail: rule.detail(thread) };
  } catch (error) {
    return { state: 'lost', detail: `the server did not answer a fresh connection (${messageOf(error)})` };
  } finally {
    probe?.destroy();
  }
}
