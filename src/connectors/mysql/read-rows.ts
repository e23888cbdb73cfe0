// Streams the rows of one SELECT from a MySQL connection as arrays, with backpressure: binary
// columns arrive as Buffers, everything else as the text the server printed. Built on the packet
// reader (read-packets.ts), so both readers share one error path: a lost connection or a KILL ends
// the loop with a classified error instead of leaving it waiting.
import type { SourceRow } from '../../schema/row-outcome.js';
import type { MysqlConnection } from './connect.js';
import { readPackets, type PacketField } from './read-packets.js';

/** The collation id of binary strings: their bytes are not text in any character set. */
const BINARY_CHARSET = 63;

/**
 * Runs `sql` (its columns aliased c0, c1, ...) and yields its rows. `binary` holds the indexes of
 * columns to read as bytes. Breaking out of the loop stops reading.
 */
export async function* readRows(
  connection: MysqlConnection,
  sql: string,
  values: unknown[],
  binary: ReadonlySet<number>,
  highWaterMark = 2000,
): AsyncGenerator<SourceRow> {
  const queue: SourceRow[] = [];
  let encodings: BufferEncoding[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const reader = readPackets(connection, sql, values, {
    fields: (fields: readonly PacketField[]) => {
      encodings = fields.map((f) => (f.characterSet === BINARY_CHARSET ? 'latin1' : 'utf8'));
    },
    row: (buffer, start, end) => {
      queue.push(decodeRow(buffer, start, end, encodings, binary));
      if (queue.length >= highWaterMark) reader.pause();
      notify();
    },
    end: () => {
      done = true;
      notify();
    },
    error: (error) => {
      failure = { error };
      done = true;
      notify();
    },
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue.splice(0);
        if (!done) reader.resume();
        yield* batch;
        continue;
      }
      if (failure) throw failure.error;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!done) reader.discard();
  }
}

/** One text-protocol row: a length-encoded string per column, 0xFB for NULL. */
function decodeRow(
  buffer: Buffer,
  start: number,
  end: number,
  encodings: readonly BufferEncoding[],
  binary: ReadonlySet<number>,
): SourceRow {
  const row: SourceRow = [];
  let at = start;
  for (let column = 0; at < end; column++) {
    const first = buffer[at]!;
    if (first === 0xfb) {
      row.push(null);
      at += 1;
      continue;
    }
    let length: number;
    if (first < 0xfb) {
      length = first;
      at += 1;
    } else if (first === 0xfc) {
      length = buffer.readUInt16LE(at + 1);
      at += 3;
    } else if (first === 0xfd) {
      length = buffer.readUIntLE(at + 1, 3);
      at += 4;
    } else {
      length = Number(buffer.readBigUInt64LE(at + 1));
      at += 9;
    }
    // The packet buffer is reused once the callback returns: binary values are copied out.
    row.push(
      binary.has(column)
        ? Buffer.from(buffer.subarray(at, at + length))
        : buffer.toString(encodings[column] ?? 'utf8', at, at + length),
    );
    at += length;
  }
  return row;
}
