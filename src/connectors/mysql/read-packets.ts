// Streams the rows of one SELECT as raw text-protocol packets, without decoding them into values:
// a mysql2 Query command whose row state hands each packet's bytes to a callback. The caller turns
// the bytes straight into COPY text (replication/copy-bytes.ts), which saves the string and array
// allocations of every row. Backpressure: pause() stops reading the socket, resume() goes on.
//
// A text-protocol row is one length-encoded string per column (0xFB for NULL); see "Text Resultset
// Row" in the MySQL client/server protocol documentation.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { coreOf, lostMysqlReason, mysqlErrorOf, type MysqlConnection } from './connect.js';

interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

/** A column definition as mysql2 parsed it. */
export interface PacketField {
  name: string;
  /** The collation id of the column's text (63: binary). */
  characterSet: number;
}

interface QueryCommand {
  on(event: 'end', listener: () => void): this;
  on(event: 'fields', listener: (fields: PacketField[]) => void): this;
  row(packet: RowPacket, connection: unknown): unknown;
  done(): null;
}

// mysql2's Query command: it sends COM_QUERY and reads the column definitions; only its row state
// is replaced below. mysql2's package exports do not list it, so it is loaded by its file path.
const require = createRequire(import.meta.url);
const Query = require(join(dirname(require.resolve('mysql2')), 'lib', 'commands', 'query.js')) as new (
  options: { sql: string },
  callback: (error: Error | null) => void,
) => QueryCommand;

type RowCallback = (buffer: Buffer, start: number, end: number) => void;

class RawRowsQuery extends Query {
  constructor(
    sql: string,
    private readonly onRow: RowCallback,
    // mysql2 hands a command its errors (the server's, and a broken socket's) only through this
    // callback; a command without one leaves them to the connection, and its caller waits for ever.
    onResult: (error: Error | null) => void,
  ) {
    super({ sql }, onResult);
  }

  override row(packet: RowPacket): unknown {
    if (packet.isEOF()) return this.done();
    this.onRow(packet.buffer, packet.offset, packet.end);
    // mysql2's state machine: the returned method is the next state, called on this command
    // eslint-disable-next-line @typescript-eslint/unbound-method
    return this.row;
  }
}

export interface PacketReader {
  pause(): void;
  resume(): void;
  /** Ignores the remaining rows (they are still read off the connection, which stays usable). */
  discard(): void;
}

export interface PacketHandlers {
  /** The result's columns, before the first row. */
  fields?(fields: readonly PacketField[]): void;
  /** One row: its values are length-encoded strings in buffer[start, end). The buffer is only valid during the call. */
  row: RowCallback;
  end(): void;
  /** A classified error (connectors/mysql/mysql-errors.ts): the server's, or a lost connection. */
  error(error: unknown): void;
}

/** Runs `sql` (with ? placeholders filled from `values`) and hands every row packet to `handlers.row`. */
export function readPackets(
  connection: MysqlConnection,
  sql: string,
  values: readonly unknown[],
  handlers: PacketHandlers,
): PacketReader {
  const core = coreOf(connection);
  let discarding = false;
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    if (discarding) return;
    if (error === undefined) handlers.end();
    else handlers.error(error);
  };
  const reader: PacketReader = {
    pause: () => {
      if (!finished && !discarding) core.pause();
    },
    resume: () => core.resume(),
    discard: () => {
      discarding = true;
      core.resume();
    },
  };
  const lost = lostMysqlReason(connection);
  if (lost) {
    process.nextTick(() => finish(lost));
    return reader;
  }
  const command = new RawRowsQuery(
    core.format(sql, [...values]),
    (buffer, start, end) => {
      if (!discarding) handlers.row(buffer, start, end);
    },
    (error) => {
      // The connection must not stay paused for a command that is over.
      core.resume();
      if (error) finish(mysqlErrorOf(connection, error));
    },
  );
  if (handlers.fields) command.on('fields', (fields) => handlers.fields?.(fields));
  command.on('end', () => finish());
  core.addCommand(command);
  return reader;
}
