// Opens MySQL/MariaDB connections (mysql2) with the session settings ferry relies on.
import mysql from 'mysql2/promise';
import { mysqlError } from './mysql-errors.js';
import { describeConnection, type ConnectionSpec } from '../connection-spec.js';

export type MysqlConnection = mysql.Connection;

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
    ...(ssl ? { ssl } : {}),
  };
}

/** Session settings: UTC for TIMESTAMP values, and utf8mb4 for all text. */
const SESSION_SQL = "SET time_zone = '+00:00', NAMES utf8mb4";

export async function connectMysql(spec: ConnectionSpec): Promise<MysqlConnection> {
  try {
    const connection = await mysql.createConnection(options(spec));
    await connection.query(SESSION_SQL);
    return connection;
  } catch (error) {
    throw mysqlError(error, describeConnection(spec));
  }
}
