// The progress board (rates, ETA, the share of the copy and of the steps after it), its one-line
// description, the log lines every few seconds, and pretty logs that keep one event per line.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { describeProgress, logProgress, progressBoard } from '../../../src/observability/progress.js';
import { catchUpProgress } from '../../../src/replication/cdc/catch-up-progress.js';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('the progress board', () => {
  it('computes the rate from the rows this process moved and the ETA from the rows left', () => {
    let now = 1_000_000;
    const board = progressBoard(() => now);
    // a resumed load: 300 rows were kept from an earlier run
    board.update('orders', { phase: 'copying', rows: 300, rowsTotal: 1300, chunks: 1, chunksTotal: 4 });
    now += 2000;
    board.update('orders', { rows: 500 });
    const r = board.report('orders')!;
    expect(r.rowsPerSecond).toBe(100);
    expect(r.etaSeconds).toBe(8);
    expect(r.fraction).toBeCloseTo((0.9 * 500) / 1300);
    expect(describeProgress(r)).toBe('copying, 500/1,300 rows (38%), 100 rows/s, 1/4 chunks, ETA 8 s');
  });

  it('fills the last tenth with the steps that put the rows in place, and clears them for a new phase', () => {
    let now = 0;
    const board = progressBoard(() => now);
    board.update('orders', { phase: 'copying', rows: 1000, rowsTotal: 1000 });
    expect(board.report('orders')!.fraction).toBeCloseTo(0.9);
    now += 30_000;
    board.update('orders', { phase: 'building index idx_orders_customer', step: 3, steps: 5 });
    const r = board.report('orders')!;
    expect(r.fraction).toBeCloseTo(0.9 + 0.1 * (2 / 5));
    expect(r.etaSeconds).toBeNull();
    expect(describeProgress(r)).toBe(
      'building index idx_orders_customer (step 3/5), 1,000 rows, 30 s so far',
    );
    board.update('orders', { phase: 'copying changes' });
    expect(board.report('orders')!.step).toBeNull();
    board.end('orders');
    expect(board.reports()).toEqual([]);
  });
});

describe('progress in the log', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a line per running item every interval, and none for work that ended sooner', () => {
    const out = capture();
    const logger = createLogger({ format: 'json', destination: out.stream });
    const progress = logProgress(logger, { key: 'stream', intervalSeconds: 5 });
    progress.update('quick', { phase: 'copying', rows: 10, rowsTotal: 10 });
    progress.update('orders', { phase: 'copying', rows: 0, rowsTotal: 100_000, chunks: 0, chunksTotal: 2 });
    vi.advanceTimersByTime(1000);
    progress.end('quick');
    progress.update('orders', { rows: 20_000 });
    vi.advanceTimersByTime(4000);
    progress.update('orders', { rows: 50_000, chunks: 1 });
    vi.advanceTimersByTime(5000);
    progress.update('orders', { phase: 'building the primary key (id)', step: 2, steps: 4 });
    vi.advanceTimersByTime(5000);
    progress.stop();
    vi.advanceTimersByTime(20_000);
    const lines = out.lines().map((l) => JSON.parse(l) as { stream: string; msg: string; progress: object });
    expect(lines.map((l) => l.stream)).toEqual(['orders', 'orders', 'orders']);
    expect(lines[1]!.progress).toMatchObject({
      phase: 'copying',
      rows: 50_000,
      rowsTotal: 100_000,
      chunks: 1,
      chunksTotal: 2,
      rowsPerSecond: 5000,
      etaSeconds: 10,
    });
    expect(lines[1]!.msg).toBe(
      'orders: copying, 50,000/100,000 rows (50%), 5,000 rows/s, 1/2 chunks, ETA 10 s',
    );
    expect(lines[2]!.msg).toMatch(/^orders: building the primary key \(id\) \(step 2\/4\), .*15 s so far$/);
  });
});

describe('pretty logs', () => {
  it('print one event per line, fields and errors included', () => {
    const out = capture();
    const logger = createLogger({ format: 'pretty', destination: out.stream, level: 'info' });
    logger.info({ runId: 3, binlog: { file: 'mysql-bin.000003', position: 4 } }, 'run 3: 9 stream(s)');
    logger.error({ err: new Error('boom\nsecond line') }, 'orders failed: boom');
    expect(out.lines()).toHaveLength(2);
    expect(out.lines()[0]).toMatch(
      /INFO: run 3: 9 stream\(s\) \{"runId":3,"binlog":\{"file":"mysql-bin.000003","position":4\}\}$/,
    );
    expect(out.lines()[1]).toMatch(/ERROR: orders failed: boom$/);
  });
});

describe('the catch-up of ferry stream', () => {
  it('reports the changes applied while the stream is behind the source, and ends once it keeps up', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const board = progressBoard(() => now);
    const { onBatch, onCaughtUp } = catchUpProgress(board, () => now);
    const batch = (changes: number, secondsBehind: number | null) =>
      onBatch({
        batchId: 1,
        transactions: 1,
        changes,
        position: { file: 'mariadb-bin.000003', position: 4096, gtid: null },
        lastEventAt: secondsBehind === null ? null : new Date(now - secondsBehind * 1000),
        seconds: 0.1,
      });
    batch(100, 2);
    expect(board.reports()).toEqual([]);
    batch(5000, 90);
    batch(3000, 60);
    // a batch that only moved the checkpoints (before another schema's DDL) changes nothing
    batch(0, null);
    expect(board.report('catch-up')).toMatchObject({
      rows: 8000,
      phase: 'catching up the binlog, 1 min 0 s behind the source (applied up to mariadb-bin.000003:4096)',
    });
    batch(10, 1);
    expect(board.reports()).toEqual([]);
    // a backlog applied to its end: the heartbeat says so, no batch comes after it
    batch(5000, 30);
    expect(board.reports()).toHaveLength(1);
    onCaughtUp();
    expect(board.reports()).toEqual([]);
  });
});
