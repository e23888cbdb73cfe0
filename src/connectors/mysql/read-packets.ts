// Streams the rows of one SELECT as raw text-protocol packets, without decoding them into values:
// a mysql2 Query command whose row state hands each packet's bytes to a callback. The caller turns
// the bytes straight into COPY text (replication/copy-bytes.ts), which saves the string and array
// allocations of every row. Backpressure: pause() stops reading the socket, resume() goes on.
//
// A text-protocol row is one length-encoded string per column (0xFB for NULL); see "Text Resultset
// Row" in the MySQL client/server protocol documentation.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MysqlConnection } from './connect.js';

interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

interface QueryCommand {
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  row(packet: RowPacket, connection: unknown): unknown;
  done(): null;
}

interface CoreConnection {
  format(sql: string, values: unknown[]): string;
  addCommand(command: QueryCommand): unknown;
  pause(): void;
  resume(): void;
}

// mysql2's Query command: it sends COM_QUERY and reads the column definitions; only its row state
// is replaced below. mysql2's package exports do not list it, so it is loaded by its file path.
const require = createRequire(import.meta.url);
const Query = require(
  join(dirname(require.resolve('mysql2')), 'lib', 'commands', 'query.js'),
) as new (options: { sql: string }) => QueryCommand;

type RowCallback = (buffer: Buffer, start: number, end: number) => void;

class RawRowsQuery extends Query {
  constructor(
    sql: string,
    private readonly onRow: RowCallback,
  ) {
    super({ sql });
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
  /** One row: its values are length-encoded strings in buffer[start, end). The buffer is only valid during the call. */
  row: RowCallback;
  end(): void;
  error(error: Error): void;
}

/** Runs `sql` (with ? placeholders filled from `values`) and hands every row packet to `handlers.row`. */
export function readPackets(
  connection: MysqlConnection,
  sql: string,
  values: readonly unknown[],
  handlers: PacketHandlers,
): PacketReader {
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  let discarding = false;
  let finished = false;
  const command = new RawRowsQuery(core.format(sql, [...values]), (buffer, start, end) => {
    if (!discarding) handlers.row(buffer, start, end);
  });
  command.on('error', (error) => {
    if (finished) return;
    finished = true;
    if (!discarding) handlers.error(error);
  });
  command.on('end', () => {
    if (finished) return;
    finished = true;
    if (!discarding) handlers.end();
  });
  core.addCommand(command);
  return {
    pause: () => {
      if (!finished && !discarding) core.pause();
    },
    resume: () => core.resume(),
    discard: () => {
      discarding = true;
      core.resume();
    },
  };
}
