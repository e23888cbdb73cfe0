// A short-lived MariaDB server with settings the shared one lacks (for example no binary log),
// started from the same binaries on a free port in a temporary directory.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

export const MARIADBD = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
export const canStartMariadb = MARIADBD !== undefined && existsSync('/usr/bin/mariadb-install-db');

export interface ThrowawayMariadb {
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** `initSql` runs once at the start, after the ferry user exists (more users, grants). */
export async function startThrowawayMariadb(extraArgs: string[], initSql = ''): Promise<ThrowawayMariadb> {
  if (!MARIADBD) throw new Error('MariaDB binaries are not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-mariadb-'));
  chmodSync(dir, 0o777);
  const root = process.getuid?.() === 0;
  const user = root ? 'mysql' : (process.env.USER ?? 'nobody');
  const password = 'throwaway-pw';
  writeFileSync(
    join(dir, 'init.sql'),
    `CREATE USER IF NOT EXISTS 'ferry'@'%' IDENTIFIED BY '${password}';\nGRANT ALL PRIVILEGES ON *.* TO 'ferry'@'%';\nCREATE DATABASE IF NOT EXISTS shop;\n${initSql}\n`,
  );
  chmodSync(join(dir, 'init.sql'), 0o644);
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--user=${user}`,
      '--skip-test-db',
      '--auth-root-authentication-method=socket',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    MARIADBD,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      `--init-file=${join(dir, 'init.sql')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      ...extraArgs,
    ],
    { stdio: 'ignore' },
  );
  const url = `mysql://ferry:${password}@127.0.0.1:${port}/shop`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const c = await mysql.createConnection({ uri: url });
      await c.end();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`throwaway MariaDB did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port,
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
