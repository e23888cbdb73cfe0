// Transactions come out of the binlog reader whole and in order, DDL is its own boundary, a
// transaction larger than the read-ahead buffer streams with bounded memory while the consumer is
// slow, and changes that ferry cannot follow exactly (statement format, partial row images) arrive
// as error events, never as rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectTables } from '../../../src/connectors/mysql/introspect.js';
import type { BinlogEvent } from '../../../src/connectors/mysql/binlog/events.js';
import { tableMapDifferences } from '../../../src/connectors/mysql/binlog/table-shape.js';
import { openBinlogReader } from '../../../src/connectors/mysql/binlog/reader.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { gtidFrom, gtidNow, reached, readUntil } from './support.js';

let db: TestDatabases;
const tracked = (...tables: string[]) => tables.map((table) => ({ schema: db.name, table }));

beforeAll(async () => {
  db = await createTestDatabases('binlog_tx');
  await db.source.query('CREATE TABLE orders (id int PRIMARY KEY, total decimal(10,2))');
  await db.source.query('CREATE TABLE order_lines (id int PRIMARY KEY, order_id int, qty int)');
  await db.source.query('CREATE TABLE audit (id int PRIMARY KEY AUTO_INCREMENT, note text)');
  await db.source.query('CREATE TABLE big (id int PRIMARY KEY, payload varchar(255))');
});

afterAll(async () => {
  await db?.drop();
});

/** The transaction holding the first row event: other sessions' transactions share the binlog. */
function firstWithRows(events: BinlogEvent[]): BinlogEvent[] {
  const rows = events.findIndex((e) => e.kind === 'insert' || e.kind === 'update' || e.kind === 'delete');
  const begin = events.slice(0, rows).findLastIndex((e) => e.kind === 'begin');
  const end = events.findIndex((e, i) => i > rows && e.kind === 'commit');
  return events.slice(begin, end + 1);
}

const shape = (e: BinlogEvent) =>
  e.kind === 'insert' || e.kind === 'update' || e.kind === 'delete'
    ? `${e.kind} ${e.table.table} ${e.rows.length}`
    : e.kind;

describe('a transaction over several tables', () => {
  it('comes out whole, in order, between its GTID and its XID', async () => {
    const start = await gtidNow(db.source);
    await db.source.query('BEGIN');
    await db.source.query('INSERT INTO orders VALUES (1, 10.00)');
    await db.source.query('INSERT INTO order_lines VALUES (1, 1, 2), (2, 1, 3)');
    await db.source.query('UPDATE orders SET total = 12.50 WHERE id = 1');
    await db.source.query('INSERT INTO audit (note) VALUES ("untracked")');
    await db.source.query('DELETE FROM order_lines WHERE id = 2');
    await db.source.query('COMMIT');
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: tracked('orders', 'order_lines'),
    });
    const ours = firstWithRows(events);
    expect(ours.map(shape).filter((s) => s !== 'table')).toEqual([
      'begin',
      'insert orders 1',
      'insert order_lines 2',
      'update orders 1',
      'delete order_lines 1',
      'commit',
    ]);
    const commit = ours.at(-1)!;
    expect(commit).toMatchObject({ kind: 'commit', via: 'xid' });
    const begin = ours[0]!;
    expect(begin.kind === 'begin' && commit.kind === 'commit' && reached(commit.position, begin.gtid!)).toBe(
      true,
    );
    const update = ours.find((e) => e.kind === 'update');
    expect(update?.kind === 'update' && update.rows[0]).toEqual({
      before: ['1', '10.00'],
      after: ['1', '12.50'],
    });
  });

  it('of a non-transactional table ends with a QUERY COMMIT', async () => {
    await db.source.query('CREATE TABLE plain (id int PRIMARY KEY) ENGINE=MyISAM');
    const start = await gtidNow(db.source);
    await db.source.query('INSERT INTO plain VALUES (1), (2)');
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: tracked('plain'),
    });
    const ours = firstWithRows(events);
    expect(ours.map(shape).filter((s) => s !== 'table')).toEqual(['begin', 'insert plain 2', 'commit']);
    expect(ours.at(-1)).toMatchObject({ kind: 'commit', via: 'query' });
  });
});

