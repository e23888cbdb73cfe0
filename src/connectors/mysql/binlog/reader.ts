// Reads a MySQL or MariaDB binary log as a replica and yields ferry's BinlogEvents in order.
//
//   const reader = await openBinlogReader(spec, { from: { gtid: '0-1-105', file: null, position: null } }, logger);
//   for await (const event of reader.events) { ... }   // reader.pause() / resume() / close()
//
// The connection registers as a replica with its own server_id and asks for the binlog from a GTID
// position (MariaDB: @slave_connect_state + COM_BINLOG_DUMP; MySQL: COM_BINLOG_DUMP_GTID) or from a
// file and offset. The server sends a heartbeat whenever it has been idle for `heartbeatSeconds`, so
// a connection that brings neither events nor heartbeats for `readTimeoutSeconds` is dead (a proxy
// that stopped forwarding) and fails with reason read_timeout. Events are decoded as the consumer
// pulls them; the raw events waiting for it are bounded by `bufferBytes`, beyond which the socket is
// paused, so memory stays flat however slow the consumer is. Every failure arrives as a BinlogError
// thrown from the iterator (transient ones say so: reconnect from the last commit's position).
import { hostname } from 'node:os';
import type { ConnectionSpec } from '../../connection-spec.js';
import { describeConnection } from '../../connection-spec.js';
import { ConfigError } from '../../../errors.js';
import type { Logger } from '../../../observability/logger.js';
import { connectMysql, type MysqlConnection } from '../connect.js';
import type { SourceTable } from '../../../schema/source-table.js';
import { WELL_KNOWN_COLLATIONS } from './charsets.js';
import {
  BinlogDump,
  dumpGtidPayload,
  dumpPayload,
  RegisterReplica,
  registerPayload,
} from './dump-command.js';
import { binlogError, BinlogError } from './errors.js';
import { createEventDecoder, type TableName } from './event-decoder.js';
import type { BinlogEvent, BinlogPosition } from './events.js';
import { encodeMysqlSet } from './gtid.js';
import { defaultServerId, takenServerIds } from './server-id.js';

export interface BinlogReaderOptions {
  /** Where to start: a GTID position (preferred), or a file and the offset of an event in it. */
  from: BinlogPosition;
  /** This reader's replica id; by default one derived from host and process, unused on the server. */
  serverId?: number;
  /** The server sends a heartbeat after this many idle seconds (default 1). */
  heartbeatSeconds?: number;
  /** No event and no heartbeat for this long means the connection is dead (default 3 heartbeats + 2 s). */
  readTimeoutSeconds?: number;
  /** Only these tables' rows are decoded (transaction boundaries and DDL of all tables still arrive). */
  tables?: readonly TableName[];
  /** The table ferry expects for a tracked table; a table map that differs makes its rows error events. */
  expect?: (schema: string, table: string) => SourceTable | undefined;
  /** Raw event bytes read ahead of the consumer before the socket pauses (default 16 MiB). */
  bufferBytes?: number;
  /** Closes the reader when aborted; the iterator then ends. */
  signal?: AbortSignal;
}

export interface BinlogReader {
  /**
   * The events in binlog order, for one consumer. Ends after close() (breaking out of the loop
   * closes the reader too); throws a BinlogError when reading fails.
   */
  events: AsyncIterable<BinlogEvent>;
  /** Stops reading from the socket (the server then waits); events already read are still delivered. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
  /** Bytes of raw events read from the server and not yet decoded (bounded by bufferBytes + a socket read). */
  readonly buffered: number;
  readonly serverId: number;
  readonly flavor: 'mariadb' | 'mysql';
}

type Row = Record<string, unknown>;

