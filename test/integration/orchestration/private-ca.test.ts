// A run-history database behind a private CA: with tls.mode verify-full and the CA given, a
// pipeline runs (the job queue connects with the same TLS settings as every other connection: it
// once rebuilt them and dropped the CA); without the CA, the error says what to do (exit 3).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import {
  canStartPostgres,
  startTlsPostgres,
  type ThrowawayPostgres,
} from '../../support/throwaway-postgres.js';

describe.runIf(canStartPostgres)('a history database behind a private CA', () => {
  let server: ThrowawayPostgres;
  let db: TestDatabases;
  let dir: string;

  beforeAll(async () => {
    [server, db] = await Promise.all([startTlsPostgres(), createTestDatabases('private_ca')]);
    dir = mkdtempSync(join(tmpdir(), 'ferry-ca-'));
  });
  afterAll(async () => {
    server?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (tls: string) => {
    const path = join(dir, `ferry-${tls.length}.yaml`);
    writeFileSync(
      path,
      `source: { url: "${db.mysqlUrl}" }\n` +
        `target: { host: 127.0.0.1, port: ${server.port}, user: ${server.user}, password: ${server.password}, database: ${server.database}, schema: raw, tls: ${tls} }\n` +
        `pipelines:\n  ping:\n    tasks:\n      hello: { kind: shell, command: 'echo hello over TLS', retries: 0 }\n`,
    );
    return path;
  };

  it('runs a pipeline with tls.mode verify-full and the CA given', async () => {
    const result = await runFerry([
      '-c',
      config(`{ mode: verify-full, ca: "${server.caFile}" }`),
      'trigger',
      'ping',
      '--wait',
    ]);
    expect(result.stderr).not.toContain('error:');
    expect(result.stdout).toMatch(/run \d+ of ping queued/);
    expect(result.code).toBe(0);
  });

  it('without the CA, fails with a connection error that names the fix', async () => {
    const result = await runFerry(['-c', config('{ mode: verify-full }'), 'trigger', 'ping', '--wait']);
    expect(result.stderr).toMatch(
      /^error: the server certificate of ferry@127\.0\.0\.1:\d+\/warehouse is not trusted \(TLS\)/m,
    );
    expect(result.stderr).toMatch(/^hint: give the CA that signed it as tls\.ca/m);
    expect(result.stderr).not.toContain(server.password);
    expect(result.code).toBe(3);
  });
});
