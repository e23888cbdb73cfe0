// PostgreSQL SQLSTATEs that ferry explains; anything else passes through with its own message.
import { classify, type ErrorRule } from '../connection-errors.js';

const RULES: Record<string, ErrorRule> = {
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
  '57P03': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} is starting up' },
  '57P01': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} is shutting down' },
  '53300': { kind: 'connection', transient: true, message: 'PostgreSQL at {where} has too many connections' },
  '40001': { kind: 'connection', transient: true, message: 'serialization failure on {where}' },
  '40P01': { kind: 'connection', transient: true, message: 'deadlock on {where}' },
  '42P01': { kind: 'schema', transient: false, message: 'a table is missing in {where}' },
  '42703': { kind: 'schema', transient: false, message: 'a column is missing in {where}' },
  '22021': { kind: 'data', transient: false, message: 'a value is not valid UTF-8 for {where}' },
  '22P02': {
    kind: 'data',
    transient: false,
    message: 'a value has the wrong form for its column in {where}',
  },
  '22003': { kind: 'data', transient: false, message: 'a number is out of range for its column in {where}' },
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

export function postgresError(error: unknown, where: string) {
  return classify(error, where, RULES, (e) => (typeof e.code === 'string' ? e.code : undefined));
}
