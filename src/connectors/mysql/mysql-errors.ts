// MySQL/MariaDB error numbers that ferry explains; anything else passes through with its own message.
import { classify, type ErrorRule } from '../connection-errors.js';

const RULES: Record<string, ErrorRule> = {
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
  ER_LOCK_DEADLOCK: { kind: 'connection', transient: true, message: 'deadlock on {where}' },
  ER_LOCK_WAIT_TIMEOUT: { kind: 'connection', transient: true, message: 'lock wait timeout on {where}' },
  ER_NO_SUCH_TABLE: { kind: 'schema', transient: false, message: 'a table is missing in {where}' },
  ER_BAD_FIELD_ERROR: { kind: 'schema', transient: false, message: 'a column is missing in {where}' },
  ER_TABLEACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege on a table',
    hint: 'GRANT SELECT (and for CDC, REPLICATION SLAVE, REPLICATION CLIENT) to the user',
  },
  ER_SPECIFIC_ACCESS_DENIED_ERROR: {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege',
    hint: 'see `ferry doctor` for the privileges ferry needs',
  },
  ER_SERVER_SHUTDOWN: { kind: 'connection', transient: true, message: 'MySQL at {where} is shutting down' },
  ER_QUERY_INTERRUPTED: {
    kind: 'connection',
    transient: true,
    message: 'a query on {where} was interrupted',
  },
};

export function mysqlError(error: unknown, where: string) {
  return classify(error, where, RULES, (e) => (typeof e.code === 'string' ? e.code : undefined));
}
