// The models' source tables inside Spark: each replicated table in PostgreSQL becomes a temporary
// view read over JDBC, spread over read partitions by its integer primary key when it is big.
import type { ConnectionSpec } from '../../../config/connection.js';
import { qualifiedPg, quotePg, type PgClient } from '../../../connectors/postgres/connect.js';
import type { Partitioning } from '../../../spark/jdbc-tables.js';
import { jdbcReadOptions, postgresJdbc } from '../../../spark/jdbc.js';
import { createOrReplaceTempView } from '../../../spark/plan/commands.js';
import { readSource } from '../../../spark/plan/relations.js';
import type { SparkSession } from '../../../spark/session.js';

/** Read partitions for a table of `rows` rows: one per `rowsPerPartition`, at least 1, at most `max`. */
export function readPartitions(rows: number, rowsPerPartition: number, max = 64): number {
  return Math.max(1, Math.min(max, Math.ceil(rows / rowsPerPartition)));
}

/** How to split a table's read: by its single-column integer primary key, when it has enough rows. */
export async function planPartitioning(
  pg: PgClient,
  schema: string,
  table: string,
  rowsPerPartition: number,
): Promise<Partitioning | undefined> {
  const relation = qualifiedPg(schema, table);
  const { rows: keys } = await pg.query<{ name: string; estimate: string }>(
    `SELECT a.attname AS name, c.reltuples::bigint::text AS estimate
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = $1::regclass AND i.indisprimary AND i.indnkeyatts = 1
        AND a.atttypid IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)`,
    [relation],
  );
  const key = keys[0];
  if (!key) return undefined;
  // reltuples is -1 until the table was analyzed; a count is then the only honest estimate.
  let rows = Number(key.estimate);
  if (rows < 0) {
    const { rows: counted } = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${relation}`);
    rows = Number(counted[0]?.n ?? 0);
  }
  const partitions = readPartitions(rows, rowsPerPartition);
  if (partitions < 2) return undefined;
  const { rows: bounds } = await pg.query<{ lo: string | null; hi: string | null }>(
    `SELECT min(${quotePg(key.name)})::text AS lo, max(${quotePg(key.name)})::text AS hi FROM ${relation}`,
  );
  const { lo, hi } = bounds[0] ?? { lo: null, hi: null };
  if (lo === null || hi === null || lo === hi) return undefined;
  return { column: key.name, lowerBound: BigInt(lo), upperBound: BigInt(hi), partitions };
}

/**
 * Registers `view` as a JDBC read of schema.table. Timestamps without time zone are read as
 * TIMESTAMP_NTZ, so wall-clock values stay wall-clock values and timestamptz stays an instant.
 */
export async function registerSourceView(
  session: SparkSession,
  target: ConnectionSpec,
  view: string,
  schema: string,
  table: string,
  partitioning: Partitioning | undefined,
  signal: AbortSignal,
): Promise<void> {
  const options = jdbcReadOptions(postgresJdbc(target), {
    dbtable: qualifiedPg(schema, table),
    ...(partitioning
      ? {
          partitionColumn: partitioning.column,
          lowerBound: partitioning.lowerBound,
          upperBound: partitioning.upperBound,
          numPartitions: partitioning.partitions,
        }
      : {}),
  });
  options.preferTimestampNTZ = 'true';
  await session.run(createOrReplaceTempView(readSource({ format: 'jdbc', options }), view), { signal });
}