interface CoreConnection {
  addCommand(command: unknown): unknown;
  pause(): void;
  resume(): void;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

async function single(
  connection: MysqlConnection,
  sql: string,
  values: unknown[] = [],
): Promise<Row | undefined> {
  const [rows] = await connection.query(sql, values);
  return (rows as Row[])[0];
}

async function collations(connection: MysqlConnection): Promise<Map<number, string>> {
  try {
    const [rows] = await connection.query(
      'SELECT ID AS id, CHARACTER_SET_NAME AS cs FROM information_schema.COLLATIONS',
    );
    const map = new Map(WELL_KNOWN_COLLATIONS);
    for (const r of rows as Row[]) if (r.id !== null) map.set(Number(r.id), String(r.cs));
    return map;
  } catch {
    return new Map(WELL_KNOWN_COLLATIONS);
  }
}

function runCommand(core: CoreConnection, command: RegisterReplica): Promise<void> {
  return new Promise((resolve, reject) => {
    command.on('error', reject);
    command.on('end', () => resolve());
    core.addCommand(command);
  });
}

/**
 * Connects as a replica and starts reading the binlog at `options.from`. Throws the connection's
 * own errors (connectMysql) or a BinlogError when the server refuses to act as a source.
 */
export async function openBinlogReader(
  spec: ConnectionSpec,
  options: BinlogReaderOptions,
  logger: Logger,
): Promise<BinlogReader> {
  const where = describeConnection(spec);
  const heartbeat = options.heartbeatSeconds ?? 1;
  const readTimeoutMs = 1000 * (options.readTimeoutSeconds ?? 3 * heartbeat + 2);
  const bufferBytes = options.bufferBytes ?? 16 * 1024 * 1024;
  const { from } = options;
  if (from.gtid === null && (from.file === null || from.position === null)) {
    throw new ConfigError('a binlog position needs a GTID position, or a file and an offset in it');
  }

  const connection = await connectMysql(spec);
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  let flavor: 'mariadb' | 'mysql';
  let serverId: number;
  let start: BinlogPosition;
  let charsets: Map<number, string>;
  let checksum: boolean;
  try {
    const info = await single(
      connection,
      'SELECT VERSION() AS version, @@server_id AS id, @@global.binlog_checksum AS checksum',
    );
    checksum = String(info?.checksum).toUpperCase() === 'CRC32';
    flavor = /mariadb/i.test(String(info?.version)) ? 'mariadb' : 'mysql';
    charsets = await collations(connection);
    const taken = await takenServerIds(connection, Number(info?.id));
    serverId = options.serverId ?? defaultServerId(taken);
    if (options.serverId !== undefined && taken.has(serverId)) {
      // the server drops the older of two connections with one id: a reader of ours that died may
      // still be listed; a live one will fail with duplicate_server_id
      logger.warn({ serverId }, `server_id ${serverId} is listed as in use on ${where}`);
    }
    start = { ...from };
    if (flavor === 'mariadb' && from.gtid === null) {
      // the GTID state at the file position, so that commit positions carry a complete GTID position
      const row = await single(connection, 'SELECT BINLOG_GTID_POS(?, ?) AS gtid', [
        from.file,
        from.position,
      ]);
      start.gtid = typeof row?.gtid === 'string' ? row.gtid : null;
    }
    const heartbeatNs = String(BigInt(Math.round(heartbeat * 1000)) * 1_000_000n);
    if (flavor === 'mariadb') {
      await connection.query(
        `SET @master_binlog_checksum = @@global.binlog_checksum, @master_heartbeat_period = ${heartbeatNs},` +
          ' @mariadb_slave_capability = 4, @slave_gtid_strict_mode = 0, @slave_gtid_ignore_duplicates = 0',
      );
      if (from.gtid !== null) await connection.query('SET @slave_connect_state = ?', [from.gtid]);
    } else {
      await connection.query(
        'SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum,' +
          ` @master_heartbeat_period = ${heartbeatNs}, @source_heartbeat_period = ${heartbeatNs}`,
      );
    }
    await runCommand(core, new RegisterReplica(registerPayload(serverId, `ferry@${hostname()}`)));
  } catch (error) {
    connection.destroy();
    throw binlogError(error, where);
  }

  const decoder = createEventDecoder({
    flavor,
    from: start,
    ...(options.tables ? { tables: options.tables } : {}),
    ...(options.expect ? { expect: options.expect } : {}),
    checksum,
    charsetOf: (collation) => charsets.get(collation) ?? null,
  });

  // The raw events read and not yet decoded, oldest first.
  let queue: (Buffer | undefined)[] = [];
  let head = 0;
  let queued = 0;
  let socketPaused = false;
  let userPaused = false;
  let closed = false;
  let failure: BinlogError | undefined;
  let wake: (() => void) | undefined;
  let received = 0;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const applyPause = () => {
    const pause = userPaused || queued > bufferBytes;
    if (pause && !socketPaused) {
      socketPaused = true;
      core.pause();
    } else if (!pause && socketPaused && queued <= bufferBytes / 2) {
      socketPaused = false;
      core.resume();
    }
  };
  const fail = (error: unknown) => {
    if (failure || closed) return;
    failure = binlogError(error, where);
    logger.debug({ err: failure, serverId }, 'binlog reader failed');
    queue = [];
    head = 0;
    queued = 0;
    clearInterval(watchdog);
    connection.destroy();
    notify();
  };

  const dump = new BinlogDump(
    flavor === 'mysql' && from.gtid !== null
      ? dumpGtidPayload(serverId, encodeMysqlSet(from.gtid))
      : from.gtid !== null
        ? dumpPayload(serverId, '', 4)
        : dumpPayload(serverId, from.file!, from.position!),
    {
      event(buf, s, e) {
        received++;
        queue.push(buf.subarray(s, e));
        queued += e - s;
        if (queued > bufferBytes) applyPause();
        notify();
      },
      end: () => fail(new BinlogError('connection_lost', `${where} ended the binlog stream`)),
    },
  );
  dump.on('error', fail);
  core.on('error', fail);
  connection.on('error', fail);
  core.addCommand(dump);

  // The read timeout: while reading is not paused, some packet must arrive within readTimeoutMs.
  let seen = received;
  let silentSince = Date.now();
  const watchdog = setInterval(
    () => {
      const now = Date.now();
      if (received !== seen || socketPaused) {
        seen = received;
        silentSince = now;
      } else if (now - silentSince > readTimeoutMs) {
        fail(
          new BinlogError(
            'read_timeout',
            `no binlog event and no heartbeat from ${where} for ${Math.round(readTimeoutMs / 1000)} s (heartbeat every ${heartbeat} s): the connection is dead`,
          ),
        );
      }
    },
    Math.max(50, Math.min(1000, readTimeoutMs / 4)),
  );
  watchdog.unref();

  async function* events(): AsyncGenerator<BinlogEvent> {
    try {
      yield* pull();
    } finally {
      close();
    }
  }

  async function* pull(): AsyncGenerator<BinlogEvent> {
    for (;;) {
      if (failure) throw failure;
      if (closed) return;
      if (head < queue.length) {
        const raw = queue[head]!;
        queue[head++] = undefined;
        if (head > 4096 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        queued -= raw.length;
        if (socketPaused) applyPause();
        let event: BinlogEvent | undefined;
        try {
          event = decoder.decode(raw, 0, raw.length);
        } catch (error) {
          fail(error);
          throw failure!;
        }
        if (event) yield event;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  function close(): void {
    if (closed) return;
    closed = true;
    clearInterval(watchdog);
    options.signal?.removeEventListener('abort', close);
    connection.destroy();
    notify();
  }
  options.signal?.addEventListener('abort', close);
  if (options.signal?.aborted) close();

  return {
    events: { [Symbol.asyncIterator]: events },
    pause() {
      userPaused = true;
      applyPause();
    },
    resume() {
      userPaused = false;
      applyPause();
    },
    close() {
      close();
      return Promise.resolve();
    },
    get buffered() {
      return queued;
    },
    serverId,
    flavor,
  };
}
