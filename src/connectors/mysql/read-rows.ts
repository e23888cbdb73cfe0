// Streams the rows of one SELECT from a MySQL connection as arrays, with backpressure: binary
// columns arrive as Buffers, everything else as the text the server printed.
import type { SourceRow } from '../../schema/row-outcome.js';
import type { MysqlConnection } from './connect.js';

interface TypeCastField {
  name: string;
  string(): string | null;
  buffer(): Buffer | null;
}

interface CoreConnection {
  query(options: {
    sql: string;
    values?: unknown[];
    rowsAsArray: boolean;
    typeCast: (field: TypeCastField) => unknown;
  }): {
    stream(options: { highWaterMark: number }): AsyncIterable<SourceRow> & { destroy(error?: Error): void };
  };
}

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
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  const binaryNames = new Set([...binary].map((i) => `c${i}`));
  const stream = core
    .query({
      sql,
      values,
      rowsAsArray: true,
      typeCast: (field) => (binaryNames.has(field.name) ? field.buffer() : field.string()),
    })
    .stream({ highWaterMark });
  yield* stream;
}
