// The shape of the error tables and the exit-code rules, without a database: every rule names the
// server, lookups go code -> socket code -> SQLSTATE class -> message -> fatal, an error no rule
// knows stays the driver's own (a bug), and the exit-code precedence of docs/cli.md.
import { describe, expect, it } from 'vitest';
import {
  SOCKET_ERRORS,
  classifyConnectError,
  classifyLoss,
  classifyQueryError,
  type ErrorTable,
} from '../../../src/connectors/driver-errors.js';
import { MYSQL_ERRORS } from '../../../src/connectors/mysql/mysql-errors.js';
import { POSTGRES_ERRORS } from '../../../src/connectors/postgres/postgres-errors.js';
import {
  ConnectionError,
  DataError,
  EXIT,
  EXIT_CODES,
  FerryError,
  exitCodeOf,
  isTransient,
} from '../../../src/errors.js';

const where = 'ferry@db.example:5432/warehouse';
const tables: [string, ErrorTable][] = [
  ['PostgreSQL', POSTGRES_ERRORS],
  ['MySQL', MYSQL_ERRORS],
];

describe('the error tables', () => {
  it.each(tables)('every %s rule names the server it is about', (_, table) => {
    const rules = [
      ...Object.values(table.codes),
      ...Object.values(table.classes),
      ...table.messages.map((m) => m.rule),
      ...Object.values(SOCKET_ERRORS),
    ];
    for (const rule of rules) {
      expect(rule.message).toContain('{where}');
      expect(['connection', 'schema', 'data']).toContain(rule.kind);
    }
  });

  it('reads a PostgreSQL error by SQLSTATE, with the place in the COPY', () => {
    const error = classifyQueryError(
      Object.assign(new Error('invalid input syntax for type integer: "x"'), {
        code: '22P02',
        where: 'COPY t, line 3, column v: "x"',
      }),
      where,
      POSTGRES_ERRORS,
    );
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: '22P02', transient: false });
    expect((error as Error).message).toBe(
      `a value has the wrong form for its column in ${where} (invalid input syntax for type integer: "x"; COPY t, line 3, column v: "x")`,
    );
  });

  it('falls back to the SQLSTATE class, then to the message, then to mysql2 `fatal`', () => {
    expect(
      classifyQueryError(Object.assign(new Error('unknown'), { code: '40003' }), where, POSTGRES_ERRORS),
    ).toMatchObject({
      kind: 'connection',
      transient: true,
      code: '40003',
    });
    expect(
      classifyQueryError(new Error('Connection terminated unexpectedly'), where, POSTGRES_ERRORS),
    ).toBeInstanceOf(ConnectionError);
    const killed = Object.assign(new Error('Connection was killed'), { errno: 1927, sqlState: '70100' });
    expect(classifyQueryError(killed, where, MYSQL_ERRORS)).toMatchObject({
      code: 'ER_CONNECTION_KILLED',
      transient: true,
    });
    const fatal = Object.assign(new Error('Unexpected packet'), {
      fatal: true,
      code: 'PROTOCOL_UNEXPECTED_PACKET',
    });
    expect(classifyQueryError(fatal, where, MYSQL_ERRORS)).toMatchObject({
      kind: 'connection',
      transient: true,
    });
    // MySQL's general SQLSTATE says nothing: no class rule for it.
    const general = Object.assign(new Error('something'), { errno: 1105, sqlState: 'HY000' });
    expect(classifyQueryError(general, where, MYSQL_ERRORS)).toBe(general);
  });

  it('leaves an error no rule knows as it is at query time (a bug), but not at connect time', () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(classifyQueryError(syntax, where, POSTGRES_ERRORS)).toBe(syntax);
    const bug = new TypeError('x is not a function');
    expect(classifyQueryError(bug, where, POSTGRES_ERRORS)).toBe(bug);
    expect(classifyConnectError(bug, where, POSTGRES_ERRORS)).toMatchObject({
      kind: 'connection',
      transient: false,
    });
    expect(classifyLoss(bug, where, MYSQL_ERRORS)).toMatchObject({ kind: 'connection', transient: true });
  });

  it('passes ferry errors through unchanged', () => {
    const own = new DataError('already classified');
    expect(classifyQueryError(own, where, MYSQL_ERRORS)).toBe(own);
  });
});

describe('exit codes', () => {
  it('gives every kind its code of the table', () => {
    expect(EXIT_CODES).toEqual({
      configuration: 2,
      connection: 3,
      schema: 1,
      data: 1,
      engine: 1,
      lock: 7,
      interrupted: 130,
    });
  });

  it('picks the code that wins when several apply', () => {
    expect(exitCodeOf([EXIT.failed, EXIT.connection])).toBe(3);
    expect(exitCodeOf([EXIT.connection, EXIT.interrupted])).toBe(130);
    expect(exitCodeOf([EXIT.usage, EXIT.bug])).toBe(70);
    expect(exitCodeOf([EXIT.locked, EXIT.connection])).toBe(7);
    expect(exitCodeOf([])).toBe(0);
  });

  it('retries only what ferry marked transient', () => {
    expect(isTransient(new ConnectionError('lost', { transient: true }))).toBe(true);
    expect(isTransient(new FerryError('configuration', 'bad key'))).toBe(false);
    expect(isTransient(new Error('a bug'))).toBe(false);
  });
});
