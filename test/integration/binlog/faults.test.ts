// Faults a binlog reader must name: rotation mid-stream (which it follows), purged and unknown
// positions, a connection cut by the network, a proxy that stops forwarding, and a second reader
// with the same server_id. On a throwaway MariaDB, since PURGE and FLUSH change the whole server.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BinlogEvent } from '../../../src/connectors/mysql/binlog/events.js';
import { BinlogError } from '../../../src/connectors/mysql/binlog/errors.js';
import { openBinlogReader, type BinlogReader } from '../../../src/connectors/mysql/binlog/reader.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { introspectTables } from '../../../src/connectors/mysql/introspect.js';
import {
  BINLOG_SERVER_ARGS,
  differences,
  gtidFrom,
  gtidNow,
  readUntil,
  snapshotRows,
  specOfUrl,
  startProxy,
} from './support.js';
import type { SourceRow } from '../../../src/schema/row-outcome.js';

let server: ThrowawayMariadb;
let admin: mysql.Connection;
const TABLES = [{ schema: 'shop', table: 'items' }];

beforeAll(async () => {
  server = await startThrowawayMariadb(BINLOG_SERVER_ARGS);
  admin = await mysql.createConnection({ uri: server.url });
  await admin.query('CREATE TABLE items (id int PRIMARY KEY, label varchar(20))');
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

/** The error the reader's iterator throws, and how long after `since` it came. */
async function failure(reader: BinlogReader, since: () => number): Promise<{ error: unknown; ms: number }> {
  try {
    for await (const event of reader.events) void event;
    return { error: undefined, ms: Date.now() - since() };
  } catch (error) {
    return { error, ms: Date.now() - since() };
  } finally {
    await reader.close();
  }
}

async function openAt(
  port: number,
  gtid: string,
  options: { serverId?: number; heartbeatSeconds?: number } = {},
) {
  return openBinlogReader(
    specOfUrl(server.url, port),
    { from: gtidFrom(gtid), tables: TABLES, ...options },
    silentLogger(),
  );
}

describe.skipIf(!canStartMariadb)('a binlog reader', () => {
  it('follows FLUSH BINARY LOGS mid-stream without losing a row', async () => {
    const start = await gtidNow(admin);
    for (let batch = 0; batch < 4; batch++) {
      await admin.query(
        'INSERT INTO items SELECT seq, CONCAT("r", seq) FROM seq_1_to_250 WHERE seq % 4 = ?',
        [batch],
      );
      await admin.query('FLUSH BINARY LOGS');
    }
    const events = await readUntil(specOfUrl(server.url), gtidFrom(start), await gtidNow(admin), {
      tables: TABLES,
    });
    const ids = events.flatMap((e) => (e.kind === 'insert' ? e.rows.map((r) => Number(r[0])) : []));
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const files = new Set(events.flatMap((e) => (e.kind === 'commit' ? [e.position.file] : [])));
    expect(files.size).toBe(4);
    expect(events.filter((e) => e.kind === 'rotate').length).toBeGreaterThanOrEqual(4);
  });

  it('refuses the rows of a table map without column names (binlog_row_metadata=MINIMAL)', async () => {
    const start = await gtidNow(admin);
    await admin.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      const c = await mysql.createConnection({ uri: server.url }); // a new session takes the new value
      await c.query('INSERT INTO items VALUES (5000, "minimal")');
      await c.end();
    } finally {
      await admin.query('SET GLOBAL binlog_row_metadata = FULL');
    }
    const events = await readUntil(specOfUrl(server.url), gtidFrom(start), await gtidNow(admin), {
      tables: TABLES,
    });
    const error = events.find((e) => e.kind === 'error');
    expect(error).toMatchObject({
      kind: 'error',
      code: 'no_metadata',
      message: expect.stringMatching(/binlog_row_metadata=FULL/),
    });
    expect(events.some((e) => e.kind === 'insert')).toBe(false);
  });

  it('inflates compressed events (log_bin_compress=ON) into the same rows and statements', async () => {
    const start = await gtidNow(admin);
    await admin.query('SET GLOBAL log_bin_compress = ON, GLOBAL log_bin_compress_min_len = 10');
    try {
      const c = await mysql.createConnection({ uri: server.url });
      await c.query(
        'CREATE TABLE packed (id int PRIMARY KEY, v varchar(200)) COMMENT "a statement long enough to compress"',
      );
      await c.query('INSERT INTO packed VALUES (1, REPEAT("abc", 50)), (2, "short")');
      await c.query('UPDATE packed SET v = "changed" WHERE id = 2');
      await c.query('DELETE FROM packed WHERE id = 1');
      await c.end();
    } finally {
      await admin.query('SET GLOBAL log_bin_compress = OFF');
    }
    const events = await readUntil(specOfUrl(server.url), gtidFrom(start), await gtidNow(admin), {
      tables: [{ schema: 'shop', table: 'packed' }],
    });
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(events.find((e) => e.kind === 'ddl')).toMatchObject({
      query: expect.stringMatching(/^CREATE TABLE packed/),
    });
    const changes = events.flatMap((e) =>
      e.kind === 'insert' || e.kind === 'delete'
        ? [[e.kind, ...e.rows.map((r) => r.join(':'))]]
        : e.kind === 'update'
          ? [[e.kind, ...e.rows.map((r) => `${r.before.join(':')}>${r.after.join(':')}`)]]
          : [],
    );
    expect(changes).toEqual([
      ['insert', `1:${'abc'.repeat(50)}`, '2:short'],
      ['update', '2:short>2:changed'],
      ['delete', `1:${'abc'.repeat(50)}`],
    ]);
  });

  it('reads classic temporal columns exactly, and refuses fractional ones of the old format', async () => {
    const start = await gtidNow(admin);
    await admin.query('SET GLOBAL mysql56_temporal_format = OFF');
    const c = await mysql.createConnection({ uri: server.url });
    try {
      await c.query("SET time_zone = '+00:00', sql_mode = ''");
      await c.query('CREATE TABLE classic (id int PRIMARY KEY, a datetime, b time, c timestamp NULL)');
      await c.query('CREATE TABLE hires (id int PRIMARY KEY, d datetime(6))');
      await c.query(
        "INSERT INTO classic VALUES (1, '2024-02-29 12:34:56', '-838:59:59', '2038-01-19 03:14:07'), (2, '0000-00-00 00:00:00', '00:00:00', NULL)",
      );
      await c.query("INSERT INTO hires VALUES (1, '2024-02-29 12:34:56.123456')");
    } finally {
      await admin.query('SET GLOBAL mysql56_temporal_format = ON');
    }
    const tables = await introspectTables(c, 'shop', ['classic', 'hires']);
    const expected = new Map(tables.map((t) => [t.name, t]));
    const events = await readUntil(specOfUrl(server.url), gtidFrom(start), await gtidNow(admin), {
      tables: [
        { schema: 'shop', table: 'classic' },
        { schema: 'shop', table: 'hires' },
      ],
      expect: (_schema, table) => expected.get(table),
    });
    const binlog = new Map<string, SourceRow>();
    for (const e of events)
      if (e.kind === 'insert' && e.table.table === 'classic')
        for (const r of e.rows) binlog.set(String(r[0]), r);
    expect(differences(binlog, await snapshotRows(c, 'shop', 'classic'), ['id', 'a', 'b', 'c'])).toEqual([]);
    const refused = events.find((e) => e.kind === 'error');
    expect(refused).toMatchObject({
      code: 'table_mismatch',
      message: expect.stringMatching(/column d: the binlog has 0 fractional digits, ferry expects 6/),
    });
    expect(events.some((e) => e.kind === 'insert' && e.table.table === 'hires')).toBe(false);
    await c.end();
  });

  it('names a purged position and a position the server never had', async () => {
    const old = await gtidNow(admin);
    const [[{ File: oldFile }]] = (await admin.query('SHOW BINLOG STATUS')) as unknown as [
      [{ File: string }],
    ];
    await admin.query('INSERT INTO items VALUES (1001, "after")');
    await admin.query('FLUSH BINARY LOGS');
    const [[{ File: current }]] = (await admin.query('SHOW BINLOG STATUS')) as unknown as [
      [{ File: string }],
    ];
    // PURGE keeps a file a dump thread still reads; the threads of closed readers end within a heartbeat
    for (let i = 0; i < 50; i++) {
      await admin.query('PURGE BINARY LOGS TO ?', [current]);
      const [logs] = await admin.query('SHOW BINARY LOGS');
      if ((logs as { Log_name: string }[]).every((l) => l.Log_name >= current)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const from of [gtidFrom(old), { gtid: null, file: oldFile, position: 4 }]) {
      const opened = openBinlogReader(specOfUrl(server.url), { from, tables: TABLES }, silentLogger());
      const result = await opened.then(
        (reader) => failure(reader, () => 0),
        (error: unknown) => ({ error, ms: 0 }),
      );
      expect(result.error).toBeInstanceOf(BinlogError);
      expect(result.error).toMatchObject({ reason: 'position_lost', transient: false });
    }
    const ahead = await failure(await openAt(server.port, '0-1-999999'), () => 0);
    expect(ahead.error).toMatchObject({ reason: 'position_unknown', transient: false });
    expect((ahead.error as Error).message).toMatch(/999999/);
  });

  it('surfaces a connection cut by the network as a transient error within a second', async () => {
    const proxy = await startProxy(server.port);
    try {
      const reader = await openAt(proxy.port, await gtidNow(admin));
      let cutAt = 0;
      const result = failure(reader, () => cutAt);
      await new Promise((r) => setTimeout(r, 300));
      cutAt = Date.now();
      proxy.cut();
      const { error, ms } = await result;
      expect(error).toMatchObject({ reason: 'connection_lost', transient: true });
      expect(ms).toBeLessThan(1000);
    } finally {
      await proxy.close();
    }
  });

  it('detects a proxy that stops forwarding by the heartbeat read timeout', async () => {
    const proxy = await startProxy(server.port);
    try {
      const reader = await openAt(proxy.port, await gtidNow(admin), { heartbeatSeconds: 0.5 });
      const seen: BinlogEvent[] = [];
      let stalledAt = 0;
      const result = (async () => {
        try {
          for await (const event of reader.events) {
            seen.push(event);
            if (event.kind === 'heartbeat' && seen.filter((e) => e.kind === 'heartbeat').length === 2) {
              stalledAt = Date.now();
              proxy.stall();
            }
          }
        } catch (error) {
          return { error, ms: Date.now() - stalledAt };
        }
        return { error: undefined, ms: 0 };
      })();
      const { error, ms } = await result;
      await reader.close();
      expect(error).toMatchObject({ reason: 'read_timeout', transient: true });
      // the read timeout is 3 heartbeats + 2 s
      expect(ms).toBeGreaterThan(3000);
      expect(ms).toBeLessThan(5000);
    } finally {
      await proxy.close();
    }
  });

  it('says so when a second reader takes its server_id', async () => {
    const at = await gtidNow(admin);
    const first = await openAt(server.port, at, { serverId: 4242 });
    let secondAt = 0;
    const result = failure(first, () => secondAt);
    await new Promise((r) => setTimeout(r, 200));
    secondAt = Date.now();
    const second = await openAt(server.port, at, { serverId: 4242 });
    try {
      const { error, ms } = await result;
      expect(error).toMatchObject({ reason: 'duplicate_server_id' });
      expect(ms).toBeLessThan(2000);
    } finally {
      await second.close();
    }
  });
});
