// The scheduler's pass against the real run history with a fake clock: a run appears exactly when its
// interval is over, once, even when passes race; catch-up fills missed intervals in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { openOrchestrator, type Orchestrator } from '../../../src/orchestration/orchestrator.js';
import { allPipelines, type Pipeline } from '../../../src/orchestration/pipeline.js';
import { schedulePass } from '../../../src/orchestration/scheduler.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { compileProject } from '../../../src/config/project.js';
import { ferryState } from '../../../src/state/ferry-state.js';

describe('a scheduler pass with a fake clock', () => {
  let db: TestDatabases;
  let orch: Orchestrator;
  let pipelines: Pipeline[];
  beforeAll(async () => {
    db = await createTestDatabases('orch_pass');
    const config = parseConfig(
      `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw }
pipelines:
  hourly:
    schedule: '0 * * * *'
    tasks: { a: { kind: shell, command: 'true' } }
  quarterly_catchup:
    schedule: '*/15 * * * *'
    timezone: Asia/Kolkata
    start: '2026-01-01T00:00:00Z'
    catchup: true
    max_active_runs: 100
    tasks: { a: { kind: shell, command: 'true' } }
`,
      'test.yaml',
      { env: {} },
    );
    orch = await openOrchestrator(compileProject(config, 'test.yaml'), ferryState(), silentLogger());
    pipelines = allPipelines(config);
  });
  afterAll(async () => {
    await orch?.close();
    await db.drop();
  });

  const runsOf = async (pipeline: string) =>
    (
      await db.target.query<{ interval_start: Date; interval_end: Date; trigger: string }>(
        `SELECT interval_start, interval_end, trigger FROM _ferry.pipeline_runs WHERE pipeline = $1 ORDER BY interval_end`,
        [pipeline],
      )
    ).rows.map((r) => `${r.interval_start.toISOString()} ${r.interval_end.toISOString()}`);

  it('creates the run of an interval when it ends, and only once however many passes race', async () => {
    const hourly = pipelines.filter((p) => p.name === 'hourly');
    await schedulePass(orch, hourly, new Date('2026-03-01T09:59:59.999Z'));
    expect(await runsOf('hourly')).toEqual(['2026-03-01T08:00:00.000Z 2026-03-01T09:00:00.000Z']);
    await Promise.all(
      Array.from({ length: 4 }, () => schedulePass(orch, hourly, new Date('2026-03-01T10:00:00.000Z'))),
    );
    expect(await runsOf('hourly')).toEqual([
      '2026-03-01T08:00:00.000Z 2026-03-01T09:00:00.000Z',
      '2026-03-01T09:00:00.000Z 2026-03-01T10:00:00.000Z',
    ]);
    // Without catch-up, a scheduler that was away for hours resumes with the newest interval only.
    await schedulePass(orch, hourly, new Date('2026-03-01T14:30:00Z'));
    expect((await runsOf('hourly')).at(-1)).toBe('2026-03-01T13:00:00.000Z 2026-03-01T14:00:00.000Z');
    expect(await runsOf('hourly')).toHaveLength(3);
  });

  it('with catch-up, creates every missed interval since start, in the pipeline time zone', async () => {
    const catchup = pipelines.filter((p) => p.name === 'quarterly_catchup');
    await schedulePass(orch, catchup, new Date('2026-01-01T01:05:00Z'));
    expect(await runsOf('quarterly_catchup')).toEqual([
      '2026-01-01T00:00:00.000Z 2026-01-01T00:15:00.000Z',
      '2026-01-01T00:15:00.000Z 2026-01-01T00:30:00.000Z',
      '2026-01-01T00:30:00.000Z 2026-01-01T00:45:00.000Z',
      '2026-01-01T00:45:00.000Z 2026-01-01T01:00:00.000Z',
    ]);
    await Promise.all([
      schedulePass(orch, catchup, new Date('2026-01-01T01:31:00Z')),
      schedulePass(orch, catchup, new Date('2026-01-01T01:31:00Z')),
    ]);
    expect(await runsOf('quarterly_catchup')).toHaveLength(6);
  });
});
