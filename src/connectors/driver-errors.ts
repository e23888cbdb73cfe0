// Turns driver errors (SQLSTATE, MySQL error names, socket codes) into ferry errors by table: each
// rule says the kind, whether running the work again may succeed, the sentence and the fix. One
// table per driver (postgres/postgres-errors.ts, mysql/mysql-errors.ts) plus the socket table here.
import { ConnectionError, DataError, FerryError, SchemaError, messageOf } from '../errors.js';

export interface ErrorRule {
  kind: 'connection' | 'schema' | 'data';
  transient: boolean;
  /** The sentence shown to the user; {where} is "user@host:port/database", {server} the database's name. */
  message: string;
  hint?: string;
}

/** How one driver's errors are read, and its rules. */
export interface ErrorTable {
  /** The database's name in messages: PostgreSQL, MySQL. */
  server: string;
  /** The driver's code of an error (SQLSTATE for node-postgres, the error name for mysql2). */
  codeOf(error: Record<string, unknown>): string | undefined;
  /** The SQLSTATE, when the driver reports one. */
  sqlStateOf(error: Record<string, unknown>): string | undefined;
  /** Where in the statement or the data the server saw the problem (node-postgres' `where`). */
  contextOf?(error: Record<string, unknown>): string | undefined;
  /** Rules by code, looked up first. */
  codes: Readonly<Record<string, ErrorRule>>;
  /** Rules by SQLSTATE class (its first two characters), for codes the first table lacks. */
  classes: Readonly<Record<string, ErrorRule>>;
  /** Rules for errors the driver raises without a code, by their message. */
  messages: readonly { pattern: RegExp; rule: ErrorRule }[];
  /** The rule for an error the driver marks as fatal to the connection (mysql2's `fatal`). */
  fatal?: ErrorRule;
}

const LOST_HINT =
  'check that the server is up and the network path to it (proxies, firewalls) works; running the command again resumes the work';

/** A connection that broke after it was open: the work can run again on a new one. */
export const CONNECTION_LOST: ErrorRule = {
  kind: 'connection',
  transient: true,
  message: 'the connection to {server} at {where} was lost',
  hint: LOST_HINT,
};

const TLS_RULE: ErrorRule = {
  kind: 'connection',
  transient: false,
  message: 'the server certificate of {where} is not trusted (TLS)',
  hint: 'give the CA that signed it as tls.ca (a PEM file), or use tls.mode require to encrypt without checking',
};

/** Node socket and TLS error codes, shared by both drivers. */
export const SOCKET_ERRORS: Readonly<Record<string, ErrorRule>> = {
  ECONNREFUSED: {
    kind: 'connection',
    transient: true,
    message: 'nothing is listening at {where}: {server} is stopped or on another port',
    hint: 'start the server (`make services` starts the local ones) or fix host/port in the config',
  },
  ENOTFOUND: {
    kind: 'connection',
    transient: false,
    message: 'host name of {where} not found',
    hint: 'check the host in the config',
  },
  EAI_AGAIN: {
    kind: 'connection',
    transient: true,
    message: 'could not resolve the host of {where} (DNS not answering)',
  },
  ETIMEDOUT: {
    kind: 'connection',
    transient: true,
    message: 'connecting to {where} timed out',
    hint: 'check that the host is reachable and the firewall allows the port, or raise connect_timeout',
  },
  ECONNRESET: {
    kind: 'connection',
    transient: true,
    message: '{server} at {where} closed the connection',
    hint: LOST_HINT,
  },
  EPIPE: {
    kind: 'connection',
    transient: true,
    message: 'the connection to {server} at {where} broke',
    hint: LOST_HINT,
  },
  ECONNABORTED: CONNECTION_LOST,
  EHOSTUNREACH: { kind: 'connection', transient: true, message: 'host of {where} unreachable' },
  ENETUNREACH: { kind: 'connection', transient: true, message: 'network of {where} unreachable' },
  ERR_STREAM_PREMATURE_CLOSE: CONNECTION_LOST,
  DEPTH_ZERO_SELF_SIGNED_CERT: TLS_RULE,
  SELF_SIGNED_CERT_IN_CHAIN: TLS_RULE,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: TLS_RULE,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: TLS_RULE,
  CERT_HAS_EXPIRED: { ...TLS_RULE, message: 'the server certificate of {where} has expired' },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    ...TLS_RULE,
    message: 'the server certificate of {where} is for another host name',
    hint: 'connect by the name the certificate carries, or use tls.mode verify-ca (checks the CA, not the name)',
  },
};

function ruleFor(
  error: unknown,
  table: ErrorTable,
): { rule: ErrorRule; code: string | undefined } | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const record = error as Record<string, unknown>;
  const code = table.codeOf(record);
  const socketCode = typeof record.code === 'string' ? record.code : undefined;
  const byCode = (code && table.codes[code]) || (socketCode && SOCKET_ERRORS[socketCode]) || undefined;
  if (byCode) return { rule: byCode, code: code ?? socketCode };
  const state = table.sqlStateOf(record);
  const byClass = state ? table.classes[state.slice(0, 2)] : undefined;
  if (byClass) return { rule: byClass, code: code ?? state };
  const message = messageOf(error);
  const byMessage = table.messages.find((m) => m.pattern.test(message));
  if (byMessage) return { rule: byMessage.rule, code };
  if (record.fatal === true && table.fatal) return { rule: table.fatal, code };
  return undefined;
}

function build(error: unknown, where: string, table: ErrorTable, rule: ErrorRule, code: string | undefined) {
  const record = error as Record<string, unknown>;
  const context = table.contextOf?.(record);
  const detail = messageOf(error) + (context ? `; ${context}` : '');
  const message = `${rule.message.replace('{where}', where).replace('{server}', table.server)} (${detail})`;
  const options = { transient: rule.transient, cause: error, ...(rule.hint ? { hint: rule.hint } : {}) };
  const withCode = code ? { ...options, code } : options;
  if (rule.kind === 'schema') return new SchemaError(message, withCode);
  if (rule.kind === 'data') return new DataError(message, withCode);
  return new ConnectionError(message, withCode);
}

/**
 * An error raised by a query, a COPY or a read: a FerryError when a rule knows it, otherwise the
 * driver's own error unchanged (a statement ferry got wrong is a bug in ferry, and says so).
 */
export function classifyQueryError(error: unknown, where: string, table: ErrorTable): unknown {
  if (error instanceof FerryError) return error;
  const found = ruleFor(error, table);
  return found ? build(error, where, table, found.rule, found.code) : error;
}

/** An error while connecting: whatever it is, the connection could not be made. */
export function classifyConnectError(error: unknown, where: string, table: ErrorTable): FerryError {
  if (error instanceof FerryError) return error;
  const found = ruleFor(error, table);
  if (found) return build(error, where, table, found.rule, found.code);
  return new ConnectionError(`could not connect to ${where} (${messageOf(error)})`, { cause: error });
}

/** An error that ended a connection (a socket reset while idle, the server going away). */
export function classifyLoss(error: unknown, where: string, table: ErrorTable): FerryError {
  if (error instanceof FerryError) return error;
  const found = ruleFor(error, table);
  return found
    ? build(error, where, table, found.rule, found.code)
    : build(error, where, table, CONNECTION_LOST, undefined);
}
