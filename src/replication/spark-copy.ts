// The Spark copier's job: one MySQL/MariaDB table (or the rows of an incremental range) into a
// staging table ferry created with its own type mapping (Spark never picks a type), as a Spark job.
// The read is a JDBC query spread over executors by ranges of the integer primary key itself, so
// MySQL reads each range through the key. The query NULLs every value a policy must judge and marks
// the rows that ferry must read again and judge itself (spark-recheck.ts): values PostgreSQL cannot
// hold never reach it. The write is COPY text files that ferry loads with COPY (spark.write: copy,
// spark-exchange.ts) or Spark's JDBC writer (spark.write: jdbc).
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { Logger } from '../observability/logger.js';
import { mysqlRowChecks } from '../quality/mysql-row-checks.js';
import { qualifiedPg, quoteMysql, RECHECK_COLUMN } from '../schema/identifiers.js';
import { valueConditionsByColumn } from '../schema/mysql-value-checks.js';
import type { SourceTable } from '../schema/source-table.js';
import {
  COPY_NULL_FIELD,
  copyField,
  copyLine,
  copyTextField,
  sourceExpression,
  sparkColumnSelect,
} from '../schema/spark-select-list.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import {
  clampToLong,
  fetchSize,
  jdbcReadOptions,
  jdbcWriteOptions,
  mysqlJdbc,
  postgresJdbc,
} from '../spark/jdbc.js';
import { write } from '../spark/plan/commands.js';
import type { RelationNode } from '../spark/plan/nodes.js';
import { drop, readSource } from '../spark/plan/relations.js';
import type { SparkSession } from '../spark/session.js';
import { chunkColumn } from './chunks.js';
import { writeThroughExchange } from './spark-exchange.js';
import type { CheckRule } from '../quality/check-rules.js';

export type SparkWrite = 'copy' | 'jdbc';

/** The column Spark partitions by: the integer key itself, selected again and dropped after the read. */
const PARTITION_COLUMN = '_ferry_part';
/** At most this many read partitions (Spark tasks, MySQL connections over the copy). */
const MAX_PARTITIONS = 512;

const asText = (expr: string) => `CAST(${expr} AS CHAR CHARACTER SET utf8mb4)`;

/** What one Spark read of a table is, decided before the job from one look at MySQL. */
export interface SparkReadPlan {
  table: SourceTable;
  mappings: readonly ColumnMapping[];
  /** A MySQL condition on the rows to read (an incremental range, literal values), or none: all rows. */
  where: string | undefined;
  /** Rows matching `where` when the plan was made, or information_schema's estimate for a large table. */
  rows: number;
  partitioning: { column: string; lower: bigint; upper: bigint; partitions: number } | undefined;
  fetchSize: number;
  /** Per column, when its value is NULLed in the read (a value policy must judge it). */
  nulled: Map<string, string>;
  /** The rows ferry must read again and judge: any value or row check that may fail; undefined when none can. */
  recheck: string | undefined;
}

export interface ReadPlanOptions {
  where?: string | undefined;
  checks: readonly CheckRule[];
  streamName: string;
  rowsPerPartition: number;
}

