// The command line as a user meets it: help, version, config errors, and doctor's diagnoses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../support/cli.js';
import { MYSQL_URL, POSTGRES_URL } from '../support/databases.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../support/throwaway-mariadb.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
const config = (source: string, target: string) =>
  `source: { url: "${source}" }\ntarget: { url: "${target}", schema: raw_test }\n`;

function expectNoStackTrace(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('ferry --help and --version', () => {
  it('prints the version from package.json', async () => {
    const result = await runFerry(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists the commands in --help', async () => {
    const result = await runFerry(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('doctor');
    expect(result.stdout).toContain('--config <file>');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const result = await runFerry(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('configuration errors reach the user as one clear message and exit code 2', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a missing file', '', /config file .*nope\.yaml not found\nhint: create one/],
    ['bad YAML', 'source: [\n', /is not valid YAML\n {2}.*:\d+:\d+/],
    ['an unknown key', config(MYSQL_URL, POSTGRES_URL) + 'strems: []\n', /strems: unknown key \(valid keys:/],
    [
      'a wrong type',
      config(MYSQL_URL, POSTGRES_URL) + 'sync: { parallel_tables: many }\n',
      /sync\.parallel_tables: expected number, received string/,
    ],
    [
      'a missing environment variable',
      config('mysql://ferry:${NOT_SET_ANYWHERE}@127.0.0.1/shop', POSTGRES_URL),
      /environment variable NOT_SET_ANYWHERE is not set/,
    ],
    ['a wrong URL scheme', config('http://127.0.0.1/shop', POSTGRES_URL), /source\.url has scheme http/],
  ];
  it.each(cases)('%s', async (name, text, pattern) => {
    const file =
      name === 'a missing file'
        ? join(dir, 'nope.yaml')
        : configFile(`${name.replace(/\W/g, '_')}.yaml`, text);
    const result = await runFerry(['--config', file, 'doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.startsWith('error: ')).toBe(true);
    expectNoStackTrace(result.stderr);
  });
});

describe('ferry doctor', () => {
  it('reports a healthy pair of servers and exits 0', async () => {
    const result = await runFerry([
      '--config',
      configFile('ok.yaml', config(MYSQL_URL, POSTGRES_URL)),
      'doctor',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const { findings, ready } = JSON.parse(result.stdout) as {
      ready: boolean;
      findings: Array<{ side: string; check: string; status: string }>;
    };
    expect(ready).toBe(true);
    expect(findings.filter((f) => f.status === 'fail')).toEqual([]);
    expect(findings.map((f) => `${f.side}:${f.check}`)).toEqual(
      expect.arrayContaining([
        'source:connection',
        'source:server version',
        'source:binary log',
        'source:binlog format',
        'source:time zone',
        'source:character set',
        'target:connection',
        'target:encoding',
        'target:time zone',
      ]),
    );
  });

  it('explains a stopped database in plain words and exits 1', async () => {
    const result = await runFerry([
      '--config',
      configFile(
        'stopped.yaml',
        config('mysql://ferry:pw@127.0.0.1:1/shop', 'postgres://ferry:pw@127.0.0.1:2/warehouse'),
      ),
      'doctor',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/nothing is listening at ferry@127\.0\.0\.1:1\/shop/);
    expect(result.stdout).toMatch(/nothing is listening at ferry@127\.0\.0\.1:2\/warehouse/);
    expect(result.stdout).toMatch(/start the server/);
    expectNoStackTrace(result.stderr);
  });

  it('explains a wrong password without printing it', async () => {
    const wrongSource = MYSQL_URL.replace(/:[^:@/]*@/, ':Wr0ngPassw0rd@');
    const wrongTarget = POSTGRES_URL.replace(/:[^:@/]*@/, ':Wr0ngPassw0rd@');
    const result = await runFerry([
      '--config',
      configFile('wrongpw.yaml', config(wrongSource, wrongTarget)),
      'doctor',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/MySQL refused the user or password/);
    expect(result.stdout).toMatch(/PostgreSQL refused the password/);
    expect(result.stdout + result.stderr).not.toContain('Wr0ngPassw0rd');
  });

  describe.runIf(canStartMariadb)('against a MariaDB without a binary log', () => {
    let server: ThrowawayMariadb;
    beforeAll(async () => {
      server = await startThrowawayMariadb(['--skip-log-bin']);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('warns that change data capture needs the binary log and says how to turn it on', async () => {
      const result = await runFerry([
        '--config',
        configFile('nobinlog.yaml', config(server.url, POSTGRES_URL)),
        'doctor',
        '--json',
      ]);
      const { findings } = JSON.parse(result.stdout) as {
        findings: Array<{ check: string; status: string; found: string; fix?: string }>;
      };
      const binlog = findings.find((f) => f.check === 'binary log');
      expect(binlog).toMatchObject({ status: 'warn', found: 'disabled' });
      expect(binlog?.fix).toMatch(/log-bin/);
      expect(result.stdout).not.toContain('throwaway-pw');
    });
  });
});