describe('DDL', () => {
  it('is a standalone boundary with a resume position, and the next table map has the new columns', async () => {
    const start = await gtidNow(db.source);
    await db.source.query('ALTER TABLE orders ADD COLUMN note varchar(10) NULL');
    await db.source.query('INSERT INTO orders VALUES (2, 1.00, "new")');
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: tracked('orders'),
    });
    const ddl = events.find((e) => e.kind === 'ddl' && e.schema === db.name);
    expect(ddl).toMatchObject({
      kind: 'ddl',
      schema: db.name,
      query: expect.stringMatching(/ADD COLUMN note/),
    });
    expect(ddl?.kind === 'ddl' && ddl.position?.gtid).toBeTruthy();
    const insert = events.find((e) => e.kind === 'insert');
    expect(insert?.kind === 'insert' && insert.table.columns.map((c) => c.name)).toEqual([
      'id',
      'total',
      'note',
    ]);
    expect(insert?.kind === 'insert' && insert.rows).toEqual([['2', '1.00', 'new']]);
    const [now] = await introspectTables(db.source, db.name, ['orders']);
    expect(insert?.kind === 'insert' && tableMapDifferences(insert.table, now!)).toEqual([]);
    // the table map of a row written before the ALTER no longer matches the table
    const older = { ...now!, columns: now!.columns.slice(0, 2) };
    expect(insert?.kind === 'insert' && tableMapDifferences(insert.table, older)).toEqual([
      'the binlog has 3 columns, ferry expects 2',
    ]);
  });
});

describe('the guards', () => {
  it('turn a statement-format change and a partial row image of a tracked table into error events', async () => {
    const start = await gtidNow(db.source);
    await db.source.query("SET SESSION binlog_format = 'STATEMENT'");
    await db.source.query('INSERT INTO order_lines VALUES (10, 1, 1)');
    await db.source.query("SET SESSION binlog_format = 'ROW', SESSION binlog_row_image = 'MINIMAL'");
    await db.source.query('UPDATE order_lines SET qty = 5 WHERE id = 10');
    await db.source.query("SET SESSION binlog_row_image = 'FULL'");
    const events = await readUntil(db.mysql, gtidFrom(start), await gtidNow(db.source), {
      tables: tracked('order_lines'),
    });
    const errors = events.filter((e) => e.kind === 'error');
    expect(errors.map((e) => e.kind === 'error' && e.code)).toEqual(['statement_format', 'row_image']);
    expect(events.some((e) => e.kind === 'insert' || e.kind === 'update')).toBe(false);
  });
});

describe('a transaction larger than the read-ahead buffer', () => {
  it('streams to a slow consumer with the buffer bounded, and pause() stops reading', async () => {
    const rows = 200_000;
    const start = await gtidNow(db.source);
    await db.source.query(
      `INSERT INTO big SELECT seq, CONCAT(seq, ':', REPEAT('p', 180)) FROM seq_1_to_${rows}`,
    );
    const until = await gtidNow(db.source);
    const bufferBytes = 1024 * 1024;
    const reader = await openBinlogReader(
      db.mysql,
      { from: gtidFrom(start), tables: tracked('big'), bufferBytes },
      silentLogger(),
    );
    let seen = 0;
    let maxBuffered = 0;
    let maxMemory = 0;
    const baseline = process.memoryUsage();
    let pausedCheck: number[] | undefined;
    try {
      for await (const event of reader.events) {
        maxBuffered = Math.max(maxBuffered, reader.buffered);
        if (event.kind === 'insert') {
          seen += event.rows.length;
          if (seen % 20_000 < event.rows.length) {
            const m = process.memoryUsage();
            maxMemory = Math.max(
              maxMemory,
              m.heapUsed + m.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers,
            );
            await new Promise((r) => setTimeout(r, 20)); // a slow consumer
          }
          if (!pausedCheck && seen > rows / 2) {
            reader.pause();
            const a = reader.buffered;
            await new Promise((r) => setTimeout(r, 300));
            pausedCheck = [a, reader.buffered];
            reader.resume();
          }
        }
        if (event.kind === 'commit' && reached(event.position, until)) break;
      }
    } finally {
      await reader.close();
    }
    expect(seen).toBe(rows);
    // about 45 MB of binlog went through a 1 MiB buffer (plus what one socket read brings)
    expect(maxBuffered).toBeLessThan(bufferBytes + 2 * 1024 * 1024);
    expect(maxMemory).toBeLessThan(64 * 1024 * 1024);
    expect(pausedCheck![1]).toBeLessThanOrEqual(pausedCheck![0]! + 256 * 1024);
  });
});

describe('stopping', () => {
  it('ends the iteration when the signal aborts, and a break closes the reader', async () => {
    const controller = new AbortController();
    const reader = await openBinlogReader(
      db.mysql,
      { from: gtidFrom(await gtidNow(db.source)), signal: controller.signal, heartbeatSeconds: 0.2 },
      silentLogger(),
    );
    const kinds: string[] = [];
    for await (const event of reader.events) {
      kinds.push(event.kind);
      if (event.kind === 'heartbeat') controller.abort();
    }
    expect(kinds.at(-1)).toBe('heartbeat');

    const second = await openBinlogReader(
      db.mysql,
      { from: gtidFrom(await gtidNow(db.source)) },
      silentLogger(),
    );
    for await (const event of second.events) if (event.kind === 'rotate') break;
    const after: string[] = [];
    for await (const event of second.events) after.push(event.kind);
    expect(after).toEqual([]);
  });
});
