// `ferry sync` and `ferry verify` on faults injected with TCP proxies and by the servers themselves:
// a connection dropped at a random point of the copy, a proxy that stops forwarding while keeping
// its sockets open, a DBA's KILL of the reader, pg_terminate_backend of the writer. Each run ends
// within seconds with exit 3 and a clear message (verify: 2), the run is recorded as failed, the
// lock is released, and the rerun resumes and verifies with 0 differences. A lock wait that keeps
// the target silent for longer than the stall timeout is not taken for a fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { EVENTS, expectClearFailure, faultFixture, randomPoint, type FaultFixture } from './fault-fixture.js';

let f: FaultFixture;
/** The copy of `events` moves about 2 MB each way. */
const COPY_BYTES = 2_000_000;

beforeAll(async () => {
  f = await faultFixture('faults_sync');
});
afterAll(() => f?.cleanup());

async function timedFerry(args: string[]) {
  const started = Date.now();
  const result = await runFerry(args, { timeoutMs: 60_000 });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

/** The run failed, no lock is left behind, and the next sync resumes and verifies clean. */
async function expectResumable(config: string) {
  expect((await f.lastRun()).status).toBe('failed');
  expect(await f.lockHeld()).toBe(false);
  const rerun = await runFerry(['-c', config, 'sync', '--verify'], { timeoutMs: 60_000 });
  expect(rerun.stderr).toContain('resuming');
  expect(rerun.stdout).toMatch(/in sync: 2 stream\(s\) checked/);
  expect(rerun.code).toBe(0);
  const { rows } = await f.db.target.query('SELECT count(*)::int AS n FROM raw.events');
  expect(rows[0]).toEqual({ n: EVENTS });
}

describe('connections dropped mid-copy', () => {
  it('source: exit 3 within seconds, the run failed, the lock released, the rerun resumes', async () => {
    const config = f.config({ viaSource: true });
    void f.source.dropAfter(randomPoint(COPY_BYTES * 0.4, COPY_BYTES * 0.8), 'toClient');
    const result = await timedFerry(['-c', config, 'sync']);
    expectClearFailure(
      result,
      3,
      /^error: (MySQL at|the connection to MySQL at) ferry@127\.0\.0\.1:\d+\/\S+ (closed the connection|was lost|ended the session)/m,
    );
    expect(result.stderr).toMatch(/^hint: .*running the command again resumes the work/m);
    expect(result.seconds).toBeLessThan(15);
    await expectResumable(config);
  });

  it('target mid-COPY: exit 3 (no crash), the run recorded as failed on a fresh connection, the rerun resumes', async () => {
    const config = f.config({ viaTarget: true });
    void f.target.dropAfter(randomPoint(COPY_BYTES * 0.4, COPY_BYTES * 0.8), 'toServer');
    const result = await timedFerry(['-c', config, 'sync']);
    expectClearFailure(
      result,
      3,
      /^error: (PostgreSQL at|the connection to PostgreSQL at) ferry@127\.0\.0\.1:\d+\//m,
    );
    expect(result.seconds).toBeLessThan(15);
    expect((await f.lastRun()).error).toMatch(/PostgreSQL/);
    await expectResumable(config);
  });

  it('verify: exit 2 ("could not run"), not 70, on a dropped source or target connection', async () => {
    void f.source.dropOn('MD5(', 'toServer');
    const source = await timedFerry(['-c', f.config({ viaSource: true }), 'verify']);
    expectClearFailure(source, 2, /^error: .*MySQL at ferry@127\.0\.0\.1:\d+\//m);
    void f.target.dropOn('md5(', 'toServer');
    const target = await timedFerry(['-c', f.config({ viaTarget: true }), 'verify']);
    expectClearFailure(target, 2, /^error: .*PostgreSQL at ferry@127\.0\.0\.1:\d+\//m);
    expect(source.seconds + target.seconds).toBeLessThan(20);
  });
});

describe('a proxy that stops forwarding but keeps its sockets open', () => {
  it('source, unreachable for new connections too: exit 3 within seconds, and the rerun resumes', async () => {
    const config = f.config({ viaSource: true });
    void f.source.stallAfter(randomPoint(COPY_BYTES * 0.4, COPY_BYTES * 0.8), 'toClient');
    const result = await timedFerry(['-c', config, 'sync']);
    f.source.resume();
    expectClearFailure(
      result,
      3,
      /^error: no answer from ferry@127\.0\.0\.1:\d+\/\S+ for [\d.]+ s: a fresh connection failed too/m,
    );
    expect(result.seconds).toBeLessThan(20);
    await expectResumable(config);
  });

  it('target mid-COPY: exit 3, its session on the server ended, and the rerun resumes', async () => {
    const config = f.config({ viaTarget: true });
    void f.target.stallAfter(randomPoint(COPY_BYTES * 0.4, COPY_BYTES * 0.8), 'toServer', {
      newConnections: 'forwarded',
    });
    const result = await timedFerry(['-c', config, 'sync']);
    f.target.resume();
    expectClearFailure(
      result,
      3,
      /^error: no answer from ferry@127\.0\.0\.1:\d+\/\S+ for [\d.]+ s: its session on the server/m,
    );
    expect(result.seconds).toBeLessThan(20);
    await expectResumable(config);
  });

  it('does not take a lock wait that keeps the target silent for 3 s for a stall', async () => {
    const blocker = new pg.Client({ connectionString: f.db.postgresUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE raw.events IN ACCESS SHARE MODE');
      const started = Date.now();
      const child = spawnFerry(['-c', f.config(), 'sync', '--streams', 'events']);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 3000));
      await blocker.query('COMMIT');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000)),
      ]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      expect((await f.lastRun()).status).toBe('succeeded');
    } finally {
      await blocker.end();
    }
  });
});

