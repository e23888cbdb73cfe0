// The models' source tables read by Spark straight from MySQL (transform.spark.sources: mysql):
// one partitioned JDBC read per table whose query selects every column in a form Spark's MySQL
// type mapping cannot reinterpret and applies sync.zero_dates / sync.invalid_values; Spark casts
// the columns to the types the replicated tables have (source-types.ts) and caches the read.
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { connectMysql, type MysqlConnection } from '../../../connectors/mysql/connect.js';
import { DataError } from '../../../errors.js';
import type { Logger } from '../../../observability/logger.js';
import { chunkColumn } from '../../../replication/chunks.js';
import { DELETED_AT, SYNCED_AT, quoteMysql } from '../../../schema/identifiers.js';
import { valueChecks, type ValueCheck } from '../../../schema/mysql-value-checks.js';
import type { ValuePolicies } from '../../../schema/row-outcome.js';
import type { SourceTable } from '../../../schema/source-table.js';
import { mapColumn } from '../../../schema/type-mapping.js';
import { partitionedRead, type Partitioning } from '../../../spark/jdbc-tables.js';
import { fetchSize, jdbcReadOptions, mysqlJdbc } from '../../../spark/jdbc.js';
import { createOrReplaceTempView, sqlCommand } from '../../../spark/plan/commands.js';
import { as, sqlExpr } from '../../../spark/plan/expressions.js';
import { project, readSource } from '../../../spark/plan/relations.js';
import type { SparkSession } from '../../../spark/session.js';
import type { SourceRef } from '../../models/model.js';
import { sourceView } from './relations.js';
import { clamp, readPartitions } from './sources.js';
import { mysqlColumnRead } from './source-types.js';
import { sourceTables } from './source-tables.js';
import { sparkString } from './spark-dialect.js';

export interface MysqlSourcesOptions {
  session: SparkSession;
  source: ConnectionSpec;
  policies: ValuePolicies;
  rowsPerPartition: number;
  /** Every view ferry caches is added here at once, so the engine frees it even when the read fails. */
  cached: string[];
  logger: Logger;
  signal: AbortSignal;
}

export interface MysqlSourcesRead {
  tables: number;
  /** Rows the models see. */
  rows: number;
  /** Rows left out because sync would quarantine them. */
  skipped: number;
  warnings: string[];
}

/** The key Spark partitions by (the primary key itself, so MySQL reads each range by its index). */
const PARTITION_COLUMN = '_ferry_part';
/** 0, or the number of the most severe value check the row fails (see issueCase). */
const ISSUE_COLUMN = '_ferry_issue';
/** The cached, typed read of a table; the models' view filters it. */
const readView = (table: string) => `_ferry_read__${table}`;

interface TablePlan {
  table: SourceTable;
  partitioning: Partitioning | undefined;
  fetchSize: number;
  /** Checks in the order issue numbers are given: fail first, then quarantine, then null. */
  checks: ValueCheck[];
}

export async function registerMysqlSources(
  sources: readonly SourceRef[],
  options: MysqlSourcesOptions,
): Promise<MysqlSourcesRead> {
  const plans = await planTables(sources, options);
  const result: MysqlSourcesRead = { tables: plans.length, rows: 0, skipped: 0, warnings: [] };
  for (const plan of plans) await registerRead(plan, options);
  // Read every table now, all at once: the reads sit close together in time, and the counts tell
  // which rows the policies set aside before any model runs.
  const counts = await Promise.all(plans.map((plan) => countIssues(plan, options)));
  for (const [i, plan] of plans.entries()) {
    const perIssue = counts[i]!;
    for (const [issue, rows] of [...perIssue].sort(([a], [b]) => a - b)) {
      const check = issue === 0 ? undefined : plan.checks[issue - 1];
      const action = check ? options.policies[check.policy] : 'null';
      if (action === 'fail') throw await policyFailure(plan, issue, rows, options);
      if (action === 'quarantine') {
        result.skipped += rows;
        result.warnings.push(
          `${plan.table.name}: ${rows} row(s) left out, ${check!.column} holds ${check!.reason} (sync.${check!.policy}: quarantine); ferry sync would quarantine them, a transform cannot`,
        );
      } else {
        result.rows += rows;
        if (check)
          result.warnings.push(
            `${plan.table.name}: ${check.column} set to NULL in ${rows} row(s), it held ${check.reason} (sync.${check.policy}: null)`,
          );
      }
    }
  }
  const readAt = new Date().toISOString();
  for (const s of sources) {
    const plan = plans.find((p) => p.table.name === s.table)!;
    await options.session.run(
      sqlCommand(modelViewSql(sourceView(s.source, s.table), plan, readAt, options.policies)),
      {
        signal: options.signal,
      },
    );
  }
  const split = plans.filter((p) => p.partitioning);
  if (split.length > 0 || plans.length > 1)
    result.warnings.push(
      `not one consistent snapshot: ${
        split.length > 0
          ? `${split.map((p) => `${p.table.name} (${p.partitioning!.partitions} partitions)`).join(', ')} read over several MySQL connections, and `
          : ''
      }each table read at its own moment; transform.spark.sources: mysql_snapshot reads them from one snapshot`,
    );
  return result;
}

