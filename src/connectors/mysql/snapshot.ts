// Opens reader connections that all see one consistent snapshot, and records its binlog position:
// the place in the binlog where exactly the transactions the snapshot does not see begin, so change
// data capture can start there and neither miss nor repeat a commit.
//
// MariaDB reports the binlog position of each consistent snapshot (binlog_snapshot_file/position,
// and BINLOG_GTID_POS() turns it into a GTID position): when every connection reports the same one,
// no transaction committed between their starts, so the snapshots are identical. Otherwise ferry
// retries, then falls back to a brief FLUSH TABLES WITH READ LOCK (which needs the RELOAD privilege),
// as mydumper does; under the lock no commit can happen, so the server's position is the snapshot's.
// Stock MySQL reports no snapshot position: there only the lock gives one. Without either, the
// position says it is not exact, and why; ferry never guesses one. Just before, it reads what may
// still commit below the snapshot (write-horizon.ts), for incremental cursors.
import { messageOf } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { BinlogPosition } from './binlog/events.js';
import { connectMysql, type MysqlConnection } from './connect.js';
import { readWriteHorizon, sourceClock, type WriteHorizon } from './write-horizon.js';
import type { ConnectionSpec } from '../connection-spec.js';

export type { BinlogPosition };

/** The binlog position of a snapshot, and whether change data capture may start from it. */
export interface SnapshotPosition extends BinlogPosition {
  /** True when reading the binlog from here yields exactly the transactions the snapshot does not see. */
  exact: boolean;
  /** Why the position is not exact (a cdc stream refuses to start with this reason). */
  inexact?: string;
}

