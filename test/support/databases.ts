// Per-test-file databases on the real servers that scripts/services.sh starts: each test file gets a
// fresh MariaDB database and a fresh PostgreSQL database, dropped when it finishes.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { ConnectionSpec } from '../../src/connectors/connection-spec.js';

export const MYSQL_URL =
  process.env.FERRY_TEST_SOURCE_URL ??
  process.env.FERRY_SOURCE_URL ??
  'mysql://ferry:ferry-dev-pw@127.0.0.1:3306/shop';
export const POSTGRES_URL =
  process.env.FERRY_TEST_TARGET_URL ??
  process.env.FERRY_TARGET_URL ??
  'postgres://ferry:ferry-dev-pw@127.0.0.1:5432/warehouse';

function specOf(url: string, database: string, defaultPort: number): ConnectionSpec {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : defaultPort,
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    tls: { mode: 'disable' },
    connectTimeoutMs: 10_000,
  };
}

export interface TestDatabases {
  /** Name shared by both databases: ferry_t_<random>. */
  name: string;
  mysql: ConnectionSpec;
  postgres: ConnectionSpec;
  mysqlUrl: string;
  postgresUrl: string;
  /** A connection to the test's MariaDB database (closed by drop()). */
  source: mysql.Connection;
  /** A connection to the test's PostgreSQL database (closed by drop()). */
  target: pg.Client;
  drop(): Promise<void>;
}

export async function createTestDatabases(label = 't'): Promise<TestDatabases> {
  const name = `ferry_${label.replace(/[^a-z0-9_]/gi, '').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const mysqlAdmin = await mysql.createConnection({ uri: MYSQL_URL });
  await mysqlAdmin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await mysqlAdmin.end();
  const pgAdmin = new pg.Client({ connectionString: POSTGRES_URL });
  await pgAdmin.connect();
  await pgAdmin.query(`CREATE DATABASE "${name}"`);
  await pgAdmin.end();

  const mysqlSpec = specOf(MYSQL_URL, name, 3306);
  const postgresSpec = specOf(POSTGRES_URL, name, 5432);
  const withDb = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const source = await mysql.createConnection({
    uri: withDb(MYSQL_URL),
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
  await source.query("SET time_zone = '+00:00'");
  const target = new pg.Client({ connectionString: withDb(POSTGRES_URL) });
  await target.connect();

  return {
    name,
    mysql: mysqlSpec,
    postgres: postgresSpec,
    mysqlUrl: withDb(MYSQL_URL),
    postgresUrl: withDb(POSTGRES_URL),
    source,
    target,
    async drop() {
      await source.end().catch(() => undefined);
      await target.end().catch(() => undefined);
      const m = await mysql.createConnection({ uri: MYSQL_URL });
      await m.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await m.end();
      const p = new pg.Client({ connectionString: POSTGRES_URL });
      await p.connect();
      try {
        await dropPostgresDatabase(p, name);
      } finally {
        await p.end();
      }
    },
  };
}

/**
 * DROP DATABASE ... WITH (FORCE) ends the sessions of ferry's own role, but not an autovacuum worker
 * that happens to be in the fresh database (42501: not a member of the role); it leaves within
 * moments, so the drop is tried again for a while.
 */
async function dropPostgresDatabase(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 50 || (code !== '42501' && code !== '55006')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
