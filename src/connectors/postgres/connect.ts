// Opens PostgreSQL connections (node-postgres) with the session settings ferry relies on, and makes
// each client ferry's query boundary: every query rejects with a classified error naming the
// server (postgres-errors.ts), a socket error while idle is kept for the next use instead of
// crashing the process, TCP keepalive is on both ends, and a stalled connection is noticed
// (stall-watch.ts).
import type { Socket } from 'node:net';
import pg from 'pg';
import { postgresConnectError, postgresLoss, postgresQueryError } from './postgres-errors.js';
import { checkPostgresSession } from './session-check.js';
import { boundedEnd, watchStalls } from '../stall-watch.js';
import { FerryError } from '../../errors.js';
import { DEFAULT_STALL_TIMEOUT_MS, describeConnection, type ConnectionSpec } from '../connection-spec.js';

export type PgClient = pg.Client;
export type PgPool = pg.Pool;
/** One connection: a client, or a client checked out of a pool (transactions need one). */
export type PgSession = pg.ClientBase;
/** Anything that runs a statement: a client, a pool, or a transaction's client. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** ferry's side: a probe after 10 s of silence; Node then sends 10 more, 1 s apart (libuv's defaults). */
const KEEPALIVE_MS = 10_000;
/** The server's side: PostgreSQL ends a session (and frees its locks) about a minute after ferry's host vanished. */
const SERVER_KEEPALIVES = '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3';

