// The run grid, as Airflow draws it: one column per run (oldest left), one row per task, each cell
// the task instance's state and duration.
import { compactTable } from '../observability/table.js';
import type { RunRow, TaskRow } from '../state/pipeline-runs.js';

const SHORT: Record<string, string> = {
  succeeded: 'ok',
  failed: 'FAILED',
  upstream_failed: 'upstream failed',
  up_for_retry: 'retry',
  running: 'running',
  queued: 'queued',
  pending: '-',
};

export function duration(start: Date | null, end: Date | null, now = new Date()): string {
  if (!start) return '';
  const seconds = ((end ?? now).getTime() - start.getTime()) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function cell(task: TaskRow | undefined): string {
  if (!task) return '';
  const parts = [SHORT[task.state] ?? task.state];
  const d = duration(task.started_at, task.finished_at);
  if (d && task.state !== 'pending' && task.state !== 'upstream_failed') parts.push(d);
  if (task.attempts > 1) parts.push(`(${task.attempts} tries)`);
  if (task.rows_moved !== null && Number(task.rows_moved) > 0) parts.push(`${task.rows_moved} rows`);
  return parts.join(' ');
}

/** A time with seconds and its zone, as every time ferry shows (UTC: the grid has no zone of its own). */
function shortTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** taskOrder: the tasks of the pipeline in dependency order (tasks of removed steps go last). */
export function renderGrid(
  runs: readonly RunRow[],
  tasks: readonly TaskRow[],
  taskOrder: readonly string[],
): string {
  if (runs.length === 0) return 'no runs yet';
  const names = [...taskOrder, ...new Set(tasks.map((t) => t.task).filter((t) => !taskOrder.includes(t)))];
  const table = compactTable(['', ...runs.map((r) => `run ${r.run_id}`)]);
  table.push(['trigger', ...runs.map((r) => r.trigger)]);
  table.push(['interval end', ...runs.map((r) => shortTime(r.interval_end))]);
  table.push(['state', ...runs.map((r) => `${r.state} ${duration(r.started_at, r.finished_at)}`.trim())]);
  for (const name of names)
    table.push([name, ...runs.map((r) => cell(tasks.find((t) => t.run_id === r.run_id && t.task === name)))]);
  return table.toString();
}
