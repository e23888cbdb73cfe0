// The Spark copier: one MySQL/MariaDB table into a PostgreSQL table as a Spark job, a JDBC read
// spread over executors by primary-key ranges and a JDBC write. ferry creates the table it fills
// with its own type mapping (Spark never guesses a type). fillWithSpark() is the copier role the
// sync lifecycle uses (it fills a staging table that publish.ts puts in place); copyTableWithSpark()
// is the library form for one table: it swaps a staging table in (overwrite) or appends.
import { inTransaction } from '../connectors/postgres/transaction.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import type { SourceTable } from '../schema/source-table.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { createTableSql, tableExists } from '../connectors/postgres/ddl.js';
import { swapTable } from '../connectors/postgres/swap.js';
import { targetIndexes } from '../schema/index-mapping.js';
import { SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { mapColumn, targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
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

export interface SparkFill {
  session: SparkSession;
  source: ConnectionSpec;
  target: ConnectionSpec;
  table: SourceTable;
  mappings: readonly ColumnMapping[];
  /** The existing PostgreSQL table to fill (its columns include the mapped ones). */
  into: { schema: string; table: string };
  partitions?: number | undefined;
  rowsPerPartition?: number | undefined;
  writeConnections?: number | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface SparkFillResult {
  partitions: number;
  partitionColumn: string | undefined;
  bounds: readonly [string, string] | undefined;
  /** COUNT(*) of the source when the copy started. */
  sourceRows: number;
}

/** Reads the table's size and key range from MySQL. */
async function measureSource(
  spec: ConnectionSpec,
  table: SourceTable,
): Promise<{ sourceRows: number; bounds: readonly [string, string] | undefined }> {
  const mysql = await connectMysql(spec);
  try {
    const key =
      table.primaryKey.length === 1 ? table.columns.find((c) => c.name === table.primaryKey[0]) : undefined;
    const from = `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;
    const [countRows] = await mysql.query(`SELECT COUNT(*) AS n FROM ${from}`);
    const sourceRows = Number((countRows as { n: number | string }[])[0]!.n);
    if (!key || !INTEGER_TYPES.has(key.dataType)) return { sourceRows, bounds: undefined };
    const q = quoteMysql(key.name);
    const [rows] = await mysql.query(
      `SELECT CAST(MIN(${q}) AS CHAR) AS lo, CAST(MAX(${q}) AS CHAR) AS hi FROM ${from}`,
    );
    const { lo, hi } = (rows as { lo: string | null; hi: string | null }[])[0]!;
    return { sourceRows, bounds: lo !== null && hi !== null ? [lo, hi] : undefined };
  } finally {
    await mysql.end().catch(() => undefined);
  }
}

/** Runs the Spark job that appends the table's rows to `into`. */
export async function fillWithSpark(options: SparkFill): Promise<SparkFillResult> {
  const { table } = options;
  const { sourceRows, bounds } = await measureSource(options.source, table);
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
  const read = sparkSourceRead(
    options.source,
    table,
    options.mappings,
    bounds && partitionColumn
      ? { key: partitionColumn, lower: BigInt(bounds[0]), upper: BigInt(bounds[1]), partitions }
      : undefined,
  );
  const writeOptions = jdbcWriteOptions(
    postgresJdbc(options.target),
    qualifiedPg(options.into.schema, options.into.table),
    options.writeConnections ?? Math.min(partitions, 8),
  );
  options.logger?.info(
    {
      table: table.name,
      into: `${options.into.schema}.${options.into.table}`,
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
  return { partitions, partitionColumn, bounds, sourceRows };
}

/** One table copied by Spark, outside a sync run (no state recorded): overwrite swaps a staging table in, append adds. */
export async function copyTableWithSpark(options: SparkCopyOptions): Promise<SparkCopyResult> {
  const started = Date.now();
  const targetTable = options.targetTable ?? options.table;
  const mysql = await connectMysql(options.source);
  let table: SourceTable;
  try {
    const [found] = await introspectTables(mysql, options.source.database, [options.table]);
    if (!found) {
      throw new SchemaError(`table ${options.source.database}.${options.table} not found in the source`, {
        hint: 'check the table name (names are case-sensitive on most servers)',
      });
    }
    table = found;
  } finally {
    await mysql.end().catch(() => undefined);
  }
  const wanted = options.columns ? new Set([...options.columns, ...table.primaryKey]) : undefined;
  const mappings = table.columns
    .filter((c) => !wanted || wanted.has(c.name))
    .map((c) => mapColumn(c, table.name));

  const pg = await connectPostgres(options.target);
  const schema = options.targetSchema;
  const finalName = qualifiedPg(schema, targetTable);
  const loadName = options.mode === 'overwrite' ? sparkStagingName(targetTable) : targetTable;
  const columns = mappings.map((m) => ({ name: m.targetName, pgType: m.pgType }));
  try {
    await pg.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
    if (options.mode === 'overwrite') {
      await pg.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, loadName)}`);
      await pg.query(createTableSql(schema, loadName, columns, []));
    } else if (!(await tableExists(pg, schema, targetTable))) {
      await pg.query(
        createTableSql(
          schema,
          targetTable,
          columns,
          table.primaryKey.map((k) => targetNameOf(mappings, k)),
        ),
      );
    }
    const filled = await fillWithSpark({
      session: options.session,
      source: options.source,
      target: options.target,
      table,
      mappings,
      into: { schema, table: loadName },
      partitions: options.partitions,
      rowsPerPartition: options.rowsPerPartition,
      writeConnections: options.writeConnections,
      logger: options.logger,
      signal: options.signal,
    });
    if (options.mode === 'overwrite') {
      const names = new Set(mappings.map((m) => m.column.name));
      const indexes = targetIndexes(table.indexes, mappings);
      for (const notice of indexes.notices) options.logger?.warn({ table: table.name }, notice);
      const swapped = await inTransaction(pg, () =>
        swapTable(pg, {
          schema,
          table: targetTable,
          staging: loadName,
          primaryKey: table.primaryKey.filter((k) => names.has(k)).map((k) => targetNameOf(mappings, k)),
          indexes: indexes.indexes,
          keepChangedColumns: true,
          replaceView: false,
          refuse: (why) => new SchemaError(why),
        }),
      );
      for (const notice of swapped.notices) options.logger?.warn({ table: table.name }, notice);
    }
    const { rows } = await pg.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${finalName}`);
    return {
      table: table.name,
      target: `${schema}.${targetTable}`,
      ...filled,
      targetRows: Number(rows[0]!.n),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    if (options.mode === 'overwrite')
      await pg.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, loadName)}`).catch(() => undefined);
    throw error;
  } finally {
    await pg.end().catch(() => undefined);
  }
}
