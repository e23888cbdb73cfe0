// Reattachable execution against the real server: the TCP connection is cut mid-stream by a proxy
// between ferry and Spark, and the client reattaches and receives every row exactly once.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSparkConnectUrl } from '../../../src/spark/connection-string.js';
import { as, fn, lit } from '../../../src/spark/plan/expressions.js';
import { aggregate, range } from '../../../src/spark/plan/relations.js';
import { connectSpark } from '../../../src/spark/session.js';
import { requireSpark, SPARK_URL } from './spark-server.js';

/** A TCP proxy that can cut every open connection once a number of bytes has come back from the server. */
interface CuttingProxy {
  port: number;
  cutAfter(bytes: number): void;
  cuts: number;
  close(): Promise<void>;
}

async function cuttingProxy(host: string, port: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let budget: number | undefined;
  const state = { cuts: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect({ host, port });
    sockets.add(client).add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', forget).on('error', () => upstream.destroy());
    upstream.on('close', forget).on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (budget === undefined) return;
      budget -= chunk.length;
      if (budget <= 0) {
        budget = undefined;
        state.cuts++;
        for (const socket of sockets) socket.destroy();
      }
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cutAfter(bytes) {
      budget = bytes;
    },
    get cuts() {
      return state.cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let proxy: CuttingProxy;

beforeAll(async () => {
  await requireSpark();
  const { host, port } = parseSparkConnectUrl(SPARK_URL);
  proxy = await cuttingProxy(host, port);
});

afterAll(async () => {
  await proxy?.close();
});

describe('a stream interrupted mid-result', () => {
  it('reattaches from the last response and delivers every row once, in order', async () => {
    const reattaches: string[] = [];
    const spark = connectSpark(`sc://127.0.0.1:${proxy.port}`, {
      onReattach: (info) => reattaches.push(info.reason),
    });
    try {
      await spark.setConfig({ 'spark.sql.execution.arrow.maxRecordsPerBatch': '1000' });
      proxy.cutAfter(300_000);
      let next = 0n;
      for await (const batch of spark.stream(range(0, 300_000, 1, 2))) {
        for (const row of batch.rows) {
          if (row.id !== next)
            throw new Error(
              `expected id ${next}, got ${JSON.stringify(row.id, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
            );
          next++;
        }
      }
      expect(next).toBe(300_000n);
      expect(proxy.cuts).toBe(1);
      expect(reattaches.length).toBeGreaterThanOrEqual(1);
    } finally {
      await spark.close();
    }
  });

  it('stops cleanly when the consumer leaves early, and the session keeps working', async () => {
    const spark = connectSpark(SPARK_URL);
    try {
      await spark.setConfig({ 'spark.sql.execution.arrow.maxRecordsPerBatch': '100' });
      let seen = 0;
      for await (const batch of spark.stream(range(0, 1_000_000))) {
        seen += batch.rows.length;
        if (seen >= 300) break;
      }
      expect(seen).toBe(300);
      const after = await spark.sql('SELECT 41 + 1 AS answer');
      expect(after.rows).toEqual([{ answer: 42 }]);
    } finally {
      await spark.close();
    }
  });

  it('is cancelled by an AbortSignal', async () => {
    const spark = connectSpark(SPARK_URL);
    const controller = new AbortController();
    try {
      // A long computation with a one-row result: aborting must interrupt it on the server too.
      const count = aggregate(range(0, 1_000_000_000_000, 1, 2), [], [as(fn('count', lit(1)), 'n')]);
      const run = spark.collect(count, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stopped by the test')), 200);
      await expect(run).rejects.toThrow('stopped by the test');
    } finally {
      await spark.close();
    }
  });
});
