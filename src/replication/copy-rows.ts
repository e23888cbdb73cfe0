// Copies the rows of one SELECT from MySQL into a PostgreSQL table with COPY, inside the caller's
// PostgreSQL transaction, and returns the counts plus the rows and values a policy set aside.
import type { SyncSettings } from '../config/schema.js';
import { quoteMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { readRows } from '../connectors/mysql/read-rows.js';
import type { SourceTable } from '../connectors/mysql/source-table.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import type { SetAsideRow, ValueChange } from '../connectors/postgres/state-store.js';
import type { RowGate } from '../quality/row-gate.js';
import { createRowEncoder } from './row-encoder.js';
import type { ColumnMapping } from './type-mapping.js';

export interface CopyRowsOptions {
  source: MysqlConnection;
  target: PgClient;
  table: SourceTable;
  mappings: readonly ColumnMapping[];
  /** SQL after FROM: WHERE / ORDER BY, with ? placeholders. */
  where?: string;
  params?: unknown[];
  targetSchema: string;
  targetTable: string;
  stream: string;
  policies: Pick<SyncSettings, 'zero_dates' | 'invalid_values'>;
  batchRows: number;
  onRows?: (rows: number) => void;
  signal?: AbortSignal;
  /** Row checks of the stream (src/quality). */
  gate?: RowGate;
}

export interface CopyRowsResult {
  rowsRead: number;
  rowsLoaded: number;
  bytes: number;
  quarantined: SetAsideRow[];
  nulled: ValueChange[];
}

export function selectSql(
  table: SourceTable,
  mappings: readonly ColumnMapping[],
  rest = '',
): { sql: string; binary: Set<number> } {
  const binary = new Set<number>();
  const list = mappings.map((m, i) => {
    if (m.rule.encoder === 'bytes') binary.add(i);
    const quoted = quoteMysql(m.column.name);
    return `${m.rule.select ? m.rule.select(quoted, m.column) : quoted} AS c${i}`;
  });
  return {
    sql: `SELECT ${list.join(', ')} FROM ${quoteMysql(table.schema)}.${quoteMysql(table.name)}${rest ? ' ' + rest : ''}`,
    binary,
  };
}

export async function copyRows(options: CopyRowsOptions): Promise<CopyRowsResult> {
  const { mappings } = options;
  const encoder = createRowEncoder(
    options.stream,
    mappings,
    options.table.primaryKey,
    options.policies,
    options.gate,
  );
  const { sql, binary } = selectSql(options.table, mappings, options.where);
  const result: CopyRowsResult = { rowsRead: 0, rowsLoaded: 0, bytes: 0, quarantined: [], nulled: [] };

  async function* batches(): AsyncGenerator<string> {
    for await (const row of readRows(options.source, sql, options.params ?? [], binary)) {
      encoder.add(row);
      if (encoder.pending >= options.batchRows) {
        const text = flush();
        if (text) yield text;
      }
    }
    const text = encoder.pending > 0 ? flush() : '';
    if (text) yield text;
  }
  function flush(): string {
    const batch = encoder.take();
    result.rowsRead += batch.rows;
    result.rowsLoaded += batch.rows - batch.quarantined.length;
    result.bytes += Buffer.byteLength(batch.text);
    for (const q of batch.quarantined) result.quarantined.push(q);
    for (const n of batch.nulled) result.nulled.push(n);
    options.onRows?.(batch.rows);
    return batch.text;
  }

  await copyInto(
    options.target,
    options.targetSchema,
    options.targetTable,
    mappings.map((m) => m.column.name),
    batches(),
    options.signal,
  );
  return result;
}
