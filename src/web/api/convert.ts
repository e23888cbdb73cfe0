// Rows of the state tables as the JSON the page reads (api-types.ts): dates as ISO strings, bigint
// counts as numbers, durations in seconds.
import type { RunRow, TaskRow } from '../../state/pipeline-runs.js';
import type { StreamRunRow } from '../../state/runs.js';
import type { StreamSample } from '../../state/stream-samples.js';
import type { Iso, RunJson, SampleJson, StreamRunJson, TaskJson } from '../api-types.js';

export const iso = (date: Date | null | undefined): Iso | null => (date ? date.toISOString() : null);

export function secondsBetween(start: Date | null, end: Date | null, now: Date): number | null {
  if (!start) return null;
  return Math.max(0, ((end ?? now).getTime() - start.getTime()) / 1000);
}

export function runJson(r: RunRow, now: Date): RunJson {
  return {
    runId: String(r.run_id),
    pipeline: r.pipeline,
    trigger: r.trigger,
    state: r.state,
    intervalStart: r.interval_start.toISOString(),
    intervalEnd: r.interval_end.toISOString(),
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    seconds: secondsBetween(r.started_at, r.finished_at, now),
    params: r.params,
  };
}

export function taskJson(t: TaskRow, now: Date): TaskJson {
  const waiting = t.state === 'pending' || t.state === 'queued' || t.state === 'upstream_failed';
  return {
    task: t.task,
    state: t.state,
    attempts: t.attempts,
    maxAttempts: t.max_attempts,
    startedAt: iso(t.started_at),
    finishedAt: iso(t.finished_at),
    seconds: waiting ? null : secondsBetween(t.started_at, t.finished_at, now),
    rows: t.rows_moved === null ? null : Number(t.rows_moved),
    error: t.error,
  };
}

export function streamRunJson(r: StreamRunRow, now: Date): StreamRunJson {
  return {
    runId: r.runId,
    mode: r.mode,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    seconds: secondsBetween(r.startedAt, r.finishedAt, now),
    rowsRead: r.rowsRead,
    rowsLoaded: r.rowsLoaded,
    rowsQuarantined: r.rowsQuarantined,
    rowsDeleted: r.rowsDeleted,
    bytes: r.bytes,
    error: r.error,
  };
}

export function sampleJson(s: StreamSample): SampleJson {
  return { ...s, sampledAt: s.sampledAt.toISOString() };
}
