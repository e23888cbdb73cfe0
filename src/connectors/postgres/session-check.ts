// Asks PostgreSQL, on a fresh connection, what one of ferry's sessions is doing (pg_stat_activity),
// for the stall watch (connectors/stall-watch.ts). A session the server no longer works for, while
// ferry still waits on it, is ended with pg_terminate_backend so that its locks go with it.
import pg from 'pg';
import type { SessionVerdict } from '../stall-watch.js';
import { messageOf } from '../../errors.js';

interface Activity {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

/** First match wins: what each kind of session state means while ferry waits on the session. */
const RULES: { when: (a: Activity) => boolean; lost: boolean; detail: (a: Activity) => string }[] = [
  {
    when: (a) => a.state !== null && a.state.startsWith('idle'),
    lost: true,
    detail: (a) =>
      `its session on the server is ${a.state}, so the answer never reached ferry (ended the session)`,
  },
  {
    when: (a) => a.wait_event_type === 'Client',
    lost: true,
    detail: (a) =>
      `its session on the server waits on the network (${a.wait_event ?? 'Client'}) (ended the session)`,
  },
  {
    when: () => true,
    lost: false,
    detail: (a) => `its session is ${a.state ?? 'busy'}${a.wait_event ? ` (${a.wait_event})` : ''}`,
  },
];

/** SQLSTATEs of a fresh login that say nothing about the network: the check cannot tell. */
const INCONCLUSIVE = /^(28|53)/;

export async function checkPostgresSession(
  config: pg.ClientConfig,
  pid: number,
  boundMs: number,
): Promise<SessionVerdict> {
  const probe = new pg.Client({
    ...config,
    keepAlive: false,
    connectionTimeoutMillis: boundMs,
    application_name: 'ferry (session check)',
  });
  probe.on('error', () => undefined);
  const bound = setTimeout(() => {
    (
      probe as unknown as { connection: { stream: { destroy(error?: Error): void } } }
    ).connection.stream.destroy(new Error(`no answer within ${boundMs} ms`));
  }, boundMs);
  try {
    try {
      await probe.connect();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && INCONCLUSIVE.test(code))
        return { state: 'unknown', detail: messageOf(error) };
      return { state: 'lost', detail: `a fresh connection failed too (${messageOf(error)})` };
    }
    const { rows } = await probe.query<Activity>(
      'SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    const activity = rows[0];
    if (!activity) return { state: 'lost', detail: 'its session no longer exists on the server' };
    const rule = RULES.find((r) => r.when(activity))!;
    if (rule.lost) await probe.query('SELECT pg_terminate_backend($1)', [pid]);
    return { state: rule.lost ? 'lost' : 'working', detail: rule.detail(activity) };
  } catch (error) {
    return { state: 'lost', detail: `the server did not answer a fresh connection (${messageOf(error)})` };
  } finally {
    clearTimeout(bound);
    await endWithin(probe, 1000);
  }
}

/** Ends the probe, or gives up on it after `ms` (a connection that never opened may not answer). */
async function endWithin(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
