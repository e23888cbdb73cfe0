import { describe, expect, it } from 'vitest';
import { duration, renderGrid } from '../../../src/orchestration/grid.js';
import type { RunRow, TaskRow } from '../../../src/state/pipeline-runs.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 6, 0, s));
const run = (id: string, state: RunRow['state']): RunRow => ({
  run_id: id,
  pipeline: 'p',
  run_key: `k${id}`,
  trigger: 'schedule',
  state,
  interval_start: at(0),
  interval_end: at(Number(id)),
  params: {},
  created_at: at(0),
  started_at: at(0),
  finished_at: at(12),
});
const task = (
  runId: string,
  name: string,
  state: TaskRow['state'],
  attempts = 1,
  rows: string | null = null,
): TaskRow => ({
  run_id: runId,
  task: name,
  state,
  attempts,
  max_attempts: 3,
  job_id: null,
  started_at: at(1),
  finished_at: at(4),
  rows_moved: rows,
  error: null,
});

describe('the run grid', () => {
  it('draws runs as columns and tasks as rows, in dependency order', () => {
    const text = renderGrid(
      [run('1', 'succeeded'), run('2', 'failed')],
      [
        task('1', 'verify', 'succeeded'),
        task('1', 'sync', 'succeeded', 1, '1200'),
        task('2', 'sync', 'failed', 3),
        task('2', 'verify', 'upstream_failed', 0),
      ],
      ['sync', 'verify'],
    );
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/│\s+│ run 1\s+│ run 2\s+│/);
    const sync = lines.findIndex((l) => l.includes('│ sync'));
    const verify = lines.findIndex((l) => l.includes('│ verify'));
    expect(sync).toBeLessThan(verify);
    expect(lines[sync]).toMatch(/ok 3\.0s 1200 rows\s+│ FAILED 3\.0s \(3 tries\)/);
    expect(lines[verify]).toMatch(/ok 3\.0s\s+│ upstream failed\s+│/);
    expect(text).toContain('failed 12.0s');
  });

  it('says when there is nothing to show', () => {
    expect(renderGrid([], [], [])).toBe('no runs yet');
  });

  it('formats durations for people', () => {
    expect(duration(at(0), at(5))).toBe('5.0s');
    expect(duration(at(0), new Date(at(0).getTime() + 125_000))).toBe('2m05s');
    expect(duration(at(0), new Date(at(0).getTime() + 3_900_000))).toBe('1h05m');
    expect(duration(null, null)).toBe('');
  });
});