/** Counts the rows to read, the key's range and the row length, and compiles the checks into the query. */
export async function planSparkRead(
  mysql: MysqlConnection,
  table: SourceTable,
  mappings: readonly ColumnMapping[],
  options: ReadPlanOptions,
): Promise<SparkReadPlan> {
  const from = `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;
  const where = options.where ? ` WHERE ${options.where}` : '';
  const key = chunkColumn(table);
  const range = key
    ? `, CAST(MIN(${quoteMysql(key)}) AS CHAR) AS lo, CAST(MAX(${quoteMysql(key)}) AS CHAR) AS hi`
    : '';
  // information_schema's estimate will do for a large table; it lags behind a fresh bulk load, so
  // a table it calls small, and a range of changed rows, are counted.
  const count = options.where !== undefined || table.estimatedRows < 2 * options.rowsPerPartition;
  const [counted] = await mysql.query(
    `SELECT ${count ? 'COUNT(*)' : 'NULL'} AS n${range} FROM ${from}${where}`,
  );
  const row = (counted as { n: number | string | null; lo?: string | null; hi?: string | null }[])[0]!;
  const rows = row.n === null ? table.estimatedRows : Number(row.n);
  const [lengths] = await mysql.query(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.schema, table.name],
  );
  const rowBytes = Number((lengths as { n: number | string | null }[])[0]?.n ?? 0);
  const partitions = Math.min(MAX_PARTITIONS, Math.ceil(rows / options.rowsPerPartition));
  const partitioning =
    key && row.lo && row.hi && row.lo !== row.hi && partitions > 1
      ? { column: key, lower: BigInt(row.lo), upper: BigInt(row.hi), partitions }
      : undefined;
  const nulled = valueConditionsByColumn(mappings);
  const checks = await mysqlRowChecks(options.streamName, options.checks, mappings, async (pattern) => {
    try {
      await mysql.query(`SELECT '' REGEXP ?`, [pattern]);
      return true;
    } catch {
      return false;
    }
  });
  const conditions = [...nulled.values(), ...checks];
  return {
    table,
    mappings,
    where: options.where,
    rows,
    partitioning,
    fetchSize: fetchSize(rowBytes),
    nulled,
    recheck: conditions.length > 0 ? conditions.map((c) => `(${c})`).join(' OR ') : undefined,
  };
}

/** The staging table's columns the read fills, in order: the mapped ones, then the recheck mark when there is one. */
export function stagingColumns(plan: SparkReadPlan): string[] {
  return [...plan.mappings.map((m) => m.targetName), ...(plan.recheck ? [RECHECK_COLUMN] : [])];
}

const INTEGER_KEY = /^(tiny|small|medium|big)?int$/;

/** The key of a row as ferry's reader prints it, as a JSON array: what the recheck column holds. */
function keyMark(plan: SparkReadPlan): string {
  const keys = plan.table.primaryKey.map((k) => plan.mappings.find((m) => m.column.name === k)!);
  // Integer keys need no JSON escaping, and JSON_QUOTE's long text result would slow every row.
  const element = (m: ColumnMapping) =>
    INTEGER_KEY.test(m.column.dataType)
      ? `'"', ${asText(quoteMysql(m.column.name))}, '"'`
      : `JSON_QUOTE(${asText(sourceExpression(m))})`;
  return keys.length === 0 ? "'[]'" : `CONCAT('[', ${keys.map(element).join(", ',', ")}, ']')`;
}

/**
 * The query MySQL runs, once per partition (Spark adds the key range around it). A marked row
 * carries only its mark (its values are read again by ferry), so each condition runs once a row.
 */
function readQuery(plan: SparkReadPlan, form: SparkWrite): string {
  const mark = plan.recheck ? keyMark(plan) : undefined;
  let select: string;
  if (form === 'copy') {
    const fields = plan.mappings.map((m) => copyField(m));
    const line = mark
      ? `CASE WHEN ${plan.recheck} THEN ${copyLine([...fields.map(() => COPY_NULL_FIELD), copyTextField(mark)])} ELSE ${copyLine([...fields, COPY_NULL_FIELD])} END`
      : copyLine(fields);
    select = `${line} AS ${quoteMysql('value')}`;
  } else {
    const columns = plan.mappings.map((m) => {
      const nulled = plan.nulled.get(m.column.name);
      const value = nulled
        ? `CASE WHEN ${nulled} THEN NULL ELSE ${sparkColumnSelect(m)} END`
        : sparkColumnSelect(m);
      return `${value} AS ${quoteMysql(m.targetName)}`;
    });
    if (mark) columns.push(`CASE WHEN ${plan.recheck} THEN ${mark} END AS ${quoteMysql(RECHECK_COLUMN)}`);
    select = columns.join(', ');
  }
  const part = plan.partitioning
    ? `, ${quoteMysql(plan.partitioning.column)} AS ${quoteMysql(PARTITION_COLUMN)}`
    : '';
  const from = `${quoteMysql(plan.table.schema)}.${quoteMysql(plan.table.name)}`;
  return `(SELECT ${select}${part} FROM ${from}${plan.where ? ` WHERE ${plan.where}` : ''}) AS ${quoteMysql('_ferry_src')}`;
}

/** The Spark read of the plan's rows, as COPY lines (one string column) or as columns. */
export function sparkSourceRead(source: ConnectionSpec, plan: SparkReadPlan, form: SparkWrite): RelationNode {
  const p = plan.partitioning;
  const options = jdbcReadOptions(mysqlJdbc(source), {
    dbtable: readQuery(plan, form),
    ...(p
      ? {
          partitionColumn: PARTITION_COLUMN,
          lowerBound: clampToLong(p.lower),
          upperBound: clampToLong(p.upper),
          numPartitions: p.partitions,
        }
      : {}),
  });
  options.fetchsize = String(plan.fetchSize);
  const read = readSource({ format: 'jdbc', options });
  return p ? drop(read, [PARTITION_COLUMN]) : read;
}

export interface SparkFill {
  session: SparkSession;
  source: ConnectionSpec;
  target: ConnectionSpec;
  plan: SparkReadPlan;
  /** The existing PostgreSQL table to fill (its columns include stagingColumns(plan)). */
  into: { schema: string; table: string };
  write: SparkWrite;
  /** spark.write: copy: the directory Spark writes its files to and ferry reads them from. */
  exchangeDir: string;
  /** COPY connections (copy) or Spark's JDBC write partitions (jdbc). */
  writeConnections: number;
  logger?: Logger | undefined;
  signal: AbortSignal;
}

export interface SparkFillResult {
  write: SparkWrite;
  partitions: number;
  partitionColumn: string | undefined;
  bounds: readonly [string, string] | undefined;
  /** Rows the job wrote into the staging table (copy: counted by COPY; jdbc: undefined, count the table). */
  rows: number | undefined;
  /** Of them, rows marked for a recheck (known without a look at the table: copy, or no check in the read). */
  marked: number | undefined;
  /** The Spark job, start to end. */
  jobSeconds: number;
  /** The job and the loads of its files (copy), start to end. */
  seconds: number;
}

/** Runs the Spark job that fills `into` with the plan's rows. */
export async function fillWithSpark(options: SparkFill): Promise<SparkFillResult> {
  const { plan } = options;
  const started = Date.now();
  const p = plan.partitioning;
  const described = {
    write: options.write,
    partitions: p?.partitions ?? 1,
    partitionColumn: p?.column,
    bounds: p ? ([String(p.lower), String(p.upper)] as const) : undefined,
  };
  options.logger?.info(
    {
      table: plan.table.name,
      into: `${options.into.schema}.${options.into.table}`,
      rows: plan.rows,
      ...described,
    },
    'copying with Spark',
  );
  if (options.write === 'copy') {
    const done = await writeThroughExchange({
      session: options.session,
      lines: sparkSourceRead(options.source, plan, 'copy'),
      exchangeDir: options.exchangeDir,
      target: options.target,
      into: { ...options.into, columns: stagingColumns(plan) },
      connections: options.writeConnections,
      countMarked: plan.recheck !== undefined,
      logger: options.logger,
      signal: options.signal,
    });
    return {
      ...described,
      rows: done.rows,
      marked: plan.recheck ? done.marked : 0,
      jobSeconds: done.jobSeconds,
      seconds: done.seconds,
    };
  }
  const writeOptions = jdbcWriteOptions(
    postgresJdbc(options.target),
    qualifiedPg(options.into.schema, options.into.table),
    options.writeConnections,
  );
  await options.session.run(
    write(sparkSourceRead(options.source, plan, 'jdbc'), {
      format: 'jdbc',
      mode: 'append',
      options: writeOptions,
    }),
    { signal: options.signal, tags: ['ferry-copy'] },
  );
  const seconds = (Date.now() - started) / 1000;
  return {
    ...described,
    rows: undefined,
    marked: plan.recheck ? undefined : 0,
    jobSeconds: seconds,
    seconds,
  };
}
