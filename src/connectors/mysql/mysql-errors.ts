// MySQL/MariaDB errors that ferry explains, by error name (mysql2's `code`; MariaDB-only numbers are
// named here) and by SQLSTATE class; anything else passes through with the server's own message.
import {
  CONNECTION_LOST,
  classifyConnectError,
  classifyLoss,
  classifyQueryError,
  type ErrorRule,
  type ErrorTable,
} from '../driver-errors.js';

/** Error numbers MariaDB uses for its own errors; mysql2 names only MySQL's. */
const MARIADB_NAMES: Record<number, string> = {
  1927: 'ER_CONNECTION_KILLED',
  1969: 'ER_STATEMENT_TIMEOUT',
};

const KILLED: ErrorRule = {
  kind: 'connection',
  transient: true,
  message: 'MySQL at {where} ended the session (KILL, or the server shutting down)',
  hint: 'running the command again resumes the work; if it recurs, ask the DBA what kills the sessions',
};

const ROLLED_BACK = 'the server rolled the whole transaction back; running it again may succeed';

const CODES: Record<string, ErrorRule> = {
  ER_ACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'MySQL refused the user or password for {where}',
    hint: 'check user and password in the source config (or FERRY_SOURCE_URL)',
  },
  ER_DBACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} may not use that database',
    hint: 'GRANT SELECT ON db.* TO the user',
  },
  ER_BAD_DB_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the database of {where} does not exist',
    hint: 'create it, or fix the database name in the source config',
  },
  ER_HOST_NOT_PRIVILEGED: {
    kind: 'connection',
    transient: false,
    message: 'MySQL does not allow connections from this host to {where}',
    hint: "create the user for this host ('user'@'%')",
  },
  ER_CON_COUNT_ERROR: {
    kind: 'connection',
    transient: true,
    message: 'MySQL at {where} has too many connections',
  },
  ER_TOO_MANY_USER_CONNECTIONS: {
    kind: 'connection',
    transient: true,
    message: 'the user of {where} has too many connections open',
  },
  ER_LOCK_DEADLOCK: {
    kind: 'connection',
    transient: true,
    message: 'deadlock on {where}',
    hint: ROLLED_BACK,
  },
  ER_LOCK_WAIT_TIMEOUT: { kind: 'connection', transient: true, message: 'lock wait timeout on {where}' },
  ER_NO_SUCH_TABLE: { kind: 'schema', transient: false, message: 'a table is missing in {where}' },
  ER_BAD_FIELD_ERROR: { kind: 'schema', transient: false, message: 'a column is missing in {where}' },
  ER_TABLEACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege on a table',
    hint: 'GRANT SELECT (and for CDC, REPLICATION SLAVE, REPLICATION CLIENT) to the user',
  },
  ER_COLUMNACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege on a column',
    hint: 'GRANT SELECT on the table to the user',
  },
  ER_SPECIFIC_ACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege',
    hint: 'see `ferry doctor` for the privileges ferry needs',
  },
  ER_SERVER_SHUTDOWN: { ...KILLED, message: 'MySQL at {where} is shutting down' },
  ER_CONNECTION_KILLED: KILLED,
  ER_QUERY_INTERRUPTED: {
    kind: 'connection',
    transient: true,
    message: 'a query on {where} was interrupted (KILL QUERY, or max_execution_time)',
  },
  ER_STATEMENT_TIMEOUT: {
    kind: 'connection',
    transient: true,
    message: 'a query on {where} ran past max_statement_time',
    hint: 'raise max_statement_time for the user ferry reads as',
  },
  ER_CLIENT_INTERACTION_TIMEOUT: {
    kind: 'connection',
    transient: true,
    message: 'MySQL at {where} closed a session that was idle past wait_timeout',
    hint: 'raise wait_timeout for the user ferry reads as',
  },
  ER_NET_READ_INTERRUPTED: CONNECTION_LOST,
  ER_NET_READ_ERROR: CONNECTION_LOST,
  ER_NET_ERROR_ON_WRITE: CONNECTION_LOST,
  ER_NET_WRITE_INTERRUPTED: CONNECTION_LOST,
  ER_OUT_OF_RESOURCES: { kind: 'connection', transient: true, message: 'MySQL at {where} ran out of memory' },
  ER_TRUNCATED_WRONG_VALUE: {
    kind: 'data',
    transient: false,
    message: 'a value has the wrong form in {where}',
  },
  ER_WARN_DATA_OUT_OF_RANGE: {
    kind: 'data',
    transient: false,
    message: 'a number is out of range for its column in {where}',
  },
  ER_DUP_ENTRY: { kind: 'data', transient: false, message: 'a key is not unique in {where}' },
  // The server closed the socket without an error packet: what a KILL of an idle session does.
  PROTOCOL_CONNECTION_LOST: {
    ...KILLED,
    message: 'MySQL at {where} ended the session (KILL, wait_timeout, a restart, or a proxy in between)',
  },
  PROTOCOL_SEQUENCE_TIMEOUT: {
    kind: 'connection',
    transient: true,
    message: 'MySQL at {where} did not answer in time',
  },
};

const CLASSES: Record<string, ErrorRule> = {
  '08': CONNECTION_LOST,
  '22': { kind: 'data', transient: false, message: 'a value could not be read or stored in {where}' },
  '23': { kind: 'data', transient: false, message: 'a constraint of {where} rejected a row' },
  '28': {
    kind: 'connection',
    transient: false,
    message: 'MySQL refused the login to {where}',
    hint: 'check user and password in the source config (or FERRY_SOURCE_URL)',
  },
  '40': {
    kind: 'connection',
    transient: true,
    message: 'MySQL at {where} rolled a transaction back',
    hint: ROLLED_BACK,
  },
  '70': KILLED,
};

export const MYSQL_ERRORS: ErrorTable = {
  server: 'MySQL',
  codeOf: (e) =>
    typeof e.code === 'string' ? e.code : typeof e.errno === 'number' ? MARIADB_NAMES[e.errno] : undefined,
  // 'HY000' is MySQL's "general error": it says nothing about the class.
  sqlStateOf: (e) => (typeof e.sqlState === 'string' && e.sqlState !== 'HY000' ? e.sqlState : undefined),
  codes: CODES,
  classes: CLASSES,
  messages: [{ pattern: /closed state/, rule: CONNECTION_LOST }],
  // mysql2 marks errors after which the connection is unusable (a broken socket, a protocol error)
  fatal: CONNECTION_LOST,
};

export function mysqlQueryError(error: unknown, where: string): unknown {
  return classifyQueryError(error, where, MYSQL_ERRORS);
}

export function mysqlConnectError(error: unknown, where: string) {
  return classifyConnectError(error, where, MYSQL_ERRORS);
}

export function mysqlLoss(error: unknown, where: string) {
  return classifyLoss(error, where, MYSQL_ERRORS);
}
