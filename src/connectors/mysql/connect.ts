// Opens MySQL/MariaDB connections (mysql2) with the session settings ferry relies on, and makes each
// connection ferry's query boundary: every query rejects with a classified error naming the
// server (mysql-errors.ts), a socket error while idle is kept for the next use instead of crashing
// the process, TCP keepalive is on, and a stalled connection is noticed (stall-watch.ts). The raw
// readers (read-packets.ts, read-rows.ts) report through the same boundary.
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import mysql from 'mysql2/promise';
import { FerryError } from '../../errors.js';
import { mysqlConnectError, mysqlLoss, mysqlQueryError } from './mysql-errors.js';
import { checkMysqlSession } from './session-check.js';
import { boundedEnd, watchStalls } from '../stall-watch.js';
import { DEFAULT_STALL_TIMEOUT_MS, describeConnection, type ConnectionSpec } from '../connection-spec.js';

export type MysqlConnection = mysql.Connection;

/** ferry's side: a probe after 10 s of silence; Node then sends 10 more, 1 s apart (libuv's defaults). */
const KEEPALIVE_MS = 10_000;

function options(spec: ConnectionSpec): mysql.ConnectionOptions {
  const ssl =
    spec.tls.mode === 'disable'
      ? undefined
      : {
          rejectUnauthorized: spec.tls.mode === 'verify-ca' || spec.tls.mode === 'verify-full',
          ...(spec.tls.ca ? { ca: spec.tls.ca } : {}),
          ...(spec.tls.cert ? { cert: spec.tls.cert } : {}),
          ...(spec.tls.key ? { key: spec.tls.key } : {}),
        };
  return {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    ...(spec.password === undefined ? {} : { password: spec.password }),
    database: spec.database,
    connectTimeout: spec.connectTimeoutMs,
    // Values reach ferry exactly as the server printed them; ferry does its own conversion.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: false,
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_MS,
    ...(ssl ? { ssl } : {}),
  };
}

/** Session settings: UTC for TIMESTAMP values, and utf8mb4 for all text. */
const SESSION_SQL = "SET time_zone = '+00:00', NAMES utf8mb4";

/** The mysql2 connection under the promise wrapper, as far as ferry reads it. */
export interface CoreConnection extends EventEmitter {
  stream: Socket;
  threadId: number | null;
  _command: unknown;
  _paused: boolean;
  format(sql: string, values: unknown[]): string;
  addCommand(command: unknown): unknown;
  pause(): void;
  resume(): void;
}

export function coreOf(connection: MysqlConnection): CoreConnection {
  return (connection as unknown as { connection: CoreConnection }).connection;
}

interface Boundary {
  where: string;
  lost: FerryError | undefined;
}

const BOUNDARY = Symbol('ferry.mysql.boundary');

function boundaryOf(connection: MysqlConnection): Boundary | undefined {
  return (connection as unknown as { [BOUNDARY]?: Boundary })[BOUNDARY];
}

/** Why `connection` broke, or undefined while it works. */
export function lostMysqlReason(connection: MysqlConnection): FerryError | undefined {
  return boundaryOf(connection)?.lost;
}

/**
 * The error to report for a failure on `connection`: ferry's errors as they are, otherwise the
 * classified driver error; an error that breaks the connection is remembered for its next use.
 */
export function mysqlErrorOf(connection: MysqlConnection, error: unknown): unknown {
  if (error instanceof FerryError) return error;
  const boundary = boundaryOf(connection);
  if (!boundary) return error;
  if (boundary.lost) return boundary.lost;
  const classified = mysqlQueryError(error, boundary.where);
  if ((error as { fatal?: unknown }).fatal === true && classified instanceof FerryError)
    boundary.lost = classified;
  return classified;
}

type Run = (sql: unknown, values?: unknown) => Promise<unknown>;

function guard(connection: MysqlConnection, spec: ConnectionSpec): void {
  const boundary: Boundary = { where: describeConnection(spec), lost: undefined };
  (connection as unknown as { [BOUNDARY]: Boundary })[BOUNDARY] = boundary;
  const core = coreOf(connection);
  // mysql2 emits errors no command is waiting for (a reset while idle) on the connection.
  core.on('error', (error: unknown) => {
    boundary.lost ??= mysqlLoss(error, boundary.where);
  });
  for (const name of ['query', 'execute'] as const) {
    const run = (connection[name] as Run).bind(connection);
    (connection as unknown as Record<string, Run>)[name] = (sql, values) => {
      if (boundary.lost) return Promise.reject(boundary.lost);
      return run(sql, values).catch((error: unknown) => {
        throw mysqlErrorOf(connection, error);
      });
    };
  }

  // Closing must not wait on a server that stopped answering (mysql2's end() waits for every
  // command queued before it): a broken connection is cut at once, a healthy one gets a moment.
  const end = connection.end.bind(connection);
  connection.end = async () => {
    if (boundary.lost) return void core.stream.destroy();
    await boundedEnd(end(), () => core.stream.destroy());
  };

  const afterMs = spec.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  if (afterMs <= 0) return;
  const probeOptions = options(spec);
  const watch = watchStalls({
    where: boundary.where,
    afterMs,
    socket: () => core.stream,
    // While ferry holds the reader back (backpressure), the silence is its own.
    waiting: () => Boolean(core._command) && !core._paused,
    check: () =>
      core.threadId === null
        ? Promise.resolve({ state: 'unknown', detail: 'no thread id' } as const)
        : checkMysqlSession(probeOptions, core.threadId, Math.max(spec.connectTimeoutMs, 1000)),
  });
  core.stream.once('close', () => watch.stop());
}

export async function connectMysql(spec: ConnectionSpec): Promise<MysqlConnection> {
  const where = describeConnection(spec);
  let connection: MysqlConnection;
  try {
    connection = await mysql.createConnection(options(spec));
  } catch (error) {
    throw mysqlConnectError(error, where);
  }
  guard(connection, spec);
  try {
    await connection.query(SESSION_SQL);
    return connection;
  } catch (error) {
    connection.destroy();
    throw mysqlConnectError(error, where);
  }
}
