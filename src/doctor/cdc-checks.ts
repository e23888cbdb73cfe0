// What change data capture needs from the source, checked by asking and by trying: a row-based
// binary log with full images and full table-map metadata, binlogs kept long enough to outlive a
// snapshot, the replication privileges (probed with the statements and a short binlog dump, not by
// reading grant text, since MariaDB 10.5.2 renamed REPLICATION CLIENT to BINLOG MONITOR), GTIDs, and
// a server_id that no connected replica uses. docs/cdc.md explains each.
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { BinlogPosition } from '../connectors/mysql/binlog/events.js';
import { openBinlogReader } from '../connectors/mysql/binlog/reader.js';
import { defaultServerId, takenServerIds } from '../connectors/mysql/binlog/server-id.js';
import { messageOf } from '../errors.js';
import { silentLogger } from '../observability/logger.js';
import type { Finding } from './finding.js';

type Row = Record<string, unknown>;
type Add = (check: string, status: Finding['status'], found: string, fix?: string) => void;

/** A conservative snapshot copy rate, for the retention check (docs/benchmarks.md measures ~60 MB/s). */
const SNAPSHOT_BYTES_PER_SECOND = 20 * 1024 * 1024;
const MIN_RETENTION_SECONDS = 3 * 86400;

const CNF = 'and put the same setting in my.cnf ([mysqld]) so a restart keeps it';

async function rows(connection: MysqlConnection, sql: string, values: unknown[] = []): Promise<Row[]> {
  const [result] = await connection.query(sql, values);
  return result as Row[];
}

function days(seconds: number): string {
  if (seconds < 86400) return `${Math.round(seconds / 360) / 10} h`;
  const d = Math.round(seconds / 8640) / 10;
  return `${d} day${d === 1 ? '' : 's'}`;
}

