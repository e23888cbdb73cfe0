// Reads and writes of whole database tables as Spark plan nodes: what an engine needs to run a
// transformation on Spark over the replicated tables (PostgreSQL) or the source itself (MySQL),
// and to write its result back into PostgreSQL.
import {
  jdbcReadOptions,
  jdbcWriteOptions,
  mysqlJdbc,
  postgresJdbc,
  type JdbcEndpoint,
  type PartitionedRead,
} from './jdbc.js';
import { write, type WriteMode } from './plan/commands.js';
import type { CommandNode, RelationNode } from './plan/nodes.js';
import { readSource } from './plan/relations.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { quoteMysql, qualifiedPg } from '../schema/identifiers.js';

export interface Partitioning {
  /** An integer, date or timestamp column of the table. */
  column: string;
  lowerBound: bigint | number | string;
  upperBound: bigint | number | string;
  partitions: number;
}

/** The JDBC read of a table, spread over partitions when a partitioning is given. */
export function partitionedRead(dbtable: string, partitioning?: Partitioning): PartitionedRead {
  return {
    dbtable,
    ...(partitioning
      ? {
          partitionColumn: partitioning.column,
          lowerBound: partitioning.lowerBound,
          upperBound: partitioning.upperBound,
          numPartitions: partitioning.partitions,
        }
      : {}),
  };
}

function readTable(endpoint: JdbcEndpoint, dbtable: string, partitioning?: Partitioning): RelationNode {
  return readSource({
    format: 'jdbc',
    options: jdbcReadOptions(endpoint, partitionedRead(dbtable, partitioning)),
  });
}

/** A MySQL/MariaDB table of the connection's database, optionally spread over partitions. */
export function readMysqlTable(
  spec: ConnectionSpec,
  table: string,
  partitioning?: Partitioning,
): RelationNode {
  return readTable(mysqlJdbc(spec), `${quoteMysql(spec.database)}.${quoteMysql(table)}`, partitioning);
}

/** A PostgreSQL table (a replicated one, or a model's result), optionally spread over partitions. */
export function readPostgresTable(
  spec: ConnectionSpec,
  schema: string,
  table: string,
  partitioning?: Partitioning,
): RelationNode {
  return readTable(postgresJdbc(spec), qualifiedPg(schema, table), partitioning);
}

export interface PostgresWrite {
  mode: WriteMode;
  /**
   * overwrite only: empty the existing table (TRUNCATE) instead of letting Spark drop and recreate
   * it with types of its own choosing. True by default, so the table keeps ferry's DDL.
   */
  truncate?: boolean;
  /** Parallel connections writing (Spark coalesces to this many partitions). */
  connections?: number;
}

/** Writes a relation into a PostgreSQL table. */
export function writePostgresTable(
  input: RelationNode,
  spec: ConnectionSpec,
  schema: string,
  table: string,
  options: PostgresWrite,
): CommandNode {
  const writeOptions = jdbcWriteOptions(postgresJdbc(spec), qualifiedPg(schema, table), options.connections);
  if (options.mode === 'overwrite' && options.truncate !== false) writeOptions.truncate = 'true';
  return write(input, { format: 'jdbc', mode: options.mode, options: writeOptions });
}
