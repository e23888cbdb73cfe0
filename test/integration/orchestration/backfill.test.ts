// `ferry backfill` creates exactly one run per schedule interval within --from .. --to, passes each
// its interval, and skips intervals that already have a run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../../support/cli.js';
import { pipelineFixture, type PipelineFixture } from './fixture.js';

describe('ferry backfill', () => {
  let f: PipelineFixture;
  beforeAll(async () => {
    f = await pipelineFixture('orch_backfill');
    f.writeConfig(`  daily:
    schedule: '0 6 * * *'
    timezone: Europe/Berlin
    max_active_runs: 2
    tasks:
      mark: { kind: shell, command: 'echo "$FERRY_INTERVAL_START $FERRY_INTERVAL_END" >> "$FERRY_TEST_DIR/intervals.txt"' }
`);
  });
  afterAll(() => f.cleanup());
  const env = () => ({ FERRY_TEST_DIR: f.dir });
  const marks = () => readFileSync(join(f.dir, 'intervals.txt'), 'utf8').trim().split('\n').sort();

  it('runs exactly the intervals within the range, in the schedule time zone', async () => {
    // 06:00 in Berlin is 05:00 UTC in winter: three whole intervals lie within the range.
    const result = await runFerry(
      [
        '-c',
        f.configPath,
        'backfill',
        'daily',
        '--from',
        '2026-01-01T05:00:00Z',
        '--to',
        '2026-01-04T12:00:00Z',
      ],
      { env: env() },
    );
    expect(result.stderr).not.toContain('bug in ferry');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 run(s) created, 0 skipped');
    expect(marks()).toEqual([
      '2026-01-01T05:00:00.000Z 2026-01-02T05:00:00.000Z',
      '2026-01-02T05:00:00.000Z 2026-01-03T05:00:00.000Z',
      '2026-01-03T05:00:00.000Z 2026-01-04T05:00:00.000Z',
    ]);
    const { rows } = await f.db.target.query<{ trigger: string; state: string }>(
      `SELECT trigger, state FROM _ferry.pipeline_runs`,
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.trigger === 'backfill' && r.state === 'succeeded')).toBe(true);
  });

  it('skips intervals that already ran and runs only the new ones', async () => {
    const result = await runFerry(
      [
        '-c',
        f.configPath,
        'backfill',
        'daily',
        '--from',
        '2026-01-03T00:00:00Z',
        '--to',
        '2026-01-05T05:00:00Z',
      ],
      { env: env() },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 run(s) created, 1 skipped');
    expect(marks()).toHaveLength(4);
    expect(marks()).toContain('2026-01-04T05:00:00.000Z 2026-01-05T05:00:00.000Z');
  });

  it('explains a range that is not a range', async () => {
    const result = await runFerry([
      '-c',
      f.configPath,
      'backfill',
      'daily',
      '--from',
      '2026-01-05',
      '--to',
      '2026-01-01',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from (2026-01-05T00:00:00.000Z) must be before --to');
  });
});
