// Where the original (source-form) values of rows found by the set checks come from: a sync reads
// them again from MySQL inside its snapshot; a replay has them in its quarantine entries.
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import { readRows } from '../connectors/mysql/read-rows.js';
import type { SourceTable } from '../schema/source-table.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { SourceRow } from '../schema/row-outcome.js';
import { quoteMysql } from '../schema/identifiers.js';
import { selectSql } from '../schema/select-list.js';

/** Original rows by primary key (the key's values as text, JSON-encoded array). */
export type OriginalRows = (keys: readonly string[][]) => Promise<Map<string, SourceRow>>;

const PER_QUERY = 500;

export function originalRowsFromSource(
  source: MysqlConnection,
  table: SourceTable,
  mappings: readonly ColumnMapping[],
): OriginalRows {
  const keyIndexes = table.primaryKey.map((k) => mappings.findIndex((m) => m.column.name === k));
  return async (keys) => {
    const found = new Map<string, SourceRow>();
    for (let i = 0; i < keys.length; i += PER_QUERY) {
      const part = keys.slice(i, i + PER_QUERY);
      const tuple = `(${table.primaryKey.map(() => '?').join(', ')})`;
      const { sql, binary } = selectSql(
        table,
        mappings,
        `WHERE (${table.primaryKey.map(quoteMysql).join(', ')}) IN (${part.map(() => tuple).join(', ')})`,
      );
      for await (const row of readRows(source, sql, part.flat(), binary)) {
        const key = keyIndexes.map((k) => {
          const v = row[k];
          return v === null || v === undefined ? '' : typeof v === 'string' ? v : v.toString('utf8');
        });
        found.set(JSON.stringify(key), row);
      }
    }
    return found;
  };
}
