// Opens reader connections that all see one consistent snapshot, and records its binlog position.
//
// MariaDB reports the binlog position of each consistent snapshot (binlog_snapshot_file/position):
// when every connection reports the same one, no transaction committed between their starts, so the
// snapshots are identical. Otherwise ferry retries, then falls back to a brief FLUSH TABLES WITH
// READ LOCK (which needs the RELOAD privilege), as mydumper does. Just before, it reads what may
// still commit below the snapshot (write-horizon.ts), for incremental cursors.
import type { Logger } from '../../observability/logger.js';
import { connectMysql, type MysqlConnection } from './connect.js';
import { readWriteHorizon, sourceClock, type WriteHorizon } from './write-horizon.js';
import type { ConnectionSpec } from '../connection-spec.js';

export interface BinlogPosition {
  file: string | null;
  position: number | null;
  gtid: string | null;
}

export interface Snapshot {
  connections: MysqlConnection[];
  binlog: BinlogPosition;
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

async function snapshotPosition(connection: MysqlConnection): Promise<BinlogPosition> {
  const [rows] = await connection.query(
    "SHOW STATUS WHERE Variable_name IN ('binlog_snapshot_file', 'binlog_snapshot_position')",
  );
  // MariaDB spells them Binlog_snapshot_file / Binlog_snapshot_position
  const map = new Map(
    (rows as Row[]).map((r) => [String(r.Variable_name as string).toLowerCase(), String(r.Value as string)]),
  );
  const file = map.get('binlog_snapshot_file') || null;
  const position = map.get('binlog_snapshot_position');
  let gtid: string | null;
  try {
    const [g] = await connection.query('SELECT @@gtid_binlog_pos AS gtid');
    gtid = ((g as Row[])[0]?.gtid as string | undefined) || null;
  } catch {
    gtid = null; // MySQL has no gtid_binlog_pos
  }
  return { file, position: position ? Number(position) : null, gtid };
}

async function masterStatus(connection: MysqlConnection): Promise<BinlogPosition> {
  for (const sql of ['SHOW BINARY LOG STATUS', 'SHOW MASTER STATUS']) {
    try {
      const [rows] = await connection.query(sql);
      const row = (rows as Row[])[0];
      if (!row) return { file: null, position: null, gtid: null };
      return {
        file: String(row.File),
        position: Number(row.Position),
        gtid: (row.Executed_Gtid_Set as string | undefined) || null,
      };
    } catch {
      // older servers know only the second spelling; a server without a binlog answers neither
    }
  }
  return { file: null, position: null, gtid: null };
}

const same = (a: BinlogPosition, b: BinlogPosition) => a.file === b.file && a.position === b.position;

export async function openSnapshot(spec: ConnectionSpec, count: number, logger: Logger): Promise<Snapshot> {
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
    const snapshotOf = async (binlog: BinlogPosition, consistent: boolean): Promise<Snapshot> => ({
      connections,
      binlog,
      consistent,
      horizon: { ...horizon, snapshotAt: await sourceClock(connections[0]!) },
      close,
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      await Promise.all(connections.map(start));
      const positions = await Promise.all(connections.map(snapshotPosition));
      const first = positions[0]!;
      if (first.file !== null && positions.every((p) => same(p, first))) return snapshotOf(first, true);
      if (first.file === null) break; // no binlog (or MySQL): positions cannot prove consistency
      await Promise.all(connections.map((c) => c.query('ROLLBACK')));
    }
    // Fall back to a global read lock held for the moment the snapshots start.
    try {
      await connections[0]!.query('ROLLBACK');
      await connections[0]!.query('FLUSH TABLES WITH READ LOCK');
      try {
        await Promise.all(connections.map((c, i) => (i === 0 ? Promise.resolve() : c.query('ROLLBACK'))));
        await Promise.all(connections.map(start));
        return await snapshotOf(await masterStatus(connections[0]!), true);
      } finally {
        await connections[0]!.query('UNLOCK TABLES');
      }
    } catch (error) {
      if (connections.length > 1) {
        logger.warn(
          { err: error },
          'could not take FLUSH TABLES WITH READ LOCK (needs RELOAD); reader connections may see slightly different snapshots',
        );
      }
      await Promise.all(connections.map((c) => c.query('ROLLBACK').catch(() => undefined)));
      await Promise.all(connections.map(start));
      return snapshotOf(await masterStatus(connections[0]!), connections.length === 1);
    }
  } catch (error) {
    await close();
    throw error;
  }
}
