// The SELECT that reads a table's mapped columns from MySQL: each column through its type-mapping
// rule's select expression (FLOAT widened to DOUBLE, BIT as 0/1 text, ...), aliased c0, c1, ...
import { quoteMysql } from './identifiers.js';
import type { SourceTable } from './source-table.js';
import type { ColumnMapping } from './type-mapping.js';

/** The expression that reads a column as the sync reads it. */
export function selectExpression(m: ColumnMapping): string {
  const quoted = quoteMysql(m.column.name);
  return m.rule.select ? m.rule.select(quoted, m.column) : quoted;
}

export function selectSql(
  table: SourceTable,
  mappings: readonly ColumnMapping[],
  rest = '',
): { sql: string; binary: Set<number> } {
  const binary = new Set<number>();
  const list = mappings.map((m, i) => {
    if (m.rule.encoder === 'bytes') binary.add(i);
    return `${selectExpression(m)} AS c${i}`;
  });
  return {
    sql: `SELECT ${list.join(', ')} FROM ${quoteMysql(table.schema)}.${quoteMysql(table.name)}${rest ? ' ' + rest : ''}`,
    binary,
  };
}

/**
 * The WHERE clause of a stream's source query: the stream's filter (`where:` in ferry.yaml) and the
 * query's own condition (`where`: '' or "WHERE ..."), both met. The filter is the user's SQL,
 * parenthesised so that its ORs stay inside it.
 */
export function filterClause(filter: string | undefined, where: string): string {
  if (!filter) return where;
  const own = where.replace(/^\s*WHERE\s+/i, '');
  return own ? `WHERE (${filter}) AND (${own})` : `WHERE (${filter})`;
}
