// Each rule of the driver error tables, provoked on the real servers: a deadlock between two
// sessions, a serialization failure, a killed session, values PostgreSQL rejects in a COPY. Every
// error arrives classified at the query boundary (kind, transient, the driver's code, the server
// named without its password), and a socket reset while a client is idle never crashes the process.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { readPackets } from '../../../src/connectors/mysql/read-packets.js';
import { readRows } from '../../../src/connectors/mysql/read-rows.js';
import { connectPostgres, type PgClient } from '../../../src/connectors/postgres/connect.js';
import { copyInto } from '../../../src/connectors/postgres/copy-into.js';
import { inTransaction, retryTransaction } from '../../../src/connectors/postgres/transaction.js';
import {
  CommitUnknownError,
  ConnectionError,
  DataError,
  FerryError,
  SchemaError,
} from '../../../src/errors.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

let db: TestDatabases;
const opened: { end(): Promise<unknown> }[] = [];

beforeAll(async () => {
  db = await createTestDatabases('rules');
  await db.target.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, label text)');
  await db.target.query("INSERT INTO t VALUES (1, 0, 'a'), (2, 0, 'b')");
  await db.source.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, small tinyint)');
  await db.source.query('INSERT INTO t VALUES (1, 0, 0), (2, 0, 0)');
  await db.source.query('CREATE TABLE many (id int PRIMARY KEY)');
  await db.source.query('INSERT INTO many SELECT seq FROM seq_1_to_5000');
});

afterAll(async () => {
  await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
  await db?.drop();
});

async function pg(spec = db.postgres): Promise<PgClient> {
  const client = await connectPostgres(spec);
  opened.push(client);
  return client;
}

async function my(spec = db.mysql): Promise<MysqlConnection> {
  const connection = await connectMysql(spec);
  opened.push(connection);
  return connection;
}

/** The rejection of `work`, which must reject. */
async function failure(work: Promise<unknown>): Promise<FerryError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

const where = () => `ferry@127.0.0.1:5432/${db.name}`;
const mysqlWhere = () => `ferry@127.0.0.1:3306/${db.name}`;

