// Helpers of the binlog tests: read the binlog from a position until the server's position at a
// given moment, and read a table with the snapshot path's select list, both as SourceRows.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type mysql from 'mysql2/promise';
import { introspectTables } from '../../../src/connectors/mysql/introspect.js';
import { readRows } from '../../../src/connectors/mysql/read-rows.js';
import { parseMariadbPosition } from '../../../src/connectors/mysql/binlog/gtid.js';
import type { BinlogEvent, BinlogPosition } from '../../../src/connectors/mysql/binlog/events.js';
import {
  openBinlogReader,
  type BinlogReader,
  type BinlogReaderOptions,
} from '../../../src/connectors/mysql/binlog/reader.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import type { SourceRow } from '../../../src/schema/row-outcome.js';
import type { ConnectionSpec } from '../../../src/connectors/connection-spec.js';
import { selectSql } from '../../../src/schema/select-list.js';

type Row = Record<string, unknown>;

export async function gtidNow(connection: mysql.Connection): Promise<string> {
  const [rows] = await connection.query('SELECT @@gtid_binlog_pos AS g');
  return String((rows as Row[])[0]!.g);
}

/** True when `position` has reached every domain of the MariaDB GTID position `until`. */
export function reached(position: BinlogPosition | null, until: string): boolean {
  if (!position?.gtid) return false;
  const at = parseMariadbPosition(position.gtid);
  for (const [domain, { sequence }] of parseMariadbPosition(until)) {
    if ((at.get(domain)?.sequence ?? -1n) < sequence) return false;
  }
  return true;
}

/** Reads events from `from` until the transaction that completes `until`, within `timeoutMs`. */
export async function readUntil(
  spec: ConnectionSpec,
  from: BinlogPosition,
  until: string,
  options: Partial<BinlogReaderOptions> = {},
  timeoutMs = 30_000,
): Promise<BinlogEvent[]> {
  const reader = await openBinlogReader(spec, { from, ...options }, silentLogger());
  const events: BinlogEvent[] = [];
  const timer = setTimeout(() => void reader.close(), timeoutMs);
  try {
    for await (const event of reader.events) {
      events.push(event);
      if ((event.kind === 'commit' || event.kind === 'ddl') && reached(event.position, until)) return events;
    }
    throw new Error(`the binlog did not reach ${until} within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
    await reader.close();
  }
}

export function gtidFrom(gtid: string): BinlogPosition {
  return { gtid, file: null, position: null };
}

/** The rows of a table as the snapshot path reads them (the type mapping's select list), by id. */
export async function snapshotRows(
  connection: mysql.Connection,
  schema: string,
  table: string,
): Promise<Map<string, SourceRow>> {
  const [source] = await introspectTables(connection, schema, [table]);
  const mappings = source!.columns.map((c) => mapColumn(c, table));
  const { sql, binary } = selectSql(source!, mappings, 'ORDER BY id');
  const rows = new Map<string, SourceRow>();
  for await (const row of readRows(connection, sql, [], binary)) rows.set(String(row[0]), row);
  return rows;
}

/** Value-by-value differences of two row sets keyed by id: empty when they are equal. */
export function differences(
  actual: ReadonlyMap<string, SourceRow>,
  expected: ReadonlyMap<string, SourceRow>,
  names: readonly string[],
): string[] {
  const out: string[] = [];
  const show = (v: unknown) => (Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : JSON.stringify(v));
  for (const id of new Set([...actual.keys(), ...expected.keys()])) {
    const a = actual.get(id);
    const e = expected.get(id);
    if (!a || !e) {
      out.push(`row ${id}: ${a ? 'not in the snapshot' : 'not in the binlog'}`);
      continue;
    }
    for (let i = 0; i < Math.max(a.length, e.length); i++) {
      const x = a[i];
      const y = e[i];
      const same = Buffer.isBuffer(x) && Buffer.isBuffer(y) ? x.equals(y) : x === y;
      if (!same) out.push(`row ${id} ${names[i] ?? i}: binlog ${show(a[i])}, snapshot ${show(e[i])}`);
    }
  }
  return out;
}

export type { BinlogReader };

/** The settings of a server a binlog test starts for itself (throwaway-mariadb.ts). */
export const BINLOG_SERVER_ARGS = [
  '--log-bin=mariadb-bin',
  '--server-id=1',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--binlog-row-metadata=FULL',
];

export function specOfUrl(url: string, port?: number): ConnectionSpec {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: port ?? Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    tls: { mode: 'disable' },
    connectTimeoutMs: 5_000,
  };
}

/** A TCP proxy on loopback in front of a server, which a test can cut or make go silent. */
export interface Proxy {
  port: number;
  /** Closes every connection through the proxy at once (as a broken network would). */
  cut(): void;
  /** Stops forwarding in both directions but keeps the sockets open (a hung middlebox). */
  stall(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const pairs: { client: Socket; server: Socket }[] = [];
  let stalled = false;
  const proxy = createServer((client) => {
    const server = connect(targetPort, '127.0.0.1');
    pairs.push({ client, server });
    client.on('data', (d) => stalled || server.write(d));
    server.on('data', (d) => stalled || client.write(d));
    const end = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    cut() {
      for (const { client, server } of pairs) {
        client.resetAndDestroy();
        server.destroy();
      }
    },
    stall() {
      stalled = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, server } of pairs) {
          client.destroy();
          server.destroy();
        }
        proxy.close(() => resolve());
      }),
  };
}