async function probe(
  connection: MysqlConnection,
  statements: string[],
): Promise<{ ok: Row | null; error?: string }> {
  let error: string | undefined;
  for (const sql of statements) {
    try {
      return { ok: (await rows(connection, sql))[0] ?? null };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ER_PARSE_ERROR') continue; // this server spells it differently
      error = messageOf(e);
      if (code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_ERROR') break;
    }
  }
  return { ok: null, ...(error ? { error } : {}) };
}

/** Tries to read the binlog as a replica for a moment: the only sure test of REPLICATION SLAVE. */
async function dumpProbe(spec: ConnectionSpec, from: BinlogPosition): Promise<string | undefined> {
  try {
    const reader = await openBinlogReader(spec, { from }, silentLogger());
    try {
      const first = reader.events[Symbol.asyncIterator]().next();
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
      const result = await Promise.race([first, timeout]);
      return result === 'timeout' ? 'the server sent no binlog event within 5 s' : undefined;
    } finally {
      await reader.close();
    }
  } catch (error) {
    return messageOf(error);
  }
}

export async function checkCdc(
  connection: MysqlConnection,
  spec: ConnectionSpec,
  v: ReadonlyMap<string, string>,
  mariadb: boolean,
  add: Add,
): Promise<void> {
  const logBin = v.get('log_bin') === 'ON';
  add(
    'binary log',
    logBin ? 'ok' : 'warn',
    logBin ? 'enabled' : 'disabled',
    logBin
      ? undefined
      : 'needed only for change data capture: start the server with log-bin=mysql-bin and server_id=1 (my.cnf, [mysqld]), then restart it',
  );
  const format = v.get('binlog_format') ?? 'unknown';
  add(
    'binlog format',
    format === 'ROW' ? 'ok' : 'warn',
    format,
    format === 'ROW'
      ? undefined
      : `change data capture needs every change as rows: SET GLOBAL binlog_format = ROW ${CNF}; sessions started before keep theirs`,
  );
  const image = v.get('binlog_row_image') ?? 'unknown';
  add(
    'binlog row image',
    image === 'FULL' ? 'ok' : 'warn',
    image,
    image === 'FULL'
      ? undefined
      : `updates and deletes must carry every column: SET GLOBAL binlog_row_image = FULL ${CNF}`,
  );
  const metadata = v.get('binlog_row_metadata');
  add(
    'binlog row metadata',
    metadata === 'FULL' ? 'ok' : 'warn',
    metadata ?? 'not supported by this server',
    metadata === 'FULL'
      ? undefined
      : metadata === undefined
        ? 'change data capture needs table maps with column names: MariaDB 10.5+ or MySQL 8.0.14+'
        : `table maps must carry column names, character sets and keys: SET GLOBAL binlog_row_metadata = FULL ${CNF}`,
  );

  // Retention: a stream that falls behind (or a table that joins and is copied first) needs the
  // binlogs written meanwhile.
  const expireSeconds = v.has('binlog_expire_logs_seconds')
    ? Number(v.get('binlog_expire_logs_seconds'))
    : Math.round(Number(v.get('expire_logs_days') ?? 0) * 86400);
  const [size] = await rows(
    connection,
    'SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [spec.database],
  );
  const snapshotSeconds = Math.ceil(Number(size?.bytes ?? 0) / SNAPSHOT_BYTES_PER_SECOND);
  const needed = Math.max(MIN_RETENTION_SECONDS, 10 * snapshotSeconds);
  const keepsEnough = expireSeconds === 0 || expireSeconds >= needed;
  add(
    'binlog retention',
    keepsEnough ? 'ok' : 'warn',
    expireSeconds === 0
      ? 'binlogs never expire (watch the disk)'
      : `${days(expireSeconds)}; a snapshot of ${spec.database} takes about ${snapshotSeconds} s`,
    keepsEnough
      ? undefined
      : `keep binlogs for at least ${days(needed)} so a stopped stream can resume: SET GLOBAL binlog_expire_logs_seconds = ${needed} ${CNF}`,
  );

  // before the dump probe below, whose own connection would count as a replica for a moment
  const own = Number(v.get('server_id') ?? 0);
  const taken = await takenServerIds(connection, own);
  const [dumps] = await rows(
    connection,
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
  );
  const replicas = [...taken].filter((id) => id !== own);
  add(
    'replica server_id',
    own === 0 ? 'warn' : 'ok',
    `the server is ${own}; ${Number(dumps?.n ?? 0)} replica connection(s)${replicas.length ? ` (registered ids ${replicas.join(', ')})` : ''}; ferry would read as ${defaultServerId(taken)}`,
    own === 0
      ? 'a server with a binary log needs a server_id other than 0: set server_id in my.cnf'
      : undefined,
  );

  if (!logBin) return;
  const status = await probe(connection, [
    'SHOW BINLOG STATUS',
    'SHOW BINARY LOG STATUS',
    'SHOW MASTER STATUS',
  ]);
  add(
    'binlog status privilege',
    status.ok ? 'ok' : 'warn',
    status.ok
      ? `SHOW ${mariadb ? 'BINLOG' : 'MASTER'} STATUS works`
      : `refused: ${status.error ?? 'no answer'}`,
    status.ok
      ? undefined
      : `GRANT ${mariadb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT'} ON *.* TO the ferry user (change data capture reads the server's position)`,
  );
  // from the current position when the server tells it, else from the oldest binlog
  const dump = await dumpProbe(
    spec,
    status.ok
      ? { gtid: null, file: String(status.ok.File), position: Number(status.ok.Position) }
      : { gtid: '', file: null, position: null },
  );
  add(
    'replication privilege',
    dump ? 'warn' : 'ok',
    dump ? `a binlog dump was refused: ${dump}` : 'a binlog dump works (REPLICATION SLAVE)',
    dump
      ? 'GRANT REPLICATION SLAVE ON *.* TO the ferry user (change data capture reads the binlog as a replica)'
      : undefined,
  );

  if (mariadb) {
    const position = v.get('gtid_binlog_pos') ?? '';
    add(
      'gtid',
      'ok',
      `GTID position ${position || '(none yet)'}, domain ${v.get('gtid_domain_id') ?? '0'}${v.get('gtid_strict_mode') === 'ON' ? ', strict mode' : ''}`,
    );
  } else {
    const on = v.get('gtid_mode') === 'ON' && v.get('enforce_gtid_consistency') === 'ON';
    add(
      'gtid',
      on ? 'ok' : 'warn',
      `gtid_mode ${v.get('gtid_mode') ?? 'unknown'}, enforce_gtid_consistency ${v.get('enforce_gtid_consistency') ?? 'unknown'}`,
      on
        ? undefined
        : 'without GTIDs a stream resumes by file and offset, which do not survive a failover: turn on enforce_gtid_consistency, then gtid_mode step by step (OFF_PERMISSIVE, ON_PERMISSIVE, ON)',
    );
  }
}
