// The models' source tables inside Spark, read from PostgreSQL (the replicated tables, or the
// staging copy of a MySQL snapshot): each becomes a temporary view read over JDBC, spread over read
// partitions by its integer primary key when it is big.
import { type PgClient } from '../../../connectors/postgres/connect.js';
import { partitionedRead, type Partitioning } from '../../../spark/jdbc-tables.js';
import { jdbcReadOptions, postgresJdbc } from '../../../spark/jdbc.js';
import { createOrReplaceTempView } from '../../../spark/plan/commands.js';
import { readSource } from '../../../spark/plan/relations.js';
import type { SparkSession } from '../../../spark/session.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { qualifiedPg, quotePg } from '../../../schema/identifiers.js';
import { postgresCustomSchema } from './source-types.js';

/** Read partitions for a table of `rows` rows: one per `rowsPerPartition`, at least 1, at most `max`. */
export function readPartitions(rows: number, rowsPerPartition: number, max = 64): number {
  return Math.max(1, Math.min(max, Math.ceil(rows / rowsPerPartition)));
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
/** Spark reads the bounds as 64-bit integers; rows beyond them still land in the edge partitions. */
export const clamp = (v: bigint) => (v < LONG_MIN ? LONG_MIN : v > LONG_MAX ? LONG_MAX : v);

/**
 * How to split a table's read: by its single-column integer primary key (a BIGINT UNSIGNED key is
 * numeric(20,0) in PostgreSQL), when it has more rows than one partition holds.
 */
export async function planPartitioning(
  pg: PgClient,
  schema: string,
  table: string,
  rowsPerPartition: number,
): Promise<Partitioning | undefined> {
  const relation = qualifiedPg(schema, table);
  const { rows: keys } = await pg.query<{ name: string; estimate: string }>(
    // The planner's estimate: rows per page from the last ANALYZE times the table's pages now.
    `SELECT a.attname AS name,
            CASE WHEN c.relpages > 0 AND c.reltuples >= 0
                 THEN (c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint::text
                 ELSE '-1' END AS estimate
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = $1::regclass AND i.indisprimary AND i.indnkeyatts = 1
        AND (a.atttypid IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
             OR format_type(a.atttypid, a.atttypmod) ~ '^numeric\\(\\d+,0\\)$')`,
    [relation],
  );
  const key = keys[0];
  if (!key) return undefined;
  // A table never analyzed (or analyzed while empty) has no estimate; a count is then the honest one.
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
  return { column: key.name, lowerBound: clamp(BigInt(lo)), upperBound: clamp(BigInt(hi)), partitions };
}

/** The columns of schema.table with their types as format_type() spells them. */
async function columnTypes(pg: PgClient, relation: string): Promise<{ name: string; pgType: string }[]> {
  const { rows } = await pg.query<{ name: string; pgType: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS "pgType" FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [relation],
  );
  return rows;
}

/**
 * Registers `view` as a JDBC read of schema.table. Timestamps without time zone are read as
 * TIMESTAMP_NTZ, so wall-clock values stay wall-clock values and timestamptz stays an instant;
 * numerics wider than Spark's 38 digits and bit strings are read as their text (source-types.ts).
 */
export async function registerSourceView(
  session: SparkSession,
  target: ConnectionSpec,
  view: string,
  schema: string,
  table: string,
  partitioning: Partitioning | undefined,
  signal: AbortSignal,
  customSchema = '',
): Promise<void> {
  const options = jdbcReadOptions(
    postgresJdbc(target),
    partitionedRead(qualifiedPg(schema, table), partitioning),
  );
  options.preferTimestampNTZ = 'true';
  if (customSchema) options.customSchema = customSchema;
  await session.run(createOrReplaceTempView(readSource({ format: 'jdbc', options }), view), { signal });
}

/** A PostgreSQL table as a Spark view: its read partitions planned, its column types pinned. Returns the partitions. */
export async function registerPostgresSource(
  session: SparkSession,
  pg: PgClient,
  target: ConnectionSpec,
  read: { view: string; schema: string; table: string; rowsPerPartition: number },
  signal: AbortSignal,
): Promise<number> {
  const partitioning = await planPartitioning(pg, read.schema, read.table, read.rowsPerPartition);
  const custom = postgresCustomSchema(await columnTypes(pg, qualifiedPg(read.schema, read.table)));
  await registerSourceView(session, target, read.view, read.schema, read.table, partitioning, signal, custom);
  return partitioning?.partitions ?? 1;
}