async function planTables(sources: readonly SourceRef[], options: MysqlSourcesOptions): Promise<TablePlan[]> {
  const tables = await sourceTables(sources, options.source);
  const mysql = await connectMysql(options.source);
  try {
    const plans: TablePlan[] = [];
    for (const table of tables) {
      const severity = (c: ValueCheck) => ['fail', 'quarantine', 'null'].indexOf(options.policies[c.policy]);
      const checks = valueChecks(table.columns.map((c) => mapColumn(c, table.name)));
      checks.sort((a, b) => severity(a) - severity(b));
      plans.push({
        table,
        checks,
        partitioning: await planPartitions(mysql, table, options.rowsPerPartition),
        fetchSize: fetchSize(await averageRowLength(mysql, table)),
      });
    }
    return plans;
  } finally {
    await mysql.end().catch(() => undefined);
  }
}

/** information_schema's average row length (InnoDB's estimate; 0 for an empty table). */
async function averageRowLength(mysql: MysqlConnection, table: SourceTable): Promise<number> {
  const [rows] = await mysql.query(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.schema, table.name],
  );
  return Number((rows as { n: number | string | null }[])[0]?.n ?? 0);
}

/** Key ranges for a table with a single integer primary key and more rows than one partition holds. */
async function planPartitions(
  mysql: MysqlConnection,
  table: SourceTable,
  rowsPerPartition: number,
): Promise<Partitioning | undefined> {
  const key = chunkColumn(table);
  if (!key) return undefined;
  // information_schema's estimate can lag behind a fresh bulk load: count when it looks small.
  const count = table.estimatedRows < 2 * rowsPerPartition;
  const q = quoteMysql(key);
  const [rows] = await mysql.query(
    `SELECT CAST(MIN(${q}) AS CHAR) AS lo, CAST(MAX(${q}) AS CHAR) AS hi${count ? ', COUNT(*) AS n' : ''} FROM ${quoteMysql(table.schema)}.${quoteMysql(table.name)}`,
  );
  const row = (rows as { lo: string | null; hi: string | null; n?: number | string }[])[0]!;
  if (row.lo === null || row.hi === null || row.lo === row.hi) return undefined;
  const partitions = readPartitions(count ? Number(row.n) : table.estimatedRows, rowsPerPartition);
  if (partitions < 2) return undefined;
  return {
    column: PARTITION_COLUMN,
    lowerBound: clamp(BigInt(row.lo)),
    upperBound: clamp(BigInt(row.hi)),
    partitions,
  };
}

/** CASE giving each row the number of the first (most severe) check it fails, 0 for none. */
function issueCase(checks: readonly ValueCheck[]): string {
  if (checks.length === 0) return '0';
  return `CASE ${checks.map((c, i) => `WHEN ${c.condition} THEN ${i + 1}`).join(' ')} ELSE 0 END`;
}

