// The ways reading a binlog fails, each recognisable by `reason` and said for people: the position
// was purged or never existed on this server, another replica took the same server_id, the
// connection was lost or went silent, privileges are missing. Classified by the servers' error
// numbers and, where one number covers several causes (1236), by the server's own message.
import { ConnectionError } from '../../../errors.js';
import { messageOf } from '../../../errors.js';
import { SOCKET_ERRORS } from '../../driver-errors.js';

export type BinlogFailure =
  | 'position_lost' // the binlog holding the position was purged
  | 'position_unknown' // the server never had the position (another server, or ahead of it)
  | 'duplicate_server_id' // another replica connected with this server_id; the server dropped this one
  | 'connection_lost'
  | 'read_timeout' // no event and no heartbeat within the read timeout
  | 'privileges'
  | 'protocol'; // bytes that do not follow the replication protocol

const TRANSIENT: Record<BinlogFailure, boolean> = {
  position_lost: false,
  position_unknown: false,
  duplicate_server_id: false,
  connection_lost: true,
  read_timeout: true,
  privileges: false,
  protocol: true,
};

const HINTS: Partial<Record<BinlogFailure, string>> = {
  position_lost:
    'the changes since the checkpoint are gone from the server: take a new snapshot of the stream (and keep binlogs longer: binlog_expire_logs_seconds)',
  position_unknown:
    'the server is not the one the checkpoint came from, or was restored from a backup: check the source, then take a new snapshot of the stream',
  duplicate_server_id:
    'two readers use the same server_id: give each ferry process its own (or leave it to the default), and check for another ferry running the same stream',
  privileges:
    'GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the ferry user (MariaDB 10.5+: BINLOG MONITOR for the status queries)',
};

export class BinlogError extends ConnectionError {
  readonly reason: BinlogFailure;
  constructor(reason: BinlogFailure, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, {
      transient: TRANSIENT[reason],
      hint: options.hint ?? HINTS[reason],
      cause: options.cause,
    });
    this.name = 'BinlogError';
    this.reason = reason;
  }
}

// Messages of error 1236 (ER_MASTER_FATAL_ERROR_READING_BINLOG) by cause, MariaDB's and MySQL's wording.
const FATAL_READING: [RegExp, BinlogFailure][] = [
  [/same server_uuid\/server_id|same server_id/i, 'duplicate_server_id'],
  [
    /purged|could not find gtid state requested|could not find first log file name|could not open log file|binary log.*not found/i,
    'position_lost',
  ],
  [
    /not in the master's binlog|which is not in the master|gtid.*newer|greater than|ahead of|position > file size|beyond the end|bogus data/i,
    'position_unknown',
  ],
];

const BY_CODE: Record<string, BinlogFailure> = {
  ER_MASTER_HAS_PURGED_REQUIRED_GTIDS: 'position_lost',
  ER_SPECIFIC_ACCESS_DENIED_ERROR: 'privileges',
  ER_ACCESS_DENIED_ERROR: 'privileges',
  ER_CONNECTION_KILLED: 'connection_lost',
  ER_QUERY_INTERRUPTED: 'connection_lost',
  ER_SERVER_SHUTDOWN: 'connection_lost',
  ER_NET_READ_INTERRUPTED: 'connection_lost',
  ER_NET_READ_ERROR: 'connection_lost',
  ER_NET_ERROR_ON_WRITE: 'connection_lost',
};

/** A driver or socket error of the binlog connection as a BinlogError; `where` says which server. */
export function binlogError(error: unknown, where: string): BinlogError {
  if (error instanceof BinlogError) return error;
  const record = (error ?? {}) as { code?: unknown; errno?: unknown; sqlMessage?: unknown };
  const code = typeof record.code === 'string' ? record.code : undefined;
  const detail = messageOf(error);
  const text = typeof record.sqlMessage === 'string' ? record.sqlMessage : detail;
  // MariaDB sends the older of two replicas with one server_id error 4052, MySQL 1236: the text tells
  const known = FATAL_READING.find(([pattern]) => pattern.test(text))?.[1];
  if (record.errno === 1236 || known === 'duplicate_server_id') {
    const reason = known ?? 'position_unknown';
    const message =
      reason === 'duplicate_server_id'
        ? `${where} dropped this binlog reader: another replica connected with the same server_id (${text})`
        : `${where} cannot send the binlog from the requested position: ${text}`;
    return new BinlogError(reason, message, { cause: error });
  }
  const reason = (code && BY_CODE[code]) || (code && SOCKET_ERRORS[code] ? 'connection_lost' : undefined);
  if (reason) return new BinlogError(reason, `binlog connection to ${where}: ${detail}`, { cause: error });
  return new BinlogError('connection_lost', `binlog connection to ${where} failed: ${detail}`, {
    cause: error,
  });
}
