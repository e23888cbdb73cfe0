// Copies the rows of one SELECT from MySQL into a PostgreSQL table with COPY, inside the caller's
// PostgreSQL transaction, and returns the counts plus the rows and values a policy set aside.
import { type MysqlConnection } from '../connectors/mysql/connect.js';
import { readPackets, type PacketReader } from '../connectors/mysql/read-packets.js';
import type { SourceTable } from '../schema/source-table.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import { Readable } from 'node:stream';
import { createPacketEncoder } from '../schema/copy-bytes.js';
import { createRowEncoder } from '../schema/row-encoder.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import {
  type RowGate,
  type SetAsideRow,
  type ValueChange,
  type ValuePolicies,
} from '../schema/row-outcome.js';
import { filterClause, selectSql } from '../schema/select-list.js';

export interface CopyRowsOptions {
  source: MysqlConnection;
  target: PgClient;
  table: SourceTable;
  mappings: readonly ColumnMapping[];
  /** SQL after FROM: nothing, or a WHERE with ? placeholders. */
  where?: string;
  /** The stream's filter (where: in ferry.yaml), met as well as `where`. */
  filter?: string | undefined;
  params?: unknown[];
  targetSchema: string;
  targetTable: string;
  stream: string;
  policies: ValuePolicies;
  batchRows: number;
  onRows?: (rows: number) => void;
  signal?: AbortSignal;
  /** Row checks of the stream (src/quality): with them every row is decoded and checked; without, rows take the byte path. */
  gate?: RowGate;
}

export interface CopyRowsResult {
  rowsRead: number;
  rowsLoaded: number;
  bytes: number;
  quarantined: SetAsideRow[];
  nulled: ValueChange[];
}

export async function copyRows(options: CopyRowsOptions): Promise<CopyRowsResult> {
  const { mappings } = options;
  const rowEncoder = createRowEncoder(
    options.stream,
    mappings,
    options.table.primaryKey,
    options.policies,
    options.gate ? { gate: options.gate } : {},
  );
  // batch_rows sets the size of the byte batches handed to COPY (about 64 bytes a row).
  const flushBytes = Math.max(64 * 1024, options.batchRows * 64);
  const encoder = createPacketEncoder(mappings, rowEncoder, {
    ...(options.gate ? { gate: options.gate } : {}),
    capacity: flushBytes + 64 * 1024,
  });
  const { sql } = selectSql(options.table, mappings, filterClause(options.filter, options.where ?? ''));
  const result: CopyRowsResult = { rowsRead: 0, rowsLoaded: 0, bytes: 0, quarantined: [], nulled: [] };

  function take(): Buffer {
    const batch = encoder.take();
    result.rowsRead += batch.rows;
    result.rowsLoaded += batch.rows - batch.quarantined.length;
    result.bytes += batch.bytes.length;
    for (const q of batch.quarantined) result.quarantined.push(q);
    for (const n of batch.nulled) result.nulled.push(n);
    options.onRows?.(batch.rows);
    return batch.bytes;
  }

  // Rows arrive as the socket delivers them; when COPY cannot take more, the reader pauses.
  const source = new Readable({
    highWaterMark: 4 * flushBytes,
    read: () => reader.resume(),
    destroy: (error, callback) => {
      reader.discard();
      callback(error);
    },
  });
  const reader: PacketReader = readPackets(options.source, sql, options.params ?? [], {
    row: (buffer, start, end) => {
      try {
        encoder.add(buffer, start, end);
      } catch (error) {
        source.destroy(error as Error);
        return;
      }
      if (encoder.pendingBytes >= flushBytes && !source.push(take())) reader.pause();
    },
    end: () => {
      if (encoder.pendingBytes > 0 || rowEncoder.pending > 0) source.push(take());
      source.push(null);
    },
    error: (error) => source.destroy(error as Error),
  });

  await copyInto(
    options.target,
    options.targetSchema,
    options.targetTable,
    mappings.map((m) => m.targetName),
    source,
    options.signal,
  );
  return result;
}