describe('sessions ended by a DBA', () => {
  /** Chunks of events the running sync has committed. */
  const chunksDone = async () =>
    Number(
      (
        await f.db.target
          .query<{ n: string }>(`SELECT count(*) AS n FROM _ferry.chunks WHERE target_table = 'events'`)
          .catch(() => ({ rows: [{ n: '0' }] }))
      ).rows[0]!.n,
    );

  /** Starts a sync slowed down by the source proxy; once two chunks are in, waits until `find` sees its session. */
  async function slowSync(find: () => Promise<string | undefined>) {
    f.source.throttle(400_000);
    const config = f.config({ viaSource: true });
    const started = Date.now();
    const child = spawnFerry(['-c', config, 'sync']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let session: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!session && Date.now() < deadline) {
      session = (await chunksDone()) >= 2 ? await find() : undefined;
      if (!session) await new Promise((r) => setTimeout(r, 100));
    }
    expect(session).toBeDefined();
    return { config, session: session!, started, exited, stderr: () => stderr };
  }

  it("KILL of ferry's reader session on MariaDB: exit 3 with the reason, and the rerun resumes", async () => {
    // The reader that read last (between two chunks it sleeps, inside the snapshot's transaction);
    // a reader the run no longer uses may be killed without harm.
    const run = await slowSync(async () => {
      const [rows] = await f.db.source.query(
        `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND IN ('Query', 'Sleep') ORDER BY TIME, ID DESC LIMIT 1`,
        [f.db.name],
      );
      return (rows as { id: number }[])[0]?.id.toString();
    });
    await f.db.source.query(`KILL ${Number(run.session)}`);
    const code = await run.exited;
    f.source.throttle(undefined);
    expectClearFailure(
      { code: code ?? -1, stderr: run.stderr() },
      3,
      /^error: MySQL at ferry@\S+ ended the session \(KILL/m,
    );
    expect(Date.now() - run.started).toBeLessThan(25_000);
    await expectResumable(run.config);
  });

  it("pg_terminate_backend of ferry's writer: exit 3 with the reason, and the rerun resumes", async () => {
    const run = await slowSync(async () => {
      const { rows } = await f.db.target.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'COPY %' AND state = 'active' LIMIT 1`,
        [f.db.name],
      );
      return rows[0]?.pid.toString();
    });
    await f.db.target.query('SELECT pg_terminate_backend($1)', [Number(run.session)]);
    const code = await run.exited;
    f.source.throttle(undefined);
    expectClearFailure(
      { code: code ?? -1, stderr: run.stderr() },
      3,
      /^error: PostgreSQL at ferry@\S+ ended the session \(pg_terminate_backend/m,
    );
    expect(Date.now() - run.started).toBeLessThan(25_000);
    await expectResumable(run.config);
  });
});
