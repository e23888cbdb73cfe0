// ferry's Spark Connect client: sessions, plan builders and JDBC helpers (the table copy that uses it
// is replication/spark-copy.ts).
export {
  connectSpark,
  type SparkSession,
  type QueryResult,
  type RowBatch,
  type ExplainMode,
} from './session.js';
export { parseSparkConnectUrl, type SparkConnectTarget } from './connection-string.js';
export { SparkError } from './spark-errors.js';
export type { SparkField } from './data-type.js';
export type { SparkRow, SparkValue } from './arrow-rows.js';
export * from './plan/expressions.js';
export * from './plan/relations.js';
export * from './plan/commands.js';
export type * from './plan/nodes.js';
export { mysqlJdbc, postgresJdbc, jdbcReadOptions, jdbcWriteOptions, type JdbcEndpoint } from './jdbc.js';
export {
  readMysqlTable,
  readPostgresTable,
  writePostgresTable,
  type Partitioning,
  type PostgresWrite,
} from './jdbc-tables.js';
