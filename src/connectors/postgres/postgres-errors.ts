// PostgreSQL's errors that ferry explains, by SQLSTATE and by SQLSTATE class (Appendix A of the
// PostgreSQL manual); anything else passes through with the server's own message.
import {
  CONNECTION_LOST,
  classifyConnectError,
  classifyLoss,
  classifyQueryError,
  type ErrorRule,
  type ErrorTable,
} from '../driver-errors.js';

const ENDED: ErrorRule = {
  kind: 'connection',
  transient: true,
  message: 'PostgreSQL at {where} ended the session (pg_terminate_backend, or the server shutting down)',
  hint: 'running the command again resumes the work; if it recurs, ask the DBA what ends the sessions',
};

const ROLLED_BACK = 'the server rolled the whole transaction back; running it again may succeed';

const CODES: Record<string, ErrorRule> = {
  '28P01': {
    kind: 'connection',
    transient: false,
    message: 'PostgreSQL refused the password for {where}',
    hint: 'check user and password in the target config (or FERRY_TARGET_URL)',
  },
  '28000': {
    kind: 'connection',
    transient: false,
    message: 'PostgreSQL does not allow this login to {where} (pg_hba.conf)',
    hint: 'add a host line for this user and address to pg_hba.conf',
  },
  '3D000': {
    kind: 'connection',
    transient: false,
    message: 'the database of {where} does not exist',
    hint: 'create it (createdb) or fix the database name in the target config',
  },
  '42501': {
    kind: 'connection',
    transient: false,
    message: 'the user of {where} lacks a privilege',
    hint: 'GRANT CREATE ON DATABASE and USAGE, CREATE ON SCHEMA to the user; see `ferry doctor`',
  },
  '57P01': ENDED,
  '57P02': { ...ENDED, message: 'PostgreSQL at {where} crashed and ended every session' },
  '57P03': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} is starting up' },
  '57014': {
    kind: 'connection',
    transient: true,
    message: 'a statement on {where} was cancelled (statement_timeout, or pg_cancel_backend)',
    hint: 'if a statement_timeout is set for the user, raise it for ferry (ALTER ROLE ... SET statement_timeout)',
  },
  '53300': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} has too many connections' },
  '53100': {
    kind: 'connection',
    transient: true,
    message: 'the disk of PostgreSQL at {where} is full',
    hint: 'free space on the server, then run the command again',
  },
  '40001': {
    kind: 'connection',
    transient: true,
    message: 'serialization failure on {where}',
    hint: ROLLED_BACK,
  },
  '40P01': { kind: 'connection', transient: true, message: 'deadlock on {where}', hint: ROLLED_BACK },
  '55P03': { kind: 'connection', transient: true, message: 'a lock on {where} was not available' },
  '3F000': { kind: 'schema', transient: false, message: 'a schema is missing in {where}' },
  '42P01': { kind: 'schema', transient: false, message: 'a table is missing in {where}' },
  '42703': { kind: 'schema', transient: false, message: 'a column is missing in {where}' },
  '22021': {
    kind: 'data',
    transient: false,
    message: 'a value is not valid UTF-8 for {where}',
    hint: 'the source holds bytes that are not text in its character set; see sync.invalid_values',
  },
  '22P02': {
    kind: 'data',
    transient: false,
    message: 'a value has the wrong form for its column in {where}',
  },
  '22003': {
    kind: 'data',
    transient: false,
    message: 'a number is out of range for its column in {where}',
  },
  '22001': { kind: 'data', transient: false, message: 'a value is too long for its column in {where}' },
  '23505': {
    kind: 'data',
    transient: false,
    message: 'a key is not unique in {where}',
    hint: "the key's columns must identify each row: check the stream's primary_key, or the duplicate rows in the source",
  },
  '23502': {
    kind: 'data',
    transient: false,
    message: 'a column that must hold a value holds NULL in {where}',
    hint: "a key column cannot be NULL: check the stream's primary_key, or the NULLs in the source",
  },
  '54000': {
    kind: 'data',
    transient: false,
    message:
      'a value exceeds a limit of PostgreSQL in {where} (an index entry over 2704 bytes, a tsvector over 1 MB)',
    hint: 'drop the index that cannot hold the value, or exclude the column with `columns:`',
  },
  '2BP01': {
    kind: 'schema',
    transient: false,
    message: 'other objects depend on {where}',
    hint: 'drop the foreign keys (or other objects) of the target that depend on the table, or give the stream another target_table',
  },
};

/** By the first two characters of the SQLSTATE, for codes CODES does not list. */
const CLASSES: Record<string, ErrorRule> = {
  '08': CONNECTION_LOST,
  '22': { kind: 'data', transient: false, message: 'a value could not be stored in {where}' },
  '23': { kind: 'data', transient: false, message: 'a constraint of {where} rejected a row' },
  '28': {
    kind: 'connection',
    transient: false,
    message: 'PostgreSQL refused the login to {where}',
    hint: 'check user and password in the target config (or FERRY_TARGET_URL)',
  },
  '40': {
    kind: 'connection',
    transient: true,
    message: 'PostgreSQL at {where} rolled a transaction back',
    hint: ROLLED_BACK,
  },
  '53': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} ran out of a resource' },
  '54': {
    kind: 'data',
    transient: false,
    message: 'a value or statement exceeds a limit of PostgreSQL at {where}',
  },
  '55': { kind: 'connection', transient: true, message: 'an object on {where} is in use' },
  '57': { ...ENDED, message: 'an operator or the server stopped the work on {where}' },
  '58': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} reported a system error' },
};

/** node-postgres raises these without a SQLSTATE. */
const MESSAGES: { pattern: RegExp; rule: ErrorRule }[] = [
  { pattern: /^Connection terminated/, rule: CONNECTION_LOST },
  { pattern: /not queryable/, rule: CONNECTION_LOST },
  {
    pattern: /^timeout expired$/,
    rule: {
      kind: 'connection',
      transient: true,
      message: 'connecting to {where} timed out',
      hint: 'check that the host is reachable and the firewall allows the port, or raise connect_timeout',
    },
  },
  {
    pattern: /does not support SSL/,
    rule: {
      kind: 'connection',
      transient: false,
      message: 'PostgreSQL at {where} does not accept TLS connections',
      hint: 'set tls.mode: disable for this server, or enable ssl on it',
    },
  },
];

export const POSTGRES_ERRORS: ErrorTable = {
  server: 'PostgreSQL',
  codeOf: (e) => (typeof e.code === 'string' ? e.code : undefined),
  // node-postgres puts the SQLSTATE in `code` for server errors; socket errors have E... codes.
  sqlStateOf: (e) => (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined),
  contextOf: (e) => (typeof e.where === 'string' ? e.where.split('\n')[0] : undefined),
  codes: CODES,
  classes: CLASSES,
  messages: MESSAGES,
};

/** A query's, a COPY's or a transaction's error: classified, or the driver's own (a bug). */
export function postgresQueryError(error: unknown, where: string): unknown {
  return classifyQueryError(error, where, POSTGRES_ERRORS);
}

export function postgresConnectError(error: unknown, where: string) {
  return classifyConnectError(error, where, POSTGRES_ERRORS);
}

export function postgresLoss(error: unknown, where: string) {
  return classifyLoss(error, where, POSTGRES_ERRORS);
}
