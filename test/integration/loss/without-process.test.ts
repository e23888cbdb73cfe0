// Without the PROCESS privilege ferry cannot see the source's open transactions: doctor says so and
// how to grant it, every incremental run warns, and a numeric cursor's holes are still re-read for
// the lookback, so a transaction that commits within it is not lost. A throwaway MariaDB, since
// the test creates a user.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { runFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync } from '../../support/sync.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe.runIf(canStartMariadb)('a source user without PROCESS', () => {
  let server: ThrowawayMariadb;
  let db: TestDatabases;
  let narrowUrl: string;
  let admin: mysql.Connection;
  const yaml = () =>
    `source: { url: "${narrowUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw }\nstreams:\n  - { table: items, mode: incremental, cursor: id }\n`;

  beforeAll(async () => {
    server = await startThrowawayMariadb(
      [],
      "CREATE USER 'narrow'@'%' IDENTIFIED BY 'narrow-pw';\nGRANT SELECT ON shop.* TO 'narrow'@'%';",
    );
    narrowUrl = server.url.replace('ferry:throwaway-pw@', 'narrow:narrow-pw@');
    db = await createTestDatabases('noproc');
    admin = await mysql.createConnection({ uri: server.url });
    await admin.query('CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY, v varchar(20))');
    await admin.query("INSERT INTO items (v) VALUES ('a'), ('b')");
  });

  afterAll(async () => {
    await admin?.end();
    await db?.drop();
    await server?.stop();
  });

  it('is named by doctor, with the grant that fixes it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-noproc-')), 'ferry.yaml');
    writeFileSync(file, yaml());
    const result = await runFerry(['--config', file, 'doctor', '--json']);
    const { findings } = JSON.parse(result.stdout) as {
      findings: { check: string; status: string; fix?: string }[];
    };
    expect(findings.find((f) => f.check === 'privilege PROCESS (late commits)')).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/GRANT PROCESS ON \*\.\* TO the ferry user/) as unknown,
    });
    expect(result.stdout).not.toContain('narrow-pw');
  });

  it('still re-reads the ids skipped below the mark for the lookback, with a warning on every run', async () => {
    const config = parseConfig(yaml(), 'test.yaml', { env: {} });
    expect((await runSync(config)).status).toBe('succeeded');
    const late = await mysql.createConnection({ uri: server.url });
    try {
      await late.query('BEGIN');
      await late.query("INSERT INTO items (v) VALUES ('late')"); // id 3, not committed yet
      await admin.query("INSERT INTO items (v) VALUES ('early')"); // id 4, committed
      const first = await runSync(config);
      expect(first.streams[0]!.warnings.join()).toMatch(/cannot see the source's open transactions/);
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    const second = await runSync(config);
    expect(second.streams[0]!.warnings.join()).toMatch(/GRANT PROCESS ON \*\.\* TO the ferry user/);
    const { rows } = await db.target.query('SELECT id::int AS id, v FROM raw.items ORDER BY id');
    expect(rows).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
      { id: 3, v: 'late' },
      { id: 4, v: 'early' },
    ]);
  });
});
