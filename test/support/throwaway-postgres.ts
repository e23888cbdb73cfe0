// A short-lived PostgreSQL server of the test's own (initdb + pg_ctl from the installed binaries, a
// free port, a temporary directory), here with TLS on and a server certificate signed by a private
// CA that the test generates with openssl. The shared server is never touched.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = [
  '/usr/lib/postgresql/15/bin',
  ...safeList('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`),
].find((d) => existsSync(join(d, 'pg_ctl')));
export const canStartPostgres = PG_BIN !== undefined;

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface ThrowawayPostgres {
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM file of the CA that signed the server's certificate. */
  caFile: string;
  stop(): void;
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

/** Generates a CA and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=ferry test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export async function startTlsPostgres(): Promise<ThrowawayPostgres> {
  if (!PG_BIN) throw new Error('PostgreSQL binaries are not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  // initdb refuses to run as root: the server runs as the postgres account then.
  const run = (file: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, file), ...args], { stdio: 'ignore' })
      : execFileSync(join(PG_BIN, file), args, { stdio: 'ignore' });
  const certs = makeCertificates(dir);
  chmodSync(certs.key, 0o600);
  const data = join(dir, 'data');
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
    chownSync(certs.key, uid, gid);
    chownSync(certs.cert, uid, gid);
  }
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--auth-local=trust',
    '--auth-host=reject',
  ]);
  const port = await freePort();
  const password = 'throwaway-tls-pw';
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      `ssl_cert_file = '${certs.cert}'`,
      `ssl_key_file = '${certs.key}'`,
      'fsync = off',
      'max_connections = 40',
    ].join('\n') + '\n',
  );
  // TCP only with TLS, so that nothing can pass without the certificate check.
  writeFileSync(
    join(data, 'pg_hba.conf'),
    'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n',
  );
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const f of ['postgresql.auto.conf', 'pg_hba.conf']) chownSync(join(data, f), uid, gid);
  }
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const psql = (sql: string) =>
    run('psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-qXc',
      sql,
    ]);
  psql(`CREATE ROLE ferry LOGIN PASSWORD '${password}'`);
  psql('CREATE DATABASE warehouse OWNER ferry');
  return {
    port,
    user: 'ferry',
    password,
    database: 'warehouse',
    caFile: certs.ca,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
