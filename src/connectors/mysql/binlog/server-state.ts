// What a source server can still send from its binary log, and whose log it is: its server_id, its
// GTID position and state now, the binlog files it keeps and the GTID position at the start of the
// oldest (MariaDB) or the purged set (MySQL). A consumer checks a checkpoint against these before it
// reads (replication/cdc/position-check.ts), since MariaDB has no server_uuid to say "this is
// another server", and a dump from a position the server lacks fails late or, worse, not at all.
import type { MysqlConnection } from '../connect.js';

export interface BinlogServerState {
  flavor: 'mariadb' | 'mysql';
  serverId: number;
  /** MariaDB @@gtid_binlog_pos, MySQL @@gtid_executed; null without GTIDs. */
  current: string | null;
  /** MariaDB @@gtid_binlog_state: the last GTID of each domain and server id in the binlog. */
  state: string | null;
  /** The binlog files the server still has, oldest first. */
  files: string[];
  /** MariaDB: the GTID position at the start of the oldest file; MySQL: @@gtid_purged. */
  oldest: string | null;
}

type Row = Record<string, unknown>;

async function value(connection: MysqlConnection, sql: string, values: unknown[] = []): Promise<unknown> {
  const [rows] = await connection.query(sql, values);
  const row = (rows as Row[])[0];
  return row ? Object.values(row)[0] : undefined;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.replace(/\s+/g, '') : null);

export async function readBinlogServerState(connection: MysqlConnection): Promise<BinlogServerState> {
  const version = String(await value(connection, 'SELECT VERSION()'));
  const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const serverId = Number(await value(connection, 'SELECT @@server_id'));
  const [logs] = await connection.query('SHOW BINARY LOGS');
  const files = (logs as Row[]).map((r) => String(r.Log_name));
  if (flavor === 'mariadb') {
    const current = text(await value(connection, 'SELECT @@gtid_binlog_pos'));
    const state = text(await value(connection, 'SELECT @@gtid_binlog_state'));
    // the Gtid_list event at the start of a file: a read of its first events, not of the file
    const oldest =
      files.length > 0
        ? (text(await value(connection, 'SELECT BINLOG_GTID_POS(?, 4)', [files[0]])) ?? '')
        : null;
    return { flavor, serverId, current, state, files, oldest };
  }
  const current = text(await value(connection, 'SELECT @@GLOBAL.gtid_executed'));
  const oldest = text(await value(connection, 'SELECT @@GLOBAL.gtid_purged')) ?? '';
  return { flavor, serverId, current, state: current, files, oldest };
}

/**
 * Whether an event of `file` starts at `position` (a checkpoint is the end of a transaction, so
 * the start of the next event or the end of the file). SHOW BINLOG EVENTS seeks there without
 * reading the file before it; at an offset inside an event it fails.
 */
export async function isEventBoundary(
  connection: MysqlConnection,
  file: string,
  position: number,
): Promise<boolean> {
  try {
    await connection.query(
      `SHOW BINLOG EVENTS IN ${connection.escape(file)} FROM ${Math.floor(position)} LIMIT 1`,
    );
    return true;
  } catch {
    return false;
  }
}
