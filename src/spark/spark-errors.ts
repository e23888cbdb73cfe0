// Spark failures as ferry errors: the Spark error class (TABLE_OR_VIEW_NOT_FOUND, ...), the
// message, the SQLSTATE, whether a retry may help, and a hint saying what to do. JDBC options
// echoed by Spark (passwords in URLs or options) are removed before anything is kept.
import * as grpc from '@grpc/grpc-js';
import { FerryError, type FerryErrorOptions } from '../errors.js';
import { redact } from '../observability/redact.js';
import { errorInfoOf, type ErrorInfo } from './status-details.js';

export interface SparkErrorDetails {
  /** Spark's error class, e.g. TABLE_OR_VIEW_NOT_FOUND; undefined for errors without one. */
  errorClass?: string;
  sqlState?: string;
  /** The JVM exception class, e.g. org.apache.spark.sql.AnalysisException. */
  exceptionClass?: string;
  grpcCode?: grpc.status;
  /** Server-side id for FetchErrorDetails. */
  errorId?: string;
}

export class SparkError extends FerryError {
  readonly errorClass: string | undefined;
  readonly sqlState: string | undefined;
  readonly exceptionClass: string | undefined;
  readonly grpcCode: grpc.status | undefined;

  constructor(message: string, details: SparkErrorDetails = {}, options: FerryErrorOptions = {}) {
    super('engine', message, options);
    this.name = 'SparkError';
    this.errorClass = details.errorClass;
    this.sqlState = details.sqlState;
    this.exceptionClass = details.exceptionClass;
    this.grpcCode = details.grpcCode;
  }
}

/** A gRPC failure, as @grpc/grpc-js reports it. */
export function isGrpcError(error: unknown): error is grpc.ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<grpc.ServiceError>).code === 'number' &&
    'metadata' in error
  );
}

/** Spark's structured error of a failed call, when the server sent one. */
export function sparkErrorInfo(error: grpc.ServiceError): ErrorInfo | undefined {
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  return errorInfoOf(typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
}

/** Hints by error class, then by SQLSTATE class; the first match wins. */
const HINTS: readonly {
  when: (d: SparkErrorDetails, message: string) => boolean;
  hint: string;
  transient?: boolean;
}[] = [
  {
    when: (d) => d.errorClass === 'TABLE_OR_VIEW_NOT_FOUND',
    hint: 'check the table name and its schema; tables read over JDBC are named in the dbtable option',
  },
  {
    when: (d) => d.errorClass?.startsWith('UNRESOLVED_COLUMN') ?? false,
    hint: 'check the column name against the input columns Spark lists in the message',
  },
  {
    when: (d) => d.errorClass?.startsWith('PARSE_SYNTAX_ERROR') ?? false,
    hint: 'fix the SQL syntax at the position shown',
  },
  {
    when: (d) => d.errorClass?.startsWith('INVALID_HANDLE') ?? false,
    hint: 'the Spark session or operation is gone (server restarted or session released); connect again',
  },
  {
    when: (_d, m) => /No suitable driver|ClassNotFoundException: .*(mariadb|postgresql|mysql)/i.test(m),
    hint: 'the Spark cluster lacks the JDBC driver: start it with --jars pointing at the MariaDB and PostgreSQL drivers (scripts/spark.sh does this locally)',
  },
  {
    when: (_d, m) => /Access denied|password authentication failed/i.test(m),
    hint: 'the database refused the credentials Spark used; check the user and password of the connection',
  },
  {
    when: (_d, m) => /Communications link failure|Connection refused|could not connect|Socket fail/i.test(m),
    hint: "Spark's executors could not reach the database: the host must be reachable from the cluster, not only from ferry",
    transient: true,
  },
  {
    when: (_d, m) => /certificate|SSL routines|wrong version number|ALPN/i.test(m),
    hint: 'TLS failed: if the server uses a private CA, pass it (rootCertificates, or GRPC_DEFAULT_SSL_ROOTS_FILE_PATH); if the server speaks plain gRPC, drop use_ssl=true',
    transient: false,
  },
  {
    when: (d) => d.grpcCode === grpc.status.UNAVAILABLE,
    hint: 'is the Spark Connect server running? Locally: scripts/spark.sh start',
    transient: true,
  },
  {
    when: (d) => d.grpcCode === grpc.status.UNAUTHENTICATED || d.grpcCode === grpc.status.PERMISSION_DENIED,
    hint: 'check the token in the sc:// URL (;token=...)',
  },
];

/** Builds a SparkError from what a failed call says, optionally with the full message fetched from the server. */
export function sparkError(
  where: string,
  error: unknown,
  fetched?: { message: string; errorClass?: string; sqlState?: string },
): SparkError {
  if (error instanceof SparkError) return error;
  if (!isGrpcError(error)) {
    return new SparkError(
      `${where}: ${redact(error instanceof Error ? error.message : String(error))}`,
      {},
      { cause: error },
    );
  }
  const info = sparkErrorInfo(error);
  const details: SparkErrorDetails = {
    grpcCode: error.code,
    ...(info?.reason ? { exceptionClass: info.reason } : {}),
    ...((fetched?.errorClass ?? info?.metadata.errorClass)
      ? { errorClass: fetched?.errorClass ?? info?.metadata.errorClass }
      : {}),
    ...((fetched?.sqlState ?? info?.metadata.sqlState)
      ? { sqlState: fetched?.sqlState ?? info?.metadata.sqlState }
      : {}),
  };
  const message = redact(fetched?.message ?? (error.details || error.message));
  const rule = HINTS.find((h) => h.when(details, message));
  const label =
    details.errorClass && !message.startsWith(`[${details.errorClass}]`) ? `[${details.errorClass}] ` : '';
  return new SparkError(`${where}: ${label}${message}`, details, {
    cause: error,
    transient: rule?.transient ?? false,
    ...(rule ? { hint: rule.hint } : {}),
  });
}
