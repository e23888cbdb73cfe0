// Streams generated rows into MySQL with LOAD DATA LOCAL INFILE: tab-separated lines in MySQL's
// default escaping (\N for NULL; backslash, tab, newline and NUL escaped), in large batches.
import { Readable } from 'node:stream';
import { type MysqlConnection } from '../connectors/mysql/connect.js';
import { quoteMysql } from '../schema/identifiers.js';

const SPECIAL = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** One field of a LOAD DATA line. */
export function field(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : value;
}

export interface LoadColumn {
  name: string;
  /** Hex-encoded in the file and decoded with UNHEX (binary columns). */
  hex?: boolean;
}

/** Loads lines (each ending in \n, grouped in chunks) into a table; returns the rows the server reports. */
export async function loadData(
  connection: MysqlConnection,
  table: string,
  columns: readonly LoadColumn[],
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<number> {
  const list = columns.map((c, i) => (c.hex ? `@v${i}` : quoteMysql(c.name))).join(', ');
  const sets = columns.flatMap((c, i) => (c.hex ? [`${quoteMysql(c.name)} = UNHEX(@v${i})`] : []));
  const sql =
    `LOAD DATA LOCAL INFILE 'ferry-seed' INTO TABLE ${quoteMysql(table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${list})` +
    (sets.length > 0 ? ` SET ${sets.join(', ')}` : '');
  // mysql2 sends the stream's chunks as packets and needs them as Buffers.
  async function* asBuffers() {
    for await (const chunk of chunks)
      yield typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  const [result] = await connection.query({ sql, infileStreamFactory: () => Readable.from(asBuffers()) });
  return (result as { affectedRows: number }).affectedRows;
}
