// The stall watch: a connection whose proxy stops forwarding (both sockets kept open, so TCP
// keepalive is answered) fails with a clear error within seconds, and its session on the server is
// ended; a statement that is merely silent (a sleep, a lock wait, as a long CREATE INDEX is) is
// left alone however long it takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql } from '../../../src/connectors/mysql/connect.js';
import { readPackets } from '../../../src/connectors/mysql/read-packets.js';
import { connectPostgres } from '../../../src/connectors/postgres/connect.js';
import { ConnectionError } from '../../../src/errors.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

let db: TestDatabases;
let pgProxy: TcpProxy;
let myProxy: TcpProxy;
/** Checks after 400 ms of silence; a fresh connection gets 1.5 s. */
const FAST = { stallTimeoutMs: 400, connectTimeoutMs: 1500 };

beforeAll(async () => {
  db = await createTestDatabases('stalls');
  await db.target.query('CREATE TABLE t (id int PRIMARY KEY)');
  await db.target.query('INSERT INTO t VALUES (1)');
  await db.source.query('CREATE TABLE many (id int PRIMARY KEY)');
  await db.source.query('INSERT INTO many SELECT seq FROM seq_1_to_50000');
  pgProxy = await startTcpProxy('127.0.0.1', 5432);
  myProxy = await startTcpProxy('127.0.0.1', 3306);
});

afterAll(async () => {
  await pgProxy?.close();
  await myProxy?.close();
  await db?.drop();
});

const timed = async <T>(work: Promise<T>) => {
  const started = Date.now();
  const outcome = await work.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, ms: Date.now() - started };
};

describe('PostgreSQL', () => {
  it('leaves a silent statement alone: a 1.5 s sleep and a 1.5 s lock wait both finish', async () => {
    const client = await connectPostgres({ ...db.postgres, ...FAST });
    const other = await connectPostgres(db.postgres);
    try {
      expect((await timed(client.query('SELECT pg_sleep(1.5)'))).error).toBeUndefined();
      await other.query('BEGIN');
      await other.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const waiting = timed(client.query('SELECT count(*) FROM t'));
      await new Promise((r) => setTimeout(r, 1500));
      await other.query('COMMIT');
      const { error, ms } = await waiting;
      expect(error).toBeUndefined();
      expect(ms).toBeGreaterThanOrEqual(1400);
    } finally {
      await client.end();
      await other.end();
    }
  });

  it('fails a query whose proxy stopped forwarding, and ends its session on the server', async () => {
    const client = await connectPostgres({ ...db.postgres, ...FAST, port: pgProxy.port });
    const pid = (client as unknown as { processID: number }).processID;
    await client.query('BEGIN');
    await client.query('SELECT * FROM t FOR UPDATE');
    // New connections still get through: the check sees the session idle in its transaction.
    pgProxy.stall({ newConnections: 'forwarded' });
    const { error, ms } = await timed(client.query('SELECT 1'));
    pgProxy.resume();
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).transient).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^no answer from ferry@127\\.0\\.0\\.1:${pgProxy.port}/${db.name} for [\\d.]+ s: its session on the server is idle in transaction`,
      ),
    );
    expect(ms).toBeLessThan(6000);
    // Its row lock went with the session (pg_terminate_backend returns before the backend is gone).
    const deadline = Date.now() + 5000;
    let alive = 1;
    while (alive > 0 && Date.now() < deadline) {
      alive = (await db.target.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount ?? 0;
      if (alive > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(alive).toBe(0);
    const started = Date.now();
    await client.end();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fails a query when the server cannot be reached at all', async () => {
    const client = await connectPostgres({ ...db.postgres, ...FAST, port: pgProxy.port });
    pgProxy.stall();
    const { error, ms } = await timed(client.query('SELECT 1'));
    pgProxy.resume();
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/for [\d.]+ s: a fresh connection failed too/);
    expect(ms).toBeLessThan(8000);
    await client.end();
  });
});

describe('MySQL', () => {
  it('leaves a silent statement alone: a 1.5 s SLEEP finishes', async () => {
    const connection = await connectMysql({ ...db.mysql, ...FAST });
    try {
      expect((await timed(connection.query('SELECT SLEEP(1.5)'))).error).toBeUndefined();
    } finally {
      await connection.end();
    }
  });

  it('leaves a reader alone while ferry itself holds it back, and fails one whose proxy stopped', async () => {
    const connection = await connectMysql({ ...db.mysql, ...FAST, port: myProxy.port });
    const threadId = (connection as unknown as { connection: { threadId: number } }).connection.threadId;
    let rows = 0;
    const outcome = new Promise<unknown>((resolve) => {
      const reader = readPackets(connection, 'SELECT id, REPEAT("x", 200) FROM many ORDER BY id', [], {
        row: () => {
          rows++;
          if (rows === 1000) {
            // Backpressure for 1.2 s: the silence is ferry's own.
            reader.pause();
            setTimeout(() => {
              myProxy.stall({ newConnections: 'forwarded' });
              reader.resume();
            }, 1200);
          }
        },
        end: () => resolve('end'),
        error: resolve,
      });
    });
    const { value: error, ms } = await timed(outcome);
    myProxy.resume();
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /^no answer from .* for [\d.]+ s: its session on the server (waits on the network|is idle)/,
    );
    expect(ms).toBeLessThan(10_000);
    expect(rows).toBeLessThan(50_000);
    // The server-side thread was killed.
    const deadline = Date.now() + 5000;
    let alive = 1;
    while (alive > 0 && Date.now() < deadline) {
      const [found] = await db.source.query('SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?', [
        threadId,
      ]);
      alive = (found as unknown[]).length;
      if (alive > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(0);
    await connection.end();
  });
});
