// The CPU seconds MariaDB, PostgreSQL and the Spark Connect server spend during a tool's run,
// reported apart from the tool's own: /proc deltas of each server's processes, found from the
// servers themselves (MariaDB's pid file, the parent of a PostgreSQL backend, the pid file of
// scripts/spark.sh). Servers on another machine are not measured.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sourceConnection, targetClient } from './data.js';
import { parentOf, readPidFile, serverCpuSeconds } from './proc.js';
import type { BenchSettings } from './settings.js';

export interface ServerCpu {
  mariadb?: number;
  postgres?: number;
  spark?: number;
}

export interface ServerProbe {
  /** What each server has used so far; subtract two readings with `cpuBetween`. */
  read(): ServerCpu;
  /** The process ids found (for the report), or undefined when a server is not local. */
  pids: { mariadb?: number; postgres?: number; spark?: number };
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The JVM of the Spark Connect server scripts/spark.sh started, when the bench's Spark is local. */
function sparkPid(settings: BenchSettings): number | undefined {
  const host = /^sc:\/\/([^:/]+)/.exec(settings.sparkUrl)?.[1];
  if (!host || !LOCAL.has(host)) return undefined;
  const cache = process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry');
  return readPidFile(join(cache, 'spark', 'connect-server.pid'));
}

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
  const spark = sparkPid(settings);
  if (spark !== undefined) pids.spark = spark;
  return {
    pids,
    read: () => ({
      ...(pids.mariadb !== undefined ? { mariadb: serverCpuSeconds(pids.mariadb) } : {}),
      ...(pids.postgres !== undefined ? { postgres: serverCpuSeconds(pids.postgres) } : {}),
      ...(pids.spark !== undefined ? { spark: serverCpuSeconds(pids.spark) } : {}),
    }),
  };
}

export function cpuBetween(before: ServerCpu, after: ServerCpu): ServerCpu {
  const delta = (a?: number, b?: number) => (a !== undefined && b !== undefined ? b - a : undefined);
  const mariadb = delta(before.mariadb, after.mariadb);
  const postgres = delta(before.postgres, after.postgres);
  const spark = delta(before.spark, after.spark);
  return {
    ...(mariadb !== undefined ? { mariadb } : {}),
    ...(postgres !== undefined ? { postgres } : {}),
    ...(spark !== undefined ? { spark } : {}),
  };
}
