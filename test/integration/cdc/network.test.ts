// The network between ferry and the source fails while a cdc session follows the binlog, through a
// TCP proxy: the connection reset in the middle of a 20,000-row transaction, and a proxy that stops
// forwarding but keeps the socket open (caught by the heartbeat read timeout). Each time the session
// reads again from its checkpoint: the target equals the source (verify) and the ledger holds each
// source transaction once, as the binlog lists them. And a table without a primary key is refused
// for cdc with the reason, while the other streams go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { hasReached } from '../../../src/replication/cdc/positions.js';
import { streamChanges } from '../../../src/replication/cdc/stream.js';
import type { FollowSummary } from '../../../src/replication/cdc/session.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig, testProject } from '../../support/sync.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { parseConfig } from '../../../src/config/load.js';
import {
  binlogTransactions,
  gtidNow,
  ledgerDifferences,
  ledgerTransactions,
  runGtid,
  verifyConfig,
  verifyProblems,
  waitFor,
} from './support.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('cdc_network');
});

afterAll(async () => {
  await db?.drop();
});

/** A config reading the source through the proxy. */
function viaProxy(proxy: TcpProxy, schema: string, table: string): FerryConfig {
  const url = new URL(db.mysqlUrl);
  url.port = String(proxy.port);
  return parseConfig(
    `source: { url: "${url.toString()}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n` +
      `streams:\n  - { table: ${table}, mode: cdc }\ncdc: { batch_wait: 20ms, heartbeat: 500ms }\n`,
    'test.yaml',
    { env: {} },
  );
}

/**
 * Follows `table` through a proxy, runs `fault` (which arms the proxy) while a transaction of
 * 20,000 rows and 30 small ones commit, and checks that everything arrived exactly once.
 */
async function survives(
  schema: string,
  table: string,
  fault: (proxy: TcpProxy) => Promise<void>,
): Promise<{ seconds: number; connections: number }> {
  await db.source.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL, pad varchar(40))`);
  await db.source.query(`INSERT INTO ${table} SELECT seq, 0, 'x' FROM seq_1_to_100`);
  const proxy = await startTcpProxy('127.0.0.1', db.mysql.port);
  const stop = new AbortController();
  let session: Promise<FollowSummary> | undefined;
  try {
    const cfg = viaProxy(proxy, schema, table);
    const first = await runSync(cfg);
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    const from = await runGtid(db.target, first.runId);
    session = streamChanges({ ...testProject(cfg), logger: silentLogger(), signal: stop.signal });
    const before = proxy.accepted;
    await waitFor(
      'the session reads the binlog',
      () => proxy.accepted > before && proxy.forwarded.toClient > 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    const armed = fault(proxy);
    const started = Date.now();
    await db.source.query(`INSERT INTO ${table} SELECT seq, 1, RPAD(seq, 40, 'y') FROM seq_101_to_20100`);
    for (let i = 0; i < 30; i++) await db.source.query(`UPDATE ${table} SET v = v + 1 WHERE id = ?`, [1 + i]);
    await armed;
    const end = await gtidNow(db.source);
    await waitFor(
      'the stream reaches the source position',
      async () => {
        const s = await ferryState().streams.read(db.target, { targetSchema: schema, table });
        return s !== undefined && hasReached(s.binlog, { gtid: end, file: null, position: null });
      },
      60_000,
      200,
    );
    const seconds = (Date.now() - started) / 1000;
    stop.abort();
    expect((await session).status).toBe('succeeded');
    expect(
      verifyProblems(
        await verifyConfig(testConfig(db, `streams:\n  - { table: ${table}, mode: cdc }\n`, schema)),
      ),
    ).toEqual([]);
    const expected = await binlogTransactions(db.mysql, db.name, from, end);
    const ledger = await ledgerTransactions(db.target, schema);
    expect(ledgerDifferences(ledger, expected)).toEqual({ missing: [], extra: [], miscounted: [] });
    expect(ledger.size).toBe(31);
    return { seconds, connections: proxy.accepted - before };
  } finally {
    stop.abort();
    await session?.catch(() => undefined);
    await proxy.close();
  }
}

describe('a cdc session whose connection to the source', () => {
  it('is reset in the middle of a transaction reads it again whole', async () => {
    // 60 KB into the 20,000-row transaction's events (about 1.4 MB of them)
    const { connections } = await survives('n1', 'wire_cut', (proxy) => proxy.dropAfter(60_000, 'toClient'));
    expect(connections).toBeGreaterThanOrEqual(2);
  });

  it('goes silent (the proxy stops forwarding, the socket stays open) reads again after the read timeout', async () => {
    const { seconds, connections } = await survives('n2', 'wire_stall', (proxy) =>
      proxy.stallAfter(60_000, 'toClient', { newConnections: 'forwarded' }),
    );
    expect(connections).toBeGreaterThanOrEqual(2);
    // 3 heartbeats of 0.5 s + 2 s of read timeout, then about a second of backoff
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(30);
  });
});

describe('a cdc stream over a table without a primary key', () => {
  it('is refused with the reason, and followed once primary_key: names its key', async () => {
    await db.source.query('CREATE TABLE nokey (a int NOT NULL, b varchar(10))');
    await db.source.query('CREATE TABLE haskey (id int PRIMARY KEY, b varchar(10))');
    await db.source.query("INSERT INTO nokey VALUES (1, 'one'), (2, 'two')");
    await db.source.query("INSERT INTO haskey VALUES (1, 'one')");
    const streams = (key: string) =>
      `streams:\n  - { table: nokey, mode: cdc${key} }\n  - { table: haskey, mode: cdc }\n`;
    const refused = await runSync(testConfig(db, streams(''), 'k1'));
    expect(refused.status).toBe('failed');
    const nokey = refused.streams.find((s) => s.stream === 'nokey')!;
    expect(nokey.status).toBe('failed');
    expect(nokey.error).toMatch(
      /nokey cannot follow the binlog because it has no primary key, so a change in the binlog cannot be matched to its row \(declare primary_key: on the stream/,
    );
    expect(refused.streams.find((s) => s.stream === 'haskey')?.status).toBe('succeeded');
    expect(
      await ferryState().streams.read(db.target, { targetSchema: 'k1', table: 'nokey' }),
    ).toBeUndefined();

    const keyed = await runSync(testConfig(db, streams(', primary_key: [a]'), 'k1'));
    expect(keyed.status, JSON.stringify(keyed.streams)).toBe('succeeded');
    await db.source.query("UPDATE nokey SET b = 'changed' WHERE a = 2");
    const applied = await runSync(testConfig(db, streams(', primary_key: [a]'), 'k1'));
    expect(applied.status, JSON.stringify(applied.streams)).toBe('succeeded');
    expect((await targetRows(db, 'k1', 'nokey')).find((r) => r.a === '2')?.b).toBe('changed');
  });
});
