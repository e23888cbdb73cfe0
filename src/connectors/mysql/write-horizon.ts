// What may still commit below a snapshot: read just before the snapshot opens, the start of the
// oldest write transaction still open (information_schema.INNODB_TRX, which needs the PROCESS
// privilege) or of a statement still waiting for a lock (it may write a NOW() taken before it
// waits), and the source's clock. A row that commits after the snapshot was written by one of
// those, so its temporal cursor is at or after that start.
import type { MysqlConnection } from './connect.js';

export interface OpenWriter {
  /** When it started, seconds since the epoch (InnoDB keeps whole seconds; this rounds down). */
  startedAt: number;
  /** The session (SHOW PROCESSLIST id) that holds it. */
  thread: number;
  what: 'transaction' | 'waiting statement';
}

export interface WriteHorizon {
  /** The source's clock when the horizon was read, just before the snapshot: epoch seconds. */
  readAt: number;
  /** The source's clock once the snapshot is open (set by openSnapshot). */
  snapshotAt: number;
  /** Whether ferry could see the open transactions (PROCESS granted). */
  visible: boolean;
  /** The oldest open writer at readAt, or null when none was open (or none could be seen). */
  oldestOpen: OpenWriter | null;
  /** Seconds the server's time zone (@@global.time_zone) is ahead of UTC: DATETIME cursors written with NOW() are in it. */
  zoneOffset: number;
  /** Why the open transactions could not be seen. */
  problem?: string;
}

type Row = Record<string, unknown>;

const CLOCK_SQL = `SELECT UNIX_TIMESTAMP(NOW(6)) AS now,
  TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), COALESCE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', @@global.time_zone), CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', 'SYSTEM'), UTC_TIMESTAMP())) AS zone`;

// trx_started is in the server's system time zone whatever the session's; read-only transactions
// (ferry's own snapshots, START TRANSACTION READ ONLY) can never write.
const TRX_SQL = `SELECT UNIX_TIMESTAMP(CONVERT_TZ(trx_started, 'SYSTEM', @@session.time_zone)) AS started, trx_mysql_thread_id AS thread
  FROM information_schema.INNODB_TRX
 WHERE trx_is_read_only = 0 AND trx_mysql_thread_id <> CONNECTION_ID()
 ORDER BY trx_started LIMIT 1`;

// A statement waiting for a metadata, table or global lock has taken its NOW() but may not have
// started its InnoDB transaction yet. MariaDB has TIME_MS; MySQL only whole seconds.
const WAITING_SQL = (elapsed: string) => `SELECT UNIX_TIMESTAMP(NOW(6)) - ${elapsed} AS started, ID AS thread
  FROM information_schema.PROCESSLIST
 WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND STATE LIKE 'Waiting for%lock%'
 ORDER BY 1 LIMIT 1`;

/** The server's error number, also when a classified error wraps the driver's. */
function errnoOf(error: unknown): number | undefined {
  const own = (error as { errno?: unknown }).errno;
  if (typeof own === 'number') return own;
  const cause = (error as { cause?: unknown }).cause;
  return cause && typeof cause === 'object' ? errnoOf(cause) : undefined;
}

async function first(connection: MysqlConnection, sql: string): Promise<Row | undefined> {
  const [rows] = await connection.query(sql);
  return (rows as Row[])[0];
}

/** The source's clock, epoch seconds. */
export async function sourceClock(connection: MysqlConnection): Promise<number> {
  return Number((await first(connection, CLOCK_SQL))?.now);
}

async function oldestWaiting(connection: MysqlConnection): Promise<OpenWriter | undefined> {
  let row: Row | undefined;
  try {
    row = await first(connection, WAITING_SQL('TIME_MS / 1000'));
  } catch {
    row = await first(connection, WAITING_SQL('(TIME + 1)'));
  }
  return row && row.started !== null
    ? { startedAt: Math.floor(Number(row.started)), thread: Number(row.thread), what: 'waiting statement' }
    : undefined;
}

export async function readWriteHorizon(connection: MysqlConnection): Promise<WriteHorizon> {
  const clock = await first(connection, CLOCK_SQL);
  const readAt = Number(clock?.now);
  const horizon: WriteHorizon = {
    readAt,
    snapshotAt: readAt,
    visible: true,
    oldestOpen: null,
    zoneOffset: Number(clock?.zone ?? 0),
  };
  let trx: Row | undefined;
  try {
    trx = await first(connection, TRX_SQL);
  } catch (error) {
    const code = errnoOf(error);
    // 1227: access denied (PROCESS missing); 1109: unknown table (no InnoDB information schema).
    if (code !== 1227 && code !== 1109) throw error;
    return { ...horizon, visible: false, problem: (error as Error).message };
  }
  const candidates: OpenWriter[] = [];
  if (trx && trx.started !== null)
    candidates.push({ startedAt: Number(trx.started), thread: Number(trx.thread), what: 'transaction' });
  const waiting = await oldestWaiting(connection);
  if (waiting) candidates.push(waiting);
  candidates.sort((a, b) => a.startedAt - b.startedAt);
  return { ...horizon, oldestOpen: candidates[0] ?? null };
}