/** The query MySQL runs (per partition, with Spark's key range around it). */
function mysqlReadQuery(plan: TablePlan): string {
  const { table, checks, partitioning } = plan;
  const columns = table.columns.map((c) => {
    const read = mysqlColumnRead(mapColumn(c, table.name));
    const own = checks.filter((k) => k.column === c.name);
    // A value a policy judges is NULL here: NULL is the policy, or the row is left out or fails.
    const value =
      own.length === 0
        ? read.select
        : `CASE WHEN ${own.map((k) => k.condition).join(' OR ')} THEN NULL ELSE ${read.select} END`;
    return `${value} AS ${quoteMysql(c.name)}`;
  });
  columns.push(`${issueCase(checks)} AS ${quoteMysql(ISSUE_COLUMN)}`);
  if (partitioning) columns.push(`${quoteMysql(chunkColumn(table)!)} AS ${quoteMysql(PARTITION_COLUMN)}`);
  const from = `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;
  return `(SELECT ${columns.join(', ')} FROM ${from}) AS ${quoteMysql('_ferry_src')}`;
}

async function registerRead(plan: TablePlan, options: MysqlSourcesOptions): Promise<void> {
  const { table } = plan;
  const jdbc = jdbcReadOptions(
    mysqlJdbc(options.source),
    partitionedRead(mysqlReadQuery(plan), plan.partitioning),
  );
  jdbc.fetchsize = String(plan.fetchSize);
  const typed = table.columns.map((c) => {
    const read = mysqlColumnRead(mapColumn(c, table.name));
    return as(sqlExpr(read.toSpark(quoteMysql(c.name))), c.name);
  });
  const read = project(readSource({ format: 'jdbc', options: jdbc }), [
    ...typed,
    sqlExpr(quoteMysql(ISSUE_COLUMN)),
  ]);
  const view = quoteMysql(readView(table.name));
  await options.session.run(createOrReplaceTempView(read, readView(table.name)), { signal: options.signal });
  options.cached.push(readView(table.name));
  await options.session.run(sqlCommand(`CACHE LAZY TABLE ${view}`), { signal: options.signal });
  options.logger.debug(
    {
      table: table.name,
      partitions: plan.partitioning?.partitions ?? 1,
      fetchSize: plan.fetchSize,
      checks: plan.checks.length,
    },
    `registered ${table.name} from MySQL in Spark`,
  );
}

/** Reads the table into Spark's cache; rows per issue number. */
async function countIssues(plan: TablePlan, options: MysqlSourcesOptions): Promise<Map<number, number>> {
  const { rows } = await options.session.sql(
    `SELECT ${quoteMysql(ISSUE_COLUMN)} AS issue, count(*) AS n FROM ${quoteMysql(readView(plan.table.name))} GROUP BY 1`,
    { signal: options.signal },
  );
  return new Map(rows.map((r) => [Number(r.issue), Number(r.n)]));
}

async function policyFailure(
  plan: TablePlan,
  issue: number,
  rows: number,
  options: MysqlSourcesOptions,
): Promise<DataError> {
  const check = plan.checks[issue - 1]!;
  const key = plan.table.primaryKey;
  let examples = '';
  if (key.length > 0) {
    const { rows: found } = await options.session.sql(
      `SELECT ${key.map((k) => `CAST(${quoteMysql(k)} AS STRING) AS ${quoteMysql(k)}`).join(', ')} FROM ${quoteMysql(readView(plan.table.name))} WHERE ${quoteMysql(ISSUE_COLUMN)} = ${issue} LIMIT 3`,
      { signal: options.signal },
    );
    examples = `, e.g. ${found.map((r) => key.map((k) => `${k}=${r[k] as string}`).join(' ')).join('; ')}`;
  }
  return new DataError(`${plan.table.name}.${check.column}: ${check.reason} in ${rows} row(s)${examples}`, {
    hint: `set sync.${check.policy} to null or quarantine to read the other rows`,
  });
}

/**
 * The view the models read: the replicated table's columns and ferry's two columns (a direct read
 * sees live rows only: _ferry_deleted_at is NULL, _ferry_synced_at the time of the read), over the
 * rows the policies keep. A row that must fail was refused before (policyFailure); should Spark
 * read a partition again, raise_error keeps it from slipping through.
 */
function modelViewSql(
  view: string,
  plan: TablePlan,
  readAt: string,
  policies: MysqlSourcesOptions['policies'],
): string {
  const columns = plan.table.columns.map((c) => quoteMysql(c.name));
  const issue = quoteMysql(ISSUE_COLUMN);
  const numbers = (action: string) =>
    plan.checks.flatMap((c, i) => (policies[c.policy] === action ? [i + 1] : []));
  const kept = [0, ...numbers('null')];
  const failing = numbers('fail');
  const where =
    failing.length === 0
      ? `${issue} IN (${kept.join(', ')})`
      : `CASE WHEN ${issue} IN (${kept.join(', ')}) THEN TRUE WHEN ${issue} IN (${failing.join(', ')}) THEN raise_error(${sparkString(`${plan.table.name}: a row a value policy refuses appeared when Spark read the table again`)}) ELSE FALSE END`;
  return `CREATE OR REPLACE TEMPORARY VIEW ${quoteMysql(view)} AS SELECT ${columns.join(', ')}, CAST(${sparkString(readAt)} AS TIMESTAMP) AS ${quoteMysql(SYNCED_AT)}, CAST(NULL AS TIMESTAMP) AS ${quoteMysql(DELETED_AT)} FROM ${quoteMysql(readView(plan.table.name))} WHERE ${where}`;
}
