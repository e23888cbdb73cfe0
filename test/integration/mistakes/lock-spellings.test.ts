// Two spellings of one server (localhost and 127.0.0.1, for the source and the target) do not defeat
// the stream locks: they are advisory locks in the target database, keyed by the target schema and
// the stream, so a second sync with the other spelling exits 7 and touches nothing while the first
// holds them.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, spawnFerry } from '../../support/cli.js';
import { expectClearFailure, faultFixture, type FaultFixture } from '../faults/fault-fixture.js';

let f: FaultFixture;

beforeAll(async () => {
  f = await faultFixture('lock_spelling');
});
afterAll(() => f?.cleanup());

/** The same config with every 127.0.0.1 spelled localhost. */
function spelledLocalhost(path: string): string {
  const other = path.replace(/\.yaml$/, '-localhost.yaml');
  writeFileSync(other, readFileSync(path, 'utf8').replaceAll('127.0.0.1', 'localhost'));
  return other;
}

const runCount = async () =>
  Number((await f.db.target.query('SELECT count(*) AS n FROM _ferry.runs')).rows[0].n);

describe('localhost and 127.0.0.1', () => {
  it('exclude each other: the second sync exits 7 and records nothing', async () => {
    // The first sync stalls mid-copy behind its proxy, holding every stream's lock.
    const first = spawnFerry(['-c', f.config({ viaSource: true, stallMs: 60_000 }), 'sync']);
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    try {
      const stalled = f.source.stallAfter(400_000, 'toClient');
      await Promise.race([stalled, new Promise((r) => setTimeout(r, 20_000))]);
      expect(await f.lockHeld()).toBe(true);
      const runsBefore = await runCount();

      const other = spelledLocalhost(f.config());
      expect(readFileSync(other, 'utf8')).toMatch(
        /mysql:\/\/[^@]+@localhost:\d+.*postgres:\/\/[^@]+@localhost:\d+/s,
      );
      const second = await runFerry(['-c', other, 'sync']);
      expectClearFailure(
        second,
        7,
        /^error: stream raw\.\w+ is in use by another ferry process \(ferry sync, pid \d+/m,
      );
      expect(await runCount()).toBe(runsBefore);

      // And the other way round: a full refresh of one stream spelled 127.0.0.1 while ... the same.
      const third = await runFerry(['-c', f.config(), 'sync', '--streams', 'notes', '--full-refresh']);
      expectClearFailure(third, 7, /^error: stream raw\.notes is in use by another ferry process/m);
    } finally {
      first.kill('SIGINT');
      f.source.resume();
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000)),
      ]);
      if (code === 'hung') first.kill('SIGKILL');
    }
    // Once the first is gone, the localhost spelling syncs (resuming what the first left).
    const after = await runFerry(['-c', spelledLocalhost(f.config()), 'sync']);
    expect(after.stderr).not.toContain('error:');
    expect(after.code).toBe(0);
  });
});