/** The connection options of every PostgreSQL connection ferry opens, the job queue's included. */
export function postgresClientConfig(spec: ConnectionSpec): pg.ClientConfig {
  const ssl =
    spec.tls.mode === 'disable'
      ? false
      : {
          rejectUnauthorized: spec.tls.mode === 'verify-ca' || spec.tls.mode === 'verify-full',
          ...(spec.tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
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
    connectionTimeoutMillis: spec.connectTimeoutMs,
    application_name: 'ferry',
    ssl,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
    options: `-c TimeZone=UTC ${SERVER_KEEPALIVES}`,
  };
}

/** node-postgres internals the boundary reads: the socket, the query in flight, the backend pid. */
interface ClientInternals {
  connection: { stream: Socket };
  processID: number | null;
  _getActiveQuery(): unknown;
}

/** A COPY FROM STDIN in flight (pg-copy-streams): the server owes an answer only once it is ended. */
interface CopyIn {
  handleCopyInResponse: unknown;
  writableEnded: boolean;
  destroyed: boolean;
  _gotCopyInResponse: boolean;
}

function waitingOnServer(client: pg.Client): boolean {
  const internals = client as unknown as ClientInternals;
  const socket = internals.connection.stream;
  if (socket.writableLength > 0) return true;
  const active = internals._getActiveQuery() as Partial<CopyIn> | null;
  if (!active) return false;
  if (typeof active.handleCopyInResponse !== 'function') return true;
  // In a COPY, ferry sends; while it waits on its own source the server owes nothing.
  return !active._gotCopyInResponse || active.writableEnded === true || active.destroyed === true;
}

type QueryArgs = [unknown, unknown?, unknown?];
type Callback = (error: unknown, result?: unknown) => void;

/** What a client knows about its server and its own health. */
interface Boundary {
  where: string;
  /** Why the connection broke, once it has. */
  lost: FerryError | undefined;
}

const BOUNDARY = Symbol('ferry.postgres.boundary');

/**
 * The error to report for a failure on `client`: ferry's errors as they are, a broken
 * connection's first reason, otherwise the classified driver error.
 */
export function postgresErrorOf(client: pg.ClientBase, error: unknown): unknown {
  if (error instanceof FerryError) return error;
  const boundary = (client as unknown as { [BOUNDARY]?: Boundary })[BOUNDARY];
  if (!boundary) return error;
  return boundary.lost ?? postgresQueryError(error, boundary.where);
}

/** Why `client`'s connection broke, or undefined while it works. */
export function lostReason(client: pg.ClientBase): FerryError | undefined {
  return (client as unknown as { [BOUNDARY]?: Boundary })[BOUNDARY]?.lost;
}

/** Makes `client` ferry's query boundary for the server `spec` describes. */
function guard(client: pg.Client, spec: ConnectionSpec): void {
  const boundary: Boundary = { where: describeConnection(spec), lost: undefined };
  (client as unknown as { [BOUNDARY]: Boundary })[BOUNDARY] = boundary;
  client.on('error', (error: unknown) => {
    boundary.lost ??= postgresLoss(error, boundary.where);
  });
  const query = client.query.bind(client) as (...args: QueryArgs) => unknown;
  const classify = (error: unknown) => postgresErrorOf(client, error);
  (client as unknown as { query: (...args: QueryArgs) => unknown }).query = (...args: QueryArgs) => {
    const [config, values, callback] = args;
    // A COPY stream (a Submittable) reports its own errors; copyInto classifies them.
    if (config && typeof (config as { submit?: unknown }).submit === 'function') return query(...args);
    const cb = (typeof values === 'function' ? values : callback) as Callback | undefined;
    const { lost } = boundary;
    if (cb) {
      const wrapped: Callback = (error, result) => cb(error ? classify(error) : error, result);
      if (lost) return void process.nextTick(() => cb(lost));
      return typeof values === 'function' ? query(config, wrapped) : query(config, values, wrapped);
    }
    if (lost) return Promise.reject(lost);
    return (query(config, values) as Promise<unknown>).catch((error: unknown) => {
      throw classify(error);
    });
  };

  const internals = client as unknown as ClientInternals;
  // Closing must not wait on a server that stopped answering: a broken connection is cut at once,
  // a healthy one gets a moment to say goodbye.
  const end: () => Promise<void> = client.end.bind(client);
  const bounded = async () => {
    if (boundary.lost) return void internals.connection.stream.destroy();
    await boundedEnd(end(), () => internals.connection.stream.destroy());
  };
  // pg.Pool ends the clients it removes with a callback.
  (client as unknown as { end: (cb?: () => void) => Promise<void> | undefined }).end = (cb) => {
    if (!cb) return bounded();
    void bounded().then(cb);
    return undefined;
  };

  const afterMs = spec.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  if (afterMs <= 0) return;
  client.once('connect', () => {
    const config = postgresClientConfig(spec);
    const watch = watchStalls({
      where: boundary.where,
      afterMs,
      socket: () => internals.connection.stream,
      waiting: () => waitingOnServer(client),
      check: () =>
        internals.processID === null
          ? Promise.resolve({ state: 'unknown', detail: 'no backend pid' } as const)
          : checkPostgresSession(config, internals.processID, Math.max(spec.connectTimeoutMs, 1000)),
    });
    client.once('end', () => watch.stop());
  });
}

export async function connectPostgres(spec: ConnectionSpec): Promise<PgClient> {
  const client = new pg.Client(postgresClientConfig(spec));
  guard(client, spec);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw postgresConnectError(error, describeConnection(spec));
  }
}

export function postgresPool(spec: ConnectionSpec, size = 4): PgPool {
  class GuardedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super(config);
      guard(this, spec);
    }
  }
  const pool = new pg.Pool({ ...postgresClientConfig(spec), max: size, Client: GuardedClient });
  // The pool drops an idle client whose connection broke; the next checkout opens a new one.
  pool.on('error', () => undefined);
  const where = describeConnection(spec);
  const connect = pool.connect.bind(pool) as (cb?: Callback) => Promise<unknown> | undefined;
  // pool.query() checks a client out through this too, so a failed login is classified everywhere.
  (pool as unknown as { connect: (cb?: Callback) => unknown }).connect = (cb?: Callback) =>
    cb
      ? connect((error, ...rest: unknown[]) =>
          cb(error ? postgresConnectError(error, where) : error, ...rest),
        )
      : connect()!.catch((error: unknown) => {
          throw postgresConnectError(error, where);
        });
  return pool;
}
