// Opens PostgreSQL connections (node-postgres) with the session settings ferry relies on.
import pg from 'pg';
import { postgresError } from './postgres-errors.js';
import { describeConnection, type ConnectionSpec } from '../connection-spec.js';

export type PgClient = pg.Client;
export type PgPool = pg.Pool;
/** One connection: a client, or a client checked out of a pool (transactions need one). */
export type PgSession = pg.ClientBase;
/** Anything that runs a statement: a client, a pool, or a transaction's client. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

function options(spec: ConnectionSpec): pg.ClientConfig {
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
    options: '-c TimeZone=UTC',
  };
}

export async function connectPostgres(spec: ConnectionSpec): Promise<PgClient> {
  const client = new pg.Client(options(spec));
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw postgresError(error, describeConnection(spec));
  }
}

export function postgresPool(spec: ConnectionSpec, size = 4): PgPool {
  return new pg.Pool({ ...options(spec), max: size });
}
