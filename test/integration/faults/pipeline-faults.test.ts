// Pipeline tasks on faults: the error's `transient` decides. A configuration error fails its task
// at once (one attempt, no wait through the backoff); a sync task whose source connection drops,
// and a transform task whose target connection drops, fail as connection errors and are retried.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { faultFixture, randomPoint, type FaultFixture } from './fault-fixture.js';

let f: FaultFixture;
let config: string;

beforeAll(async () => {
  f = await faultFixture('faults_pipe');
  const models = join(f.dir, 'models');
  mkdirSync(models);
  writeFileSync(
    join(models, 'event_count.sql'),
    "select count(*) as n, 'fault-marker' as tag from {{ source('shop', 'events') }}",
  );
  config = f.config({
    viaSource: true,
    viaTarget: true,
    extra:
      `transform: { models: "${models}", schema: marts, sources: { shop: raw } }\n` +
      `pipelines:\n` +
      `  copy:\n    tasks:\n      sync: { kind: sync, retries: 2, retry_delay: 1s }\n` +
      `  misnamed:\n    tasks:\n      sync: { kind: sync, streams: [ghost], retries: 3, retry_delay: 30s }\n` +
      `  models:\n    tasks:\n      build: { kind: transform, select: [event_count], retries: 2, retry_delay: 1s }\n`,
  });
});
afterAll(() => f?.cleanup());

async function trigger(pipeline: string) {
  const started = Date.now();
  const result = await runFerry(['-c', config, 'trigger', pipeline, '--wait'], { timeoutMs: 90_000 });
  const runId = /run (\d+)/.exec(result.stdout)?.[1];
  const { rows } = await f.db.target.query<{
    state: string;
    attempts: number;
    error: string | null;
    log: string;
  }>(`SELECT state, attempts, error, log FROM _ferry.task_instances WHERE run_id = $1`, [runId]);
  const { log, ...task } = rows[0]!;
  return { ...result, task, logs: log, seconds: (Date.now() - started) / 1000 };
}

describe('pipeline tasks on faults', () => {
  it('fails a task with a configuration error at once: one attempt, no backoff, the reason recorded', async () => {
    const run = await trigger('misnamed');
    expect(run.code).toBe(1);
    expect(run.task).toEqual({ state: 'failed', attempts: 1, error: 'no stream covers ghost' });
    expect(run.logs).toContain('(not retried: running it again would fail the same way)');
    // The first retry would have waited 30 s.
    expect(run.seconds).toBeLessThan(25);
  });

  it('retries a sync task whose source connection dropped, and the retry resumes', async () => {
    void f.source.dropAfter(randomPoint(800_000, 1_600_000), 'toClient');
    const run = await trigger('copy');
    expect(run.task).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(run.logs).toMatch(
      /sync attempt 1 failed: .*MySQL at ferry@127\.0\.0\.1:\d+\/\S+ .*\(will retry\)/,
    );
    expect(run.logs).toContain('resuming');
    expect(run.code).toBe(0);
  });

  it('retries a transform task whose target connection dropped (the child exits 3, a connection error)', async () => {
    void f.target.dropOn('fault-marker', 'toServer');
    const run = await trigger('models');
    expect(run.task).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(run.logs).toContain('build attempt 1 failed: task build exited with code 3 (will retry)');
    expect(run.code).toBe(0);
    const { rows } = await f.db.target.query('SELECT n::int AS n FROM marts.event_count');
    expect(rows).toEqual([{ n: 20_000 }]);
  });
});
