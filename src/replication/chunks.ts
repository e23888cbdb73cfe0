// Splits a large table into primary-key ranges, so a killed run resumes without redoing finished ones
// (the plan is stored with the load: resume.ts).
import { type MysqlConnection } from '../connectors/mysql/connect.js';
import type { SourceTable } from '../schema/source-table.js';
import { quoteMysql } from '../schema/identifiers.js';

export interface Chunk {
  index: number;
  /** Inclusive lower bound, or null for "from the start". */
  lower: string | null;
  /** Exclusive upper bound, or null for "to the end". */
  upper: string | null;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint']);

/** The single integer primary-key column that ranges can be cut on, if any. */
export function chunkColumn(table: SourceTable): string | undefined {
  if (table.primaryKey.length !== 1) return undefined;
  const column = table.columns.find((c) => c.name === table.primaryKey[0]);
  return column && INTEGER_TYPES.has(column.dataType) ? column.name : undefined;
}

export async function planChunks(
  connection: MysqlConnection,
  table: SourceTable,
  chunkRows: number,
): Promise<Chunk[]> {
  const key = chunkColumn(table);
  if (!key || table.estimatedRows <= chunkRows) return [{ index: 0, lower: null, upper: null }];
  // MIN and MAX read the two ends of the key's index; the row count is the server's estimate
  // (information_schema): an exact COUNT(*) scanned the whole table once more before the copy, a
  // tenth of a full refresh's time, only to size the ranges.
  const [rows] = await connection.query(
    `SELECT CAST(MIN(${quoteMysql(key)}) AS CHAR) AS lo, CAST(MAX(${quoteMysql(key)}) AS CHAR) AS hi FROM ${quoteMysql(table.schema)}.${quoteMysql(table.name)}`,
  );
  const row = (rows as Record<string, unknown>[])[0]!;
  if (row.lo === null || row.hi === null) return [{ index: 0, lower: null, upper: null }];
  const lo = BigInt(row.lo as string);
  const hi = BigInt(row.hi as string);
  const count = BigInt(Math.round(table.estimatedRows));
  // Boundaries sit on multiples of a power-of-two step, at least chunk_rows rows' worth of keys
  // (rounded up once, on the product: rounding the keys per row up first doubled the step when one
  // row of a gapless range was deleted). A resumed load keeps its stored plan anyway (resume.ts).
  const keysWanted =
    count > 0n ? (BigInt(chunkRows) * (hi - lo + 1n) + count - 1n) / count : BigInt(chunkRows);
  let step = 1n;
  while (step < keysWanted) step *= 2n;
  const chunks: Chunk[] = [];
  let boundary = (lo / step + 1n) * step;
  if (lo < 0n && lo % step !== 0n) boundary = (lo / step) * step;
  chunks.push({ index: 0, lower: null, upper: boundary.toString() });
  while (boundary <= hi) {
    const next = boundary + step;
    chunks.push({
      index: chunks.length,
      lower: boundary.toString(),
      upper: next > hi ? null : next.toString(),
    });
    boundary = next;
  }
  return chunks;
}

/** WHERE clause and parameters for a chunk. */
export function chunkWhere(table: SourceTable, chunk: Chunk): { where: string; params: string[] } {
  const key = chunkColumn(table);
  if (!key || (chunk.lower === null && chunk.upper === null)) return { where: '', params: [] };
  const parts: string[] = [];
  const params: string[] = [];
  if (chunk.lower !== null) {
    parts.push(`${quoteMysql(key)} >= ?`);
    params.push(chunk.lower);
  }
  if (chunk.upper !== null) {
    parts.push(`${quoteMysql(key)} < ?`);
    params.push(chunk.upper);
  }
  return { where: `WHERE ${parts.join(' AND ')}`, params };
}