describe('PostgreSQL errors at the query boundary', () => {
  it('a deadlock between two sessions is a transient 40P01 naming the server', async () => {
    const [a, b] = [await pg(), await pg()];
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE t SET v = 1 WHERE id = 1');
    await b.query('UPDATE t SET v = 1 WHERE id = 2');
    const first = a.query('UPDATE t SET v = 2 WHERE id = 2');
    // Let the first wait begin before the second closes the cycle.
    await new Promise((r) => setTimeout(r, 200));
    const second = b.query('UPDATE t SET v = 2 WHERE id = 1');
    const settled = await Promise.allSettled([first, second]);
    const rejected = settled.filter((s) => s.status === 'rejected').map((s) => s.reason as FerryError);
    expect(rejected).toHaveLength(1);
    const error = rejected[0]!;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: '40P01', transient: true });
    expect(error.message).toMatch(new RegExp(`^deadlock on ${where()} \\(deadlock detected`));
    expect(error.message).not.toContain('ferry-dev-pw');
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
  });

  it('a serialization failure is a transient 40001, and retryTransaction runs the whole transaction again', async () => {
    const [a, b] = [await pg(), await pg()];
    let runs = 0;
    const value = await retryTransaction(
      a,
      async () => {
        runs++;
        await a.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await a.query('SELECT v FROM t WHERE id = 1');
        // Another session changes the row after this transaction's snapshot, on the first run only.
        if (runs === 1) await b.query('UPDATE t SET v = v + 1 WHERE id = 1');
        const { rows } = await a.query<{ v: number }>('UPDATE t SET v = v + 10 WHERE id = 1 RETURNING v');
        return rows[0]!.v;
      },
      { safeToRepeat: true, delayMs: 10 },
    );
    expect(runs).toBe(2);
    expect(value).toBe(11);

    // Work that is not safe to repeat fails at once with the classified error.
    let once = 0;
    const error = await failure(
      retryTransaction(
        a,
        async () => {
          once++;
          await a.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          await a.query('SELECT v FROM t WHERE id = 2');
          await b.query('UPDATE t SET v = v + 1 WHERE id = 2');
          await a.query('UPDATE t SET v = v + 10 WHERE id = 2');
        },
        { safeToRepeat: false },
      ),
    );
    expect(once).toBe(1);
    expect(error).toMatchObject({ code: '40001', transient: true, kind: 'connection' });
    expect(error.message).toMatch(/^serialization failure on /);
  });

  it('pg_terminate_backend of a busy session and of an idle one: a transient connection error, never a crash', async () => {
    const admin = await pg();
    const busy = await pg();
    const sleeping = busy.query('SELECT pg_sleep(30)');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await admin.query('SELECT pg_terminate_backend($1)', [
      (busy as unknown as { processID: number }).processID,
    ]);
    const error = await failure(sleeping);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: '57P01', transient: true, kind: 'connection' });
    expect(error.message).toContain(`PostgreSQL at ${where()} ended the session`);

    const idle = await pg();
    await admin.query('SELECT pg_terminate_backend($1)', [
      (idle as unknown as { processID: number }).processID,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const next = await failure(idle.query('SELECT 1'));
    expect(next).toMatchObject({ transient: true, kind: 'connection' });
  });

  it('values PostgreSQL rejects in a COPY are data errors with the column: 22P02, 22003, 22021', async () => {
    const client = await pg();
    const copy = (bytes: Buffer) =>
      copyInto(client, 'public', 't', ['id', 'v', 'label'], Readable.from([bytes]));
    const malformed = await failure(copy(Buffer.from('3\tabc\tx\n')));
    expect(malformed).toBeInstanceOf(DataError);
    expect(malformed).toMatchObject({ code: '22P02', transient: false });
    expect(malformed.message).toMatch(/^a value has the wrong form for its column in /);
    expect(malformed.message).toContain('column v: "abc"');

    const range = await failure(copy(Buffer.from('3\t99999999999\tx\n')));
    expect(range).toMatchObject({ code: '22003', kind: 'data' });
    expect(range.message).toMatch(/^a number is out of range/);

    const bytes = await failure(
      copy(Buffer.concat([Buffer.from('3\t1\tbad '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')])),
    );
    expect(bytes).toMatchObject({ code: '22021', kind: 'data' });
    expect(bytes.message).toMatch(/^a value is not valid UTF-8/);
    // The client is still usable after each rolled-back COPY.
    expect((await client.query('SELECT count(*)::int AS n FROM t')).rows[0]).toEqual({ n: 2 });
  });

  it('a missing table or column is a schema error; a statement ferry got wrong stays a bug', async () => {
    const client = await pg();
    expect(await failure(client.query('SELECT * FROM nosuch'))).toBeInstanceOf(SchemaError);
    expect(await failure(client.query('SELECT nosuch FROM t'))).toMatchObject({
      code: '42703',
      kind: 'schema',
    });
    const bug = await client.query('SELEC 1').catch((e: unknown) => e);
    expect(bug).not.toBeInstanceOf(FerryError);
    expect((bug as { code?: string }).code).toBe('42601');
  });

  it('a wrong password and a missing database are terminal connection errors without the password', async () => {
    const password = await failure(connectPostgres({ ...db.postgres, password: 'not-the-password' }));
    expect(password).toMatchObject({ code: '28P01', transient: false, kind: 'connection' });
    expect(password.message).not.toContain('not-the-password');
    const missing = await failure(connectPostgres({ ...db.postgres, database: `${db.name}_nosuch` }));
    expect(missing).toMatchObject({ code: '3D000', transient: false });
  });

  it('a socket reset while the client is idle is kept for its next use, not thrown at the process', async () => {
    const proxy = await startTcpProxy('127.0.0.1', 5432);
    try {
      const client = await pg({ ...db.postgres, port: proxy.port });
      await client.query('SELECT 1');
      proxy.dropAll();
      await new Promise((r) => setTimeout(r, 200));
      const error = await failure(client.query('SELECT 1'));
      expect(error).toMatchObject({ kind: 'connection', transient: true });
      expect(error.message).toContain(`127.0.0.1:${proxy.port}/${db.name}`);
    } finally {
      await proxy.close();
    }
  });

  it('a connection lost around COMMIT is a CommitUnknownError; reading the state back tells what happened', async () => {
    const proxy = await startTcpProxy('127.0.0.1', 5432);
    try {
      for (const [id, forwardFirst] of [
        [10, false],
        [11, true],
      ] as const) {
        const client = await pg({ ...db.postgres, port: proxy.port });
        const dropped = proxy.dropOn('COMMIT', 'toServer', { forwardFirst });
        const error = await failure(
          inTransaction(client, () => client.query("INSERT INTO t VALUES ($1, 0, 'commit')", [id])),
        );
        await dropped;
        expect(error).toBeInstanceOf(CommitUnknownError);
        expect(error.transient).toBe(true);
        // What the transaction wrote, read on another connection, is the truth.
        const present = async () =>
          (await db.target.query('SELECT 1 FROM t WHERE id = $1', [id])).rowCount === 1;
        const deadline = Date.now() + 5000;
        while (forwardFirst && !(await present()) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        expect(await present()).toBe(forwardFirst);
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('MySQL errors at the query boundary', () => {
  it('a deadlock between two sessions is a transient ER_LOCK_DEADLOCK naming the server', async () => {
    const [a, b] = [await my(), await my()];
    await a.query('START TRANSACTION');
    await b.query('START TRANSACTION');
    await a.query('UPDATE t SET v = 1 WHERE id = 1');
    await b.query('UPDATE t SET v = 1 WHERE id = 2');
    const first = a.query('UPDATE t SET v = 2 WHERE id = 2');
    await new Promise((r) => setTimeout(r, 200));
    const second = b.query('UPDATE t SET v = 2 WHERE id = 1');
    const settled = await Promise.allSettled([first, second]);
    const rejected = settled.filter((s) => s.status === 'rejected').map((s) => s.reason as FerryError);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(ConnectionError);
    expect(rejected[0]).toMatchObject({ code: 'ER_LOCK_DEADLOCK', transient: true });
    expect(rejected[0]!.message).toMatch(new RegExp(`^deadlock on ${mysqlWhere()} `));
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
  });

  it("a KILL of ferry's reader mid-read ends the packet reader and the row reader with a transient error", async () => {
    const admin = db.source;
    const threadOf = (c: MysqlConnection) =>
      (c as unknown as { connection: { threadId: number } }).connection.threadId;
    const reader = await my();
    const failed = new Promise<unknown>((resolve) =>
      readPackets(reader, 'SELECT SLEEP(30)', [], {
        row: () => undefined,
        end: () => resolve(undefined),
        error: resolve,
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await admin.query(`KILL ${threadOf(reader)}`);
    const error = (await failed) as FerryError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/ended the session|lost/);
    // The connection stays broken, and says so at once.
    expect(await failure(reader.query('SELECT 1'))).toMatchObject({ kind: 'connection', transient: true });

    const rows = await my();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const row of readRows(
        rows,
        "SELECT id AS c0, REPEAT('x', 2000) AS c1, SLEEP(0.002) AS c2 FROM many ORDER BY id",
        [],
        new Set(),
      ))
        seen.push(Number(row[0]));
    })();
    // Handled at once: the rejection comes while the test is still waiting for the KILL.
    reading.catch(() => undefined);
    while (seen.length < 10) await new Promise((r) => setTimeout(r, 20));
    await admin.query(`KILL ${threadOf(rows)}`);
    const readError = await failure(reading);
    expect(readError).toMatchObject({ kind: 'connection', transient: true });
    expect(seen.length).toBeLessThan(5000);
  });

  it('KILL QUERY is a transient interruption; the connection goes on working', async () => {
    const connection = await my();
    const threadId = (connection as unknown as { connection: { threadId: number } }).connection.threadId;
    // MariaDB answers a killed SLEEP with the result 1, or with ER_QUERY_INTERRUPTED. Handled at once:
    // the rejection may arrive before the KILL's own answer does.
    const sleeping = connection.query('SELECT SLEEP(30)').then(
      () => 'answered',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 200));
    await db.source.query(`KILL QUERY ${threadId}`);
    const outcome = await sleeping;
    if (outcome !== 'answered')
      expect(outcome).toMatchObject({ code: 'ER_QUERY_INTERRUPTED', transient: true });
    expect(await connection.query('SELECT 1 AS one')).toBeDefined();
  });

  it('bad values, missing tables and columns, a wrong password: data, schema and terminal connection errors', async () => {
    const connection = await my();
    expect(await failure(connection.query('INSERT INTO t VALUES (9, 0, 1000)'))).toMatchObject({
      code: 'ER_WARN_DATA_OUT_OF_RANGE',
      kind: 'data',
    });
    // Known only by its SQLSTATE class (22007): a data error too.
    expect(await failure(connection.query("INSERT INTO t VALUES (9, 'abc', 0)"))).toMatchObject({
      kind: 'data',
    });
    expect(await failure(connection.query('SELECT * FROM nosuch'))).toMatchObject({
      code: 'ER_NO_SUCH_TABLE',
      kind: 'schema',
    });
    expect(await failure(connection.query('SELECT nosuch FROM t'))).toMatchObject({
      code: 'ER_BAD_FIELD_ERROR',
      kind: 'schema',
    });
    const denied = await failure(connectMysql({ ...db.mysql, password: 'not-the-password' }));
    expect(denied).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR', transient: false });
    expect(denied.message).not.toContain('not-the-password');
    const refused = await failure(connectMysql({ ...db.mysql, port: 1 }));
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', transient: true });
    expect(refused.message).toBe(
      `nothing is listening at ferry@127.0.0.1:1/${db.name}: MySQL is stopped or on another port (connect ECONNREFUSED 127.0.0.1:1)`,
    );
  });

  it('a socket reset while the connection is idle is kept for its next use, not thrown at the process', async () => {
    const proxy: TcpProxy = await startTcpProxy('127.0.0.1', 3306);
    try {
      const connection = await my({ ...db.mysql, port: proxy.port });
      proxy.dropAll();
      await new Promise((r) => setTimeout(r, 200));
      const error = await failure(connection.query('SELECT 1'));
      expect(error).toMatchObject({ kind: 'connection', transient: true });
      const packets = await new Promise<unknown>((resolve) =>
        readPackets(connection, 'SELECT 1', [], {
          row: () => undefined,
          end: () => resolve('end'),
          error: resolve,
        }),
      );
      expect(packets).toBe(error);
    } finally {
      await proxy.close();
    }
  });
});