export interface Snapshot {
  connections: MysqlConnection[];
  binlog: SnapshotPosition;
  /** True when all connections are known to share one snapshot. */
  consistent: boolean;
  /** The writers still open just before the snapshot, and the source's clock around it. */
  horizon: WriteHorizon;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

async function start(connection: MysqlConnection): Promise<void> {
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

/** MariaDB's GTID position at a binlog file offset; null on MySQL (no BINLOG_GTID_POS) or without one. */
async function gtidAt(connection: MysqlConnection, file: string, position: number): Promise<string | null> {
  try {
    const [rows] = await connection.query('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, position]);
    const gtid = (rows as Row[])[0]?.gtid;
    return typeof gtid === 'string' ? gtid : null;
  } catch {
    return null;
  }
}

/**
 * The position of this connection's snapshot (MariaDB); file null where the server reports none.
 * Without `withGtid` the GTID is left null: BINLOG_GTID_POS reads the binlog file from its start to
 * the offset (about a second at the end of a 1 GB file), so it runs once, for the position agreed on.
 */
async function snapshotPosition(connection: MysqlConnection, withGtid = true): Promise<BinlogPosition> {
  const [rows] = await connection.query(
    "SHOW STATUS WHERE Variable_name IN ('binlog_snapshot_file', 'binlog_snapshot_position')",
  );
  // MariaDB spells them Binlog_snapshot_file / Binlog_snapshot_position
  const map = new Map(
    (rows as Row[]).map((r) => [String(r.Variable_name as string).toLowerCase(), String(r.Value as string)]),
  );
  const file = map.get('binlog_snapshot_file') || null;
  const position = map.get('binlog_snapshot_position');
  if (!file || !position) return { file: null, position: null, gtid: null };
  const at = Number(position);
  return { file, position: at, gtid: withGtid ? await gtidAt(connection, file, at) : null };
}

/** The server's current binlog position: the snapshot's only while commits are locked out. */
export async function serverPosition(connection: MysqlConnection, withGtid = true): Promise<BinlogPosition> {
  for (const sql of ['SHOW BINARY LOG STATUS', 'SHOW BINLOG STATUS', 'SHOW MASTER STATUS']) {
    try {
      const [rows] = await connection.query(sql);
      const row = (rows as Row[])[0];
      if (!row) return { file: null, position: null, gtid: null };
      const file = String(row.File);
      const position = Number(row.Position);
      const executed = (row.Executed_Gtid_Set as string | undefined)?.replace(/\s+/g, '') || null;
      return {
        file,
        position,
        gtid: executed ?? (withGtid ? await gtidAt(connection, file, position) : null),
      };
    } catch {
      // older servers know only a later spelling; a server without a binlog answers none
    }
  }
  return { file: null, position: null, gtid: null };
}

const exact = (position: BinlogPosition): SnapshotPosition =>
  position.file === null
    ? { ...position, exact: false, inexact: 'the source has no binary log (log_bin is OFF)' }
    : { ...position, exact: true };

const same = (a: BinlogPosition, b: BinlogPosition) => a.file === b.file && a.position === b.position;

/**
 * Opens `count` reader connections in one consistent snapshot. `gtid: false` leaves MariaDB's GTID of
 * the position out (file and offset stay exact): only a cdc stream resumes from it, and
 * BINLOG_GTID_POS reads the binlog file from its start (about a second at the end of a 1 GB file).
 */
export async function openSnapshot(
  spec: ConnectionSpec,
  count: number,
  logger: Logger,
  options: { gtid?: boolean } = {},
): Promise<Snapshot> {
  const withGtid = options.gtid ?? true;
  const connections: MysqlConnection[] = [];
  const close = async () => {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
  };
  try {
    const opened = await Promise.allSettled(Array.from({ length: count }, () => connectMysql(spec)));
    for (const o of opened) if (o.status === 'fulfilled') connections.push(o.value);
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    const horizon = await readWriteHorizon(connections[0]!);
    // With the clock once the snapshot is open: a row with a later cursor cannot be in it.
    const snapshotOf = async (binlog: SnapshotPosition, consistent: boolean): Promise<Snapshot> => ({
      connections,
      binlog,
      consistent,
      horizon: { ...horizon, snapshotAt: await sourceClock(connections[0]!) },
      close,
    });
    let reported = true;
    for (let attempt = 0; attempt < 5; attempt++) {
      await Promise.all(connections.map(start));
      const positions = await Promise.all(connections.map((c) => snapshotPosition(c, false)));
      const first = positions[0]!;
      if (first.file !== null && positions.every((p) => same(p, first))) {
        const gtid = withGtid ? await gtidAt(connections[0]!, first.file, first.position!) : null;
        return snapshotOf(exact({ ...first, gtid }), true);
      }
      await Promise.all(connections.map((c) => c.query('ROLLBACK')));
      if (first.file === null) {
        reported = false; // no binlog, or MySQL: no snapshot position to compare
        break;
      }
    }
    // A global read lock held for the moment the snapshots start: no commit can happen meanwhile.
    const lock = connections[0]!;
    try {
      await lock.query('FLUSH TABLES WITH READ LOCK');
    } catch (error) {
      if (connections.length > 1 || !reported) {
        logger.warn(
          { err: error },
          'could not take FLUSH TABLES WITH READ LOCK (needs RELOAD); reader connections may see slightly different snapshots',
        );
      }
      await Promise.all(connections.map(start));
      const position = reported
        ? await snapshotPosition(lock, withGtid)
        : await serverPosition(lock, withGtid);
      const why = reported
        ? 'commits raced the start of the reader connections and FLUSH TABLES WITH READ LOCK was refused'
        : 'the server reports no snapshot position (MySQL has no binlog_snapshot_file) and FLUSH TABLES WITH READ LOCK was refused';
      const single = connections.length === 1 && reported;
      return snapshotOf(
        single
          ? exact(position)
          : {
              ...position,
              exact: false,
              inexact: `${why} (${messageOf(error)}): grant RELOAD to the ferry user`,
            },
        connections.length === 1,
      );
    }
    let locked: BinlogPosition;
    try {
      await Promise.all(connections.map(start));
      // The GTID of that position is read after the lock is let go: its offset no longer moves.
      locked = await serverPosition(lock, false);
    } finally {
      await lock.query('UNLOCK TABLES');
    }
    const gtid =
      locked.gtid ??
      (withGtid && locked.file !== null ? await gtidAt(lock, locked.file, locked.position!) : null);
    return await snapshotOf(exact({ ...locked, gtid }), true);
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The exact binlog position of the consistent snapshot a connection has open (START TRANSACTION WITH
 * CONSISTENT SNAPSHOT), or undefined where the server does not report one (MySQL).
 */
export async function snapshotPositionOf(connection: MysqlConnection): Promise<BinlogPosition | undefined> {
  const position = await snapshotPosition(connection);
  return position.file === null ? undefined : position;
}
