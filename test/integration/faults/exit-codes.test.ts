// The exit-code table of docs/cli.md, each code once through the real command line: 0 success,
// 1 a stream failed while the others ran, 2 configuration or usage, 3 a server unreachable or a
// connection lost, 7 locked by another run, 130 interrupted, 70 a bug in ferry; and the precedence
// when two apply (a lost connection after a stream already failed: 3).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { expectClearFailure, faultFixture, type FaultFixture } from './fault-fixture.js';

let f: FaultFixture;
const INJECT_BUG = fileURLToPath(new URL('../../support/inject-bug.ts', import.meta.url));
/** `bad` fails its check (NULLs under a `fail` not_null); the other streams are fine. */
const STREAMS =
  '  - { table: bad, checks: [{ column: v, not_null: true, severity: fail }] }\n  - { table: "*" }\n';

beforeAll(async () => {
  f = await faultFixture('faults_exit');
  await f.db.source.query('CREATE TABLE bad (id int PRIMARY KEY, v int)');
  await f.db.source.query('INSERT INTO bad VALUES (1, 1), (2, NULL), (3, 3)');
});
afterAll(() => f?.cleanup());

const streamStatus = async (runId: string) =>
  Object.fromEntries(
    (
      await f.db.target.query<{ target_table: string; status: string }>(
        'SELECT target_table, status FROM _ferry.stream_runs WHERE run_id = $1',
        [runId],
      )
    ).rows.map((r) => [r.target_table, r.status]),
  );

describe('exit codes', () => {
  it('0: every stream succeeded', async () => {
    const result = await runFerry(['-c', f.config({ streams: STREAMS }), 'sync', '--streams', 'notes']);
    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
  });

  it('1: a stream failed while the others ran', async () => {
    const result = await runFerry(['-c', f.config({ streams: STREAMS }), 'sync', '--streams', 'bad,notes']);
    expect(result.stdout).toMatch(/bad\s+│ full_refresh │ FAILED/);
    expect(result.stdout).toMatch(/notes\s+│ full_refresh │ succeeded/);
    expect(result.code).toBe(1);
  });

  it('2: a configuration or usage error, with the valid values', async () => {
    const result = await runFerry(['-c', f.config({ extra: 'defaults: { mode: full_refersh }\n' }), 'sync']);
    expectClearFailure(result, 2, /has 1 problem/);
    expect(result.stderr).toMatch(/defaults\.mode: .*full_refresh.*incremental/);
  });

  it('3: a server that cannot be reached', async () => {
    const config = f.config();
    writeFileSync(config, readFileSync(config, 'utf8').replace(/(mysql:\/\/[^@]+@127\.0\.0\.1:)\d+/, '$11'));
    const result = await runFerry(['-c', config, 'sync']);
    expectClearFailure(result, 3, /^error: nothing is listening at ferry@127\.0\.0\.1:1\//m);
  });

  it('7 while another sync holds the schema, then 130 for the one interrupted', async () => {
    // The first sync stalls mid-copy behind its proxy (holding the lock); it would wait 60 s.
    const first = spawnFerry(['-c', f.config({ viaSource: true, stallMs: 60_000 }), 'sync']);
    let stderr = '';
    first.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    const stalled = f.source.stallAfter(500_000, 'toClient');
    await Promise.race([stalled, new Promise((r) => setTimeout(r, 20_000))]);
    const second = await runFerry(['-c', f.config(), 'sync']);
    expectClearFailure(second, 7, /^error: stream raw\.\w+ is in use by another ferry process/m);

    const started = Date.now();
    first.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000)),
    ]);
    f.source.resume();
    if (code === 'hung') first.kill('SIGKILL');
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stderr).toContain('SIGINT: stopping cleanly');
    expect((await f.lastRun()).status).toBe('interrupted');
  });

  it('70: a bug in ferry, and only then', async () => {
    const result = await runFerry(['-c', f.config(), 'sync'], { preload: [INJECT_BUG] });
    expect(result.stderr).toContain('error: injected fault: a stand-in for a bug in ferry');
    expect(result.stderr).toContain('This is a bug in ferry; please report it');
    expect(result.code).toBe(70);
  });

  it('3 wins over 1: a connection lost after a stream already failed', async () => {
    // events is slowed down by its proxy (one range at a time, so that the other streams get the
    // second reader); the source connections drop once bad has failed.
    f.source.throttle(300_000);
    const child = spawnFerry([
      '-c',
      f.config({ viaSource: true, streams: STREAMS, sync: '{ chunk_rows: 2000, parallel_chunks: 1 }' }),
      'sync',
    ]);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    let runId: string | undefined;
    while (!runId && Date.now() < deadline) {
      const { rows } = await f.db.target.query<{ run_id: string }>(
        "SELECT run_id FROM _ferry.stream_runs WHERE target_table = 'bad' AND status = 'failed' AND run_id = (SELECT max(run_id) FROM _ferry.runs)",
      );
      runId = rows[0]?.run_id;
      if (!runId) await new Promise((r) => setTimeout(r, 100));
    }
    f.source.dropAll();
    f.source.throttle(undefined);
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000)),
    ]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(runId).toBeDefined();
    expectClearFailure(
      { code: typeof code === 'number' ? code : -1, stderr },
      3,
      /^error: .*MySQL at ferry@127\.0\.0\.1:\d+\//m,
    );
    expect(await streamStatus(runId!)).toMatchObject({ bad: 'failed' });
  });
});
