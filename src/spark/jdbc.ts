// JDBC settings for Spark's JDBC data source, from ferry's connection settings: MariaDB/MySQL through
// MariaDB Connector/J, PostgreSQL through pgjdbc. Credentials travel as options (never in the URL),
// and are registered as secrets so no Spark error can echo them.
import { registerSecret } from '../observability/redact.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';

export const MARIADB_DRIVER = 'org.mariadb.jdbc.Driver';
export const POSTGRES_DRIVER = 'org.postgresql.Driver';

export interface JdbcEndpoint {
  url: string;
  /** Options for the data source: driver, user, password and the driver's own settings. */
  options: Readonly<Record<string, string>>;
}

function credentials(spec: ConnectionSpec): Record<string, string> {
  registerSecret(spec.password);
  return { user: spec.user, ...(spec.password === undefined ? {} : { password: spec.password }) };
}

/**
 * A MariaDB/MySQL source. The URL uses the jdbc:mysql scheme so that Spark applies its MySQL
 * dialect (backtick quoting, MySQL types); permitMysqlScheme lets Connector/J 3 accept it, and
 * Connector/J 2 (Debian's libmariadb-java) accepts it anyway. Sessions run in UTC, like ferry's own.
 */
export function mysqlJdbc(spec: ConnectionSpec): JdbcEndpoint {
  const params = new URLSearchParams({
    permitMysqlScheme: 'true',
    tinyInt1isBit: 'false',
    yearIsDateType: 'false',
  });
  if (spec.tls.mode !== 'disable') {
    params.set('useSsl', 'true');
    if (spec.tls.mode !== 'verify-full' && spec.tls.mode !== 'verify-ca')
      params.set('trustServerCertificate', 'true');
  }
  return {
    url: `jdbc:mysql://${hostPort(spec)}/${encodeURIComponent(spec.database)}?${params.toString()}`,
    options: Object.freeze({
      driver: MARIADB_DRIVER,
      ...credentials(spec),
      sessionInitStatement: "SET time_zone = '+00:00', NAMES utf8mb4",
      fetchsize: '10000',
    }),
  };
}

/**
 * A PostgreSQL target. stringtype=unspecified lets PostgreSQL parse text parameters into the
 * column's own type (jsonb, interval, numeric, arrays), which is how ferry hands exact values over.
 */
export function postgresJdbc(spec: ConnectionSpec): JdbcEndpoint {
  const params = new URLSearchParams({
    stringtype: 'unspecified',
    reWriteBatchedInserts: 'true',
    ApplicationName: 'ferry-spark',
    sslmode: spec.tls.mode,
  });
  return {
    url: `jdbc:postgresql://${hostPort(spec)}/${encodeURIComponent(spec.database)}?${params.toString()}`,
    options: Object.freeze({
      driver: POSTGRES_DRIVER,
      ...credentials(spec),
      batchsize: '10000',
      isolationLevel: 'READ_COMMITTED',
    }),
  };
}

function hostPort(spec: ConnectionSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${host}:${spec.port}`;
}

export interface PartitionedRead {
  /** A table name or a parenthesised subquery with an alias, in the source's SQL. */
  dbtable: string;
  /** An integer (or date/timestamp) column; rows are spread over partitions by its value. */
  partitionColumn?: string;
  lowerBound?: bigint | number | string;
  upperBound?: bigint | number | string;
  numPartitions?: number;
}

/**
 * Options of a JDBC read. With a partition column, Spark splits [lowerBound, upperBound] into
 * numPartitions strides, one query per executor task; rows outside the bounds still land in the
 * first or last partition, so none is lost.
 */
export function jdbcReadOptions(endpoint: JdbcEndpoint, read: PartitionedRead): Record<string, string> {
  const options: Record<string, string> = { ...endpoint.options, url: endpoint.url, dbtable: read.dbtable };
  if (read.partitionColumn !== undefined) {
    if (read.lowerBound === undefined || read.upperBound === undefined || read.numPartitions === undefined) {
      throw new TypeError('a partitioned JDBC read needs lowerBound, upperBound and numPartitions');
    }
    options.partitionColumn = read.partitionColumn;
    options.lowerBound = String(read.lowerBound);
    options.upperBound = String(read.upperBound);
    options.numPartitions = String(read.numPartitions);
  }
  return options;
}

/** Options of a JDBC write into an existing table (dbtable already quoted for the target). */
export function jdbcWriteOptions(
  endpoint: JdbcEndpoint,
  dbtable: string,
  numPartitions?: number,
): Record<string, string> {
  return {
    ...endpoint.options,
    url: endpoint.url,
    dbtable,
    ...(numPartitions === undefined ? {} : { numPartitions: String(numPartitions) }),
  };
}
