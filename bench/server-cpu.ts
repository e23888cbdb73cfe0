// The CPU seconds MariaDB and PostgreSQL spend during a tool's run, reported apart from the tool's
// own: /proc deltas of each server's processes, found from the servers themselves (MariaDB's pid
// file, the parent of a PostgreSQL backend). Servers on another machine are not measured.
import { sourceConnection, targetClient } from './data.js';
import { parentOf, readPidFile, serverCpuSeconds } from './proc.js';
import type { BenchSettings } from './settings.js';

export interface ServerCpu {
  mariadb?: number;
  postgres?: number;
}

export interface ServerProbe {
  /** What each server has used so far; subtract two readings with `cpuBetween`. */
  read(): ServerCpu;
  /** The process ids found (for the report), or undefined when a server is not local. */
  pids: { mariadb?: number; postgres?: number };
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function openServerProbe(settings: BenchSettings): Promise<ServerProbe> {
  const pids: ServerProbe['pids'] = {};
  if (LOCAL.has(settings.sourceUrl.hostname)) {
    const my = await sourceConnection(settings);
    try {
      const [rows] = await my.query('SELECT @@pid_file AS f');
      const file = (rows as { f: string }[])[0]?.f;
      if (file) pids.mariadb = readPidFile(file);
    } catch {
      // no pid file readable: MariaDB's CPU is not reported
    } finally {
      await my.end();
    }
  }
  if (LOCAL.has(settings.targetUrl.hostname)) {
    const pg = await targetClient(settings);
    try {
      const { rows } = await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const backend = rows[0]?.pid;
      if (backend !== undefined) pids.postgres = parentOf(backend);
    } finally {
      await pg.end();
    }
  }
  return {
    pids,
    read: () => ({
      ...(pids.mariadb !== undefined ? { mariadb: serverCpuSeconds(pids.mariadb) } : {}),
      ...(pids.postgres !== undefined ? { postgres: serverCpuSeconds(pids.postgres) } : {}),
    }),
  };
}

export function cpuBetween(before: ServerCpu, after: ServerCpu): ServerCpu {
  const delta = (a?: number, b?: number) => (a !== undefined && b !== undefined ? b - a : undefined);
  const mariadb = delta(before.mariadb, after.mariadb);
  const postgres = delta(before.postgres, after.postgres);
  return {
    ...(mariadb !== undefined ? { mariadb } : {}),
    ...(postgres !== undefined ? { postgres } : {}),
  };
}
