// The raw row reader: every row arrives once, pausing holds rows back until resumed, discarding
// mid-stream leaves the connection usable, and a failing query reports its error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import { readPackets } from '../../../src/connectors/mysql/read-packets.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

let db: TestDatabases;
let connection: MysqlConnection;
const ROWS = 20_000;

beforeAll(async () => {
  db = await createTestDatabases('packets');
  await db.source.query('CREATE TABLE t (id int PRIMARY KEY, label varchar(40))');
  await db.source.query(`INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
  connection = await connectMysql(db.mysql);
});

afterAll(async () => {
  await connection?.end();
  await db?.drop();
});

/** The first value of a row packet (a length-encoded string shorter than 251 bytes). */
const firstValue = (buffer: Buffer, start: number) =>
  buffer.toString('utf8', start + 1, start + 1 + buffer[start]!);

describe('reading raw row packets', () => {
  it('delivers every row once, and holds rows back while paused', async () => {
    const ids: number[] = [];
    let pausedAt = -1;
    let rowsWhilePaused = 0;
    await new Promise<void>((resolve, reject) => {
      const reader = readPackets(connection, 'SELECT id, label FROM t WHERE id > ? ORDER BY id', [0], {
        row: (buffer, start) => {
          if (pausedAt >= 0) rowsWhilePaused++;
          ids.push(Number(firstValue(buffer, start)));
          if (ids.length === 1000) {
            reader.pause();
            pausedAt = ids.length;
            setTimeout(() => {
              pausedAt = -1;
              reader.resume();
            }, 100);
          }
        },
        end: resolve,
        error: reject,
      });
    });
    expect(rowsWhilePaused).toBe(0);
    expect(ids).toHaveLength(ROWS);
    expect(ids[0]).toBe(1);
    expect(ids[ROWS - 1]).toBe(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
  });

  it('leaves the connection usable after the rest of a result is discarded', async () => {
    let seen = 0;
    await new Promise<void>((resolve) => {
      const reader = readPackets(connection, 'SELECT id, label FROM t', [], {
        row: () => {
          seen++;
          if (seen === 10) {
            reader.discard();
            resolve();
          }
        },
        end: () => undefined,
        error: () => undefined,
      });
    });
    expect(seen).toBe(10);
    const [rows] = await connection.query('SELECT COUNT(*) AS n FROM t');
    expect(Number((rows as { n: number }[])[0]!.n)).toBe(ROWS);
  });

  it('reports a failing query as an error', async () => {
    const error = await new Promise<Error>((resolve) => {
      readPackets(connection, 'SELECT nope FROM t', [], {
        row: () => undefined,
        end: () => resolve(new Error('no error')),
        error: resolve,
      });
    });
    expect(error.message).toMatch(/Unknown column 'nope'/);
    const [rows] = await connection.query('SELECT 1 AS one');
    expect((rows as { one: number }[])[0]!.one).toBe(1);
  });
});
