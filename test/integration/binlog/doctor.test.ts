// `ferry doctor`'s change data capture checks: all good on the shared server, and each bad setting
// (statement format, minimal images and metadata, short retention, no replication privileges) found
// with its fix on a throwaway server configured that way.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/doctor/source-checks.js';
import type { Finding } from '../../../src/doctor/finding.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { specOfUrl } from './support.js';

const CDC_CHECKS = [
  'binary log',
  'binlog format',
  'binlog row image',
  'binlog row metadata',
  'binlog retention',
  'binlog status privilege',
  'replication privilege',
  'gtid',
  'replica server_id',
];

const byCheck = (findings: Finding[]) => new Map(findings.map((f) => [f.check, f]));

describe('on the shared server', () => {
  let db: TestDatabases;
  beforeAll(async () => {
    db = await createTestDatabases('binlog_doctor');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('finds everything change data capture needs', async () => {
    const findings = byCheck(await checkSource(db.mysql));
    expect(CDC_CHECKS.map((c) => [c, findings.get(c)?.status])).toEqual(CDC_CHECKS.map((c) => [c, 'ok']));
    expect(findings.get('replication privilege')?.found).toMatch(/binlog dump works/);
    expect(findings.get('replica server_id')?.found).toMatch(/ferry would read as \d+/);
  });
});

describe.runIf(canStartMariadb)('on a server set up against change data capture', () => {
  let server: ThrowawayMariadb;
  beforeAll(async () => {
    server = await startThrowawayMariadb([
      '--log-bin=mariadb-bin',
      '--server-id=1',
      '--binlog-format=STATEMENT',
      '--binlog-row-image=MINIMAL',
      '--binlog-row-metadata=MINIMAL',
      '--binlog-expire-logs-seconds=3600',
    ]);
    const admin = await mysql.createConnection({ uri: server.url });
    await admin.query("CREATE USER 'limited'@'%' IDENTIFIED BY 'limited-pw'");
    await admin.end();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('warns about each setting with the statement that fixes it', async () => {
    const findings = byCheck(await checkSource(specOfUrl(server.url)));
    expect(findings.get('binlog format')).toMatchObject({ status: 'warn', found: 'STATEMENT' });
    expect(findings.get('binlog format')?.fix).toMatch(/SET GLOBAL binlog_format = ROW/);
    expect(findings.get('binlog row image')).toMatchObject({ status: 'warn', found: 'MINIMAL' });
    expect(findings.get('binlog row image')?.fix).toMatch(/binlog_row_image = FULL/);
    expect(findings.get('binlog row metadata')).toMatchObject({ status: 'warn', found: 'MINIMAL' });
    expect(findings.get('binlog row metadata')?.fix).toMatch(/binlog_row_metadata = FULL/);
    expect(findings.get('binlog retention')).toMatchObject({
      status: 'warn',
      found: expect.stringMatching(/^1 h;/),
    });
    expect(findings.get('binlog retention')?.fix).toMatch(/binlog_expire_logs_seconds = 259200 /);
  });

  it('probes the replication privileges by trying them', async () => {
    const spec = {
      ...specOfUrl(server.url),
      user: 'limited',
      password: 'limited-pw',
      database: 'information_schema',
    };
    const findings = byCheck(await checkSource(spec));
    expect(findings.get('binlog status privilege')).toMatchObject({ status: 'warn' });
    expect(findings.get('binlog status privilege')?.fix).toMatch(/BINLOG MONITOR/);
    expect(findings.get('replication privilege')).toMatchObject({ status: 'warn' });
    expect(findings.get('replication privilege')?.fix).toMatch(/GRANT REPLICATION SLAVE/);
  });
});
