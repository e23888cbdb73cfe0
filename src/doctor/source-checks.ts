// Checks of the MySQL/MariaDB source: reachability, version, privileges, time zone, charset, and what
// change data capture needs (cdc-checks.ts).
import { connectMysql, type MysqlConnection } from '../connectors/mysql/connect.js';
import { isFerryError, messageOf } from '../errors.js';
import { checkCdc } from './cdc-checks.js';
import type { Finding } from './finding.js';
import { type ConnectionSpec, describeConnection } from '../connectors/connection-spec.js';

type Row = Record<string, unknown>;

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);

async function variables(connection: MysqlConnection, names: string[]): Promise<Map<string, string>> {
  const [rows] = await connection.query(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  return new Map((rows as Row[]).map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
}

/**
 * Incremental cursors stay safe against late commits by reading the open write transactions at each
 * snapshot (information_schema.INNODB_TRX), which needs PROCESS.
 */
async function checkOpenTransactions(connection: MysqlConnection): Promise<Finding> {
  const check = 'privilege PROCESS (late commits)';
  try {
    await connection.query('SELECT COUNT(*) FROM information_schema.INNODB_TRX');
    return { side: 'source', check, status: 'ok', found: 'open transactions visible (INNODB_TRX)' };
  } catch (error) {
    return {
      side: 'source',
      check,
      status: 'warn',
      found: `cannot read information_schema.INNODB_TRX: ${messageOf(error)}`,
      fix: 'GRANT PROCESS ON *.* TO the ferry user: without it, a row whose transaction stays open longer than its stream\'s lookback across a sync can be missed by incremental streams (docs/sync.md, "What each cursor guarantees")',
    };
  }
}

export async function checkSource(spec: ConnectionSpec): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (check: string, status: Finding['status'], found: string, fix?: string) =>
    findings.push({ side: 'source', check, status, found, ...(fix ? { fix } : {}) });

  let connection: MysqlConnection;
  try {
    connection = await connectMysql(spec);
  } catch (error) {
    add('connection', 'fail', messageOf(error), isFerryError(error) ? error.hint : undefined);
    return findings;
  }
  try {
    add('connection', 'ok', describeConnection(spec));
    const [versionRows] = await connection.query('SELECT VERSION() AS v');
    const version = text((versionRows as Row[])[0]?.v);
    const mariadb = /mariadb/i.test(version);
    const major = Number(version.split('.')[0]);
    const supported = mariadb ? major >= 10 : major >= 5;
    add(
      'server version',
      supported ? 'ok' : 'warn',
      `${mariadb ? 'MariaDB' : 'MySQL'} ${version}`,
      supported ? undefined : 'ferry is tested with MariaDB 10.6+ and MySQL 8',
    );

    const [grantRows] = await connection.query('SHOW GRANTS FOR CURRENT_USER()');
    const grants = (grantRows as Row[])
      .map((r) => String(Object.values(r)[0]))
      .join('\n')
      .toUpperCase();
    const has = (privilege: string) =>
      grants.includes('ALL PRIVILEGES ON *.*') ||
      new RegExp(`GRANT[^\\n]*\\b${privilege}\\b[^\\n]* ON \\*\\.\\*`).test(grants);
    const canSelect = has('SELECT') || grants.includes(`ON \`${spec.database.toUpperCase()}\`.*`);
    add(
      'privilege SELECT',
      canSelect ? 'ok' : 'fail',
      canSelect ? 'granted' : 'missing',
      canSelect ? undefined : `GRANT SELECT ON \`${spec.database}\`.* TO the ferry user`,
    );
    const v = await variables(connection, [
      'log_bin',
      'binlog_format',
      'binlog_row_image',
      'binlog_row_metadata',
      'binlog_expire_logs_seconds',
      'expire_logs_days',
      'gtid_binlog_pos',
      'gtid_domain_id',
      'gtid_strict_mode',
      'gtid_mode',
      'enforce_gtid_consistency',
      'server_id',
      'time_zone',
      'system_time_zone',
      'character_set_server',
      'collation_server',
    ]);
    await checkCdc(connection, spec, v, mariadb, add);

    const [dbRows] = await connection.query(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [spec.database],
    );
    const db = (dbRows as Row[])[0];
    const charset = text(db?.cs) || (v.get('character_set_server') ?? '');
    add(
      'character set',
      charset.startsWith('utf8') ? 'ok' : 'warn',
      `database ${charset} (${text(db?.co)}), server ${v.get('character_set_server')}`,
      charset.startsWith('utf8')
        ? undefined
        : 'ferry converts every character set to UTF-8; check the type mapping notes for latin1 and binary columns',
    );
    const tz =
      v.get('time_zone') === 'SYSTEM' ? `SYSTEM (${v.get('system_time_zone')})` : String(v.get('time_zone'));
    add('time zone', 'ok', `${tz}; ferry reads TIMESTAMP in UTC`);
    findings.push(await checkOpenTransactions(connection));
  } catch (error) {
    add('inspection', 'fail', messageOf(error));
  } finally {
    await connection.end().catch(() => undefined);
  }
  return findings;
}
