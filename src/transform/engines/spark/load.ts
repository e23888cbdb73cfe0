// The L of the Spark engine: a Spark query written into a new PostgreSQL table through the JDBC
// writer. ferry creates the table first with types derived from the Spark schema (types.ts), and
// the writer only appends, so PostgreSQL holds the same types the other engines produce.
import { type PgClient } from '../../../connectors/postgres/connect.js';
import type { SparkField } from '../../../spark/data-type.js';
import { writePostgresTable } from '../../../spark/jdbc-tables.js';
import { sql } from '../../../spark/plan/relations.js';
import type { SparkSession } from '../../../spark/session.js';
import { pgTypeOf } from './spark-result-types.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { qualifiedPg, quotePg } from '../../../schema/identifiers.js';

export interface WriteTarget {
  pg: PgClient;
  spec: ConnectionSpec;
  schema: string;
  table: string;
}

/** The columns of a Spark SQL query (Spark analyzes it; nothing runs). */
export function describeSpark(
  session: SparkSession,
  query: string,
  signal: AbortSignal,
): Promise<SparkField[]> {
  return session.schema(sql(query), signal);
}

/** Creates target.table with the query's columns and writes the query's rows into it; returns the rows. */
export async function writeQueryInto(
  session: SparkSession,
  query: string,
  target: WriteTarget,
  options: { model: string; connections: number; signal: AbortSignal },
): Promise<number> {
  const fields = await describeSpark(session, query, options.signal);
  const columns = fields.map((f) => `${quotePg(f.name)} ${pgTypeOf(f, options.model)}`);
  const relation = qualifiedPg(target.schema, target.table);
  await target.pg.query(`CREATE TABLE ${relation} (${columns.join(', ')})`);
  await session.run(
    writePostgresTable(sql(query), target.spec, target.schema, target.table, {
      mode: 'append',
      connections: options.connections,
    }),
    { signal: options.signal },
  );
  const { rows } = await target.pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${relation}`);
  return Number(rows[0]?.n ?? 0);
}
