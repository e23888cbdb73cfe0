// Copies one MySQL/MariaDB table into PostgreSQL as a Spark job: a JDBC read spread over executors
// by primary-key ranges, and a JDBC write. ferry creates the target table first with its own type
// mapping (Spark never guesses a type), loads a staging table, and swaps it in within one
// transaction, so readers see the old rows or the new ones and a failure leaves the table intact.
import { inTransaction } from '../connectors/postgres/transaction.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import type { SourceTable } from '../schema/source-table.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { createTableSql, tableExists } from '../connectors/postgres/ddl.js';
import { SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { mapColumn, type ColumnMapping } from '../schema/type-mapping.js';
import { jdbcReadOptions, jdbcWriteOptions, mysqlJdbc, postgresJdbc } from '../spark/jdbc.js';
import { write } from '../spark/plan/commands.js';
import { drop, readSource } from '../spark/plan/relations.js';
import type { RelationNode } from '../spark/plan/nodes.js';
import type { SparkSession } from '../spark/session.js';
import { sparkSelectList } from '../schema/spark-select-list.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { qualifiedPg, quoteMysql, quotePg, sparkStagingName } from '../schema/identifiers.js';

export interface SparkCopyOptions {
  session: SparkSession;
  source: ConnectionSpec;
  target: ConnectionSpec;
  table: string;
  targetSchema: string;
  /** Target table name; the source name by default. */
  targetTable?: string;
  /** Only these columns (the primary key is always included); all by default. */
  columns?: readonly string[];
  /** overwrite: replace the table's rows atomically; append: add to them. */
  mode: 'overwrite' | 'append';
  /** Read partitions (executor tasks); by default one per `rowsPerPartition` estimated rows. */
  partitions?: number;
  rowsPerPartition?: number;
  /** Parallel JDBC connections writing into PostgreSQL (default: the read partitions, at most 8). */
  writeConnections?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface SparkCopyResult {
  table: string;
  target: string;
  partitions: number;
  partitionColumn: string | undefined;
  bounds: readonly [string, string] | undefined;
  /** COUNT(*) of the source when the copy started, and of the target table when it ended. */
  sourceRows: number;
  targetRows: number;
  seconds: number;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint']);

/** The column Spark partitions by: the key as a signed 64-bit integer, dropped again after the read. */
const PARTITION_COLUMN = '_ferry_part';
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * The read: a JDBC query whose SELECT list hands over exact values (see source-select.ts), spread
 * over partitions by the integer key. The key is also selected as a signed integer under its own
 * name, since Spark partitions only by numbers and a BIGINT UNSIGNED key travels as text.
 */
export function sparkSourceRead(
  sourceSpec: ConnectionSpec,
  table: SourceTable,
  mappings: readonly ColumnMapping[],
  partitioning?: { key: string; lower: bigint; upper: bigint; partitions: number },
): RelationNode {
  const from = `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;
  const partitionSelect = partitioning
    ? `, CAST(${quoteMysql(partitioning.key)} AS SIGNED) AS ${quoteMysql(PARTITION_COLUMN)}`
    : '';
  const dbtable = `(SELECT ${sparkSelectList(mappings)}${partitionSelect} FROM ${from}) AS ${quoteMysql('_ferry_src')}`;
  const clamp = (v: bigint) => (v < LONG_MIN ? LONG_MIN : v > LONG_MAX ? LONG_MAX : v);
  const options = jdbcReadOptions(mysqlJdbc(sourceSpec), {
    dbtable,
    ...(partitioning
      ? {
          partitionColumn: PARTITION_COLUMN,
          lowerBound: clamp(partitioning.lower),
          upperBound: clamp(partitioning.upper),
          numPartitions: partitioning.partitions,
        }
      : {}),
  });
  const read = readSource({ format: 'jdbc', options });
  return partitioning ? drop(read, [PARTITION_COLUMN]) : read;
}

export async function copyTableWithSpark(options: SparkCopyOptions): Promise<SparkCopyResult> {
  const started = Date.now();
  const targetTable = options.targetTable ?? options.table;
  const mysql = await connectMysql(options.source);
  let table: SourceTable;
  let bounds: readonly [string, string] | undefined;
  let sourceRows: number;
  try {
    const [found] = await introspectTables(mysql, options.source.database, [options.table]);
    if (!found) {
      throw new SchemaError(`table ${options.source.database}.${options.table} not found in the source`, {
        hint: 'check the table name (names are case-sensitive on most servers)',
      });
    }
    table = found;
    const key =
      table.primaryKey.length === 1 ? table.columns.find((c) => c.name === table.primaryKey[0]) : undefined;
    const from = `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;
    const [countRows] = await mysql.query(`SELECT COUNT(*) AS n FROM ${from}`);
    sourceRows = Number((countRows as { n: number | string }[])[0]!.n);
    if (key && INTEGER_TYPES.has(key.dataType)) {
      const q = quoteMysql(key.name);
      const [rows] = await mysql.query(
        `SELECT CAST(MIN(${q}) AS CHAR) AS lo, CAST(MAX(${q}) AS CHAR) AS hi FROM ${from}`,
      );
      const { lo, hi } = (rows as { lo: string | null; hi: string | null }[])[0]!;
      if (lo !== null && hi !== null) bounds = [lo, hi];
    }
  } finally {
    await mysql.end().catch(() => undefined);
  }

  const wanted = options.columns ? new Set([...options.columns, ...table.primaryKey]) : undefined;
  const mappings = table.columns
    .filter((c) => !wanted || wanted.has(c.name))
    .map((c) => mapColumn(c, table.name));
  const partitionColumn = bounds ? table.primaryKey[0] : undefined;
  const estimated =
    options.partitions ??
    Math.ceil(Math.max(sourceRows, table.estimatedRows) / (options.rowsPerPartition ?? 250_000));
  const partitions = bounds ? Math.max(1, Math.min(estimated, 512)) : 1;
  if (!bounds) {
    options.logger?.warn(
      { table: table.name },
      'no single-column integer primary key: Spark reads this table in one partition',
    );
  }

  const pg = await connectPostgres(options.target);
  const finalName = qualifiedPg(options.targetSchema, targetTable);
  const loadName = options.mode === 'overwrite' ? sparkStagingName(targetTable) : targetTable;
  const columns = mappings.map((m) => ({ name: m.column.name, pgType: m.pgType }));
  try {
    await pg.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(options.targetSchema)}`);
    if (options.mode === 'overwrite') {
      await pg.query(`DROP TABLE IF EXISTS ${qualifiedPg(options.targetSchema, loadName)}`);
      await pg.query(createTableSql(options.targetSchema, loadName, columns, table.primaryKey));
    } else if (!(await tableExists(pg, options.targetSchema, targetTable))) {
      await pg.query(createTableSql(options.targetSchema, targetTable, columns, table.primaryKey));
    }

    const read = sparkSourceRead(
      options.source,
      table,
      mappings,
      bounds && partitionColumn
        ? { key: partitionColumn, lower: BigInt(bounds[0]), upper: BigInt(bounds[1]), partitions }
        : undefined,
    );
    const writeOptions = jdbcWriteOptions(
      postgresJdbc(options.target),
      qualifiedPg(options.targetSchema, loadName),
      options.writeConnections ?? Math.min(partitions, 8),
    );
    options.logger?.info(
      {
        table: table.name,
        target: `${options.targetSchema}.${targetTable}`,
        partitions,
        partitionColumn,
        bounds,
      },
      'copying with Spark',
    );
    await options.session.run(write(read, { format: 'jdbc', mode: 'append', options: writeOptions }), {
      ...(options.signal ? { signal: options.signal } : {}),
      tags: ['ferry-copy'],
    });

    if (options.mode === 'overwrite') {
      await inTransaction(pg, async () => {
        await pg.query(`DROP TABLE IF EXISTS ${finalName}`);
        await pg.query(
          `ALTER TABLE ${qualifiedPg(options.targetSchema, loadName)} RENAME TO ${quotePg(targetTable)}`,
        );
      });
    }
    const { rows } = await pg.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${finalName}`);
    return {
      table: table.name,
      target: `${options.targetSchema}.${targetTable}`,
      partitions,
      partitionColumn,
      bounds,
      sourceRows,
      targetRows: Number(rows[0]!.n),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    if (options.mode === 'overwrite') {
      await pg
        .query(`DROP TABLE IF EXISTS ${qualifiedPg(options.targetSchema, loadName)}`)
        .catch(() => undefined);
    }
    throw error;
  } finally {
    await pg.end().catch(() => undefined);
  }
}
