// Streams COPY text lines into a table with backpressure. If anything fails, the COPY is aborted
// (CopyFail) so PostgreSQL rolls it back with the surrounding transaction; the error is classified
// (a value PostgreSQL rejects, a lost connection) like every query's.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresErrorOf, type PgClient } from './connect.js';
import { qualifiedPg, quotePg } from '../../schema/identifiers.js';

/** Copies COPY text (a byte stream, or batches of complete lines) into schema.table(columns); returns the rows copied. */
export async function copyInto(
  client: PgClient,
  schema: string,
  table: string,
  columns: readonly string[],
  batches: Readable | AsyncIterable<string | Buffer>,
  signal?: AbortSignal,
): Promise<number> {
  const sql = `COPY ${qualifiedPg(schema, table)} (${columns.map(quotePg).join(', ')}) FROM STDIN`;
  const target = client.query(copyFrom(sql));
  const source = batches instanceof Readable ? batches : Readable.from(batches, { objectMode: false });
  try {
    if (signal) await pipeline(source, target, { signal });
    else await pipeline(source, target);
  } catch (error) {
    // A cancel is the caller's to report; everything else is the source's error or the server's.
    if (signal?.aborted) throw error;
    throw postgresErrorOf(client, error);
  }
  return target.rowCount;
}
