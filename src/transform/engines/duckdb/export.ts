// The L of the ETL path: streams a DuckDB relation into a PostgreSQL table with COPY.
import type { DuckDBConnection } from '@duckdb/node-api';
import { type PgClient } from '../../../connectors/postgres/connect.js';
import { copyInto } from '../../../connectors/postgres/copy-into.js';
import { copyLineSql, pgColumn, type PgColumn } from './duckdb-types.js';
import { qualifiedPg, quotePg } from '../../../schema/identifiers.js';

/** The columns of a DuckDB query, as PostgreSQL columns. */
export async function describeQuery(duck: DuckDBConnection, sql: string, model: string): Promise<PgColumn[]> {
  const reader = await duck.runAndReadAll(`DESCRIBE ${sql}`);
  return reader
    .getRowObjectsJS()
    .map((r) => pgColumn(r.column_name as string, r.column_type as string, model));
}

/** Creates `table` (unlogged staging or temp) with the columns and copies the query's rows into it. */
export async function copyQueryInto(
  duck: DuckDBConnection,
  sql: string,
  columns: readonly PgColumn[],
  pg: PgClient,
  target: { schema: string | null; table: string },
  batchRows: number,
  signal: AbortSignal,
): Promise<number> {
  const relation = target.schema ? qualifiedPg(target.schema, target.table) : quotePg(target.table);
  const defs = columns.map((c) => `${quotePg(c.name)} ${c.pgType}`).join(', ');
  await pg.query(
    target.schema ? `CREATE TABLE ${relation} (${defs})` : `CREATE TEMP TABLE ${relation} (${defs})`,
  );
  // DuckDB prints and escapes every field (vectorised, on all cores); JavaScript only joins lines.
  const result = await duck.stream(`SELECT ${copyLineSql(columns)} AS line FROM (${sql}) AS r`);
  let rows = 0;
  async function* batches(): AsyncGenerator<string> {
    let lines: string[] = [];
    for await (const chunk of result.yieldRows()) {
      for (const values of chunk) lines.push(values[0] as string);
      rows += chunk.length;
      if (lines.length >= batchRows) {
        yield lines.join('\n') + '\n';
        lines = [];
      }
    }
    if (lines.length > 0) yield lines.join('\n') + '\n';
  }
  await copyInto(
    pg,
    target.schema ?? 'pg_temp',
    target.table,
    columns.map((c) => c.name),
    batches(),
    signal,
  );
  return rows;
}
