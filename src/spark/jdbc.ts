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
 * MariaDB Connector/J streams a result only when the statement has a fetch size (Spark's fetchsize),
 * holding that many rows; without one it reads the whole result into the executor's memory. A
 * streamed result makes MySQL wait for the reader, so the write timeout is raised from its 60 s.
 * Sessions run in UTC with utf8mb4, like ferry's own.
 */
const MYSQL_SESSION_INIT = "SET time_zone = '+00:00', NAMES utf8mb4, SESSION net_write_timeout = 600";
/** About this many bytes of rows held per read partition; the fetch size follows the average row length. */
const FETCH_BYTES = 16 * 1024 * 1024;

/** Rows per fetch for rows of `rowBytes` bytes on average: 16 MiB of them, between 100 and 10,000. */
export function fetchSize(rowBytes: number): number {
  return Math.max(100, Math.min(10_000, Math.floor(FETCH_BYTES / Math.max(1, rowBytes))));
}

/**
 * A MariaDB/MySQL source. The URL uses the jdbc:mysql scheme so that Spark applies its MySQL
 * dialect (backtick quoting, MySQL types); permitMysqlScheme lets Connector/J 3 accept it, and
 * Connector/J 2 (Debian's libmariadb-java) accepts it anyway.
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
      sessionInitStatement: MYSQL_SESSION_INIT,
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
      // Measured on a 1M-row table (decision 0014): 1,000 rows a batch wrote in 9-13 s, 10,000 in
      // 19-46 s, 50,000 in 55 s, with reWriteBatchedInserts folding each batch into multi-row INSERTs.
      batchsize: '1000',
      isolationLevel: 'READ_COMMITTED',
    }),
  };
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** A partition bound Spark can hold (a 64-bit long); rows past a clamped bound still land in the last partition. */
export const clampToLong = (v: bigint): bigint => (v < LONG_MIN ? LONG_MIN : v > LONG_MAX ? LONG_MAX : v);

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
