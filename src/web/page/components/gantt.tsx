// A run's tasks as a timeline: one row per task, its bar from start to finish (to now while it
// runs), placed on the run's span, coloured by state, with its duration and rows.
import type { RunJson, TaskJson } from '../../api-types.js';
import { formatCount, formatDuration } from '../time.js';
import { Time } from './basics.js';

export function Gantt({
  run,
  tasks,
  now,
  onPick,
}: {
  run: RunJson;
  tasks: TaskJson[];
  now: number;
  onPick?: (task: string) => void;
}) {
  const starts = tasks
    .map((t) => (t.startedAt ? Date.parse(t.startedAt) : NaN))
    .filter((n) => !Number.isNaN(n));
  const begin = Math.min(run.startedAt ? Date.parse(run.startedAt) : Infinity, ...starts);
  const ends = tasks
    .map((t) => (t.finishedAt ? Date.parse(t.finishedAt) : t.startedAt ? now : NaN))
    .filter((n) => !Number.isNaN(n));
  const end = Math.max(run.finishedAt ? Date.parse(run.finishedAt) : now, ...ends);
  const span = Math.max(1, end - begin);
  return (
    <div class="gantt" role="list" aria-label="task timeline">
      {tasks.map((t) => {
        const s = t.startedAt ? Date.parse(t.startedAt) : undefined;
        const e = t.finishedAt ? Date.parse(t.finishedAt) : now;
        const left = s === undefined || !Number.isFinite(begin) ? 0 : ((s - begin) / span) * 100;
        const width = s === undefined ? 0 : Math.max(0.6, ((e - s) / span) * 100);
        return (
          <div class="gantt-row" role="listitem" key={t.task}>
            <button type="button" class="gantt-name link" onClick={() => onPick?.(t.task)}>
              {t.task}
            </button>
            <div class="gantt-track">
              {s !== undefined ? (
                <div
                  class={`gantt-bar fill-${t.state}`}
                  style={{ left: `${left}%`, width: `${width}%` }}
                  title={`${t.task}: ${t.state}`}
                />
              ) : null}
            </div>
            <span class="gantt-info num">
              {t.seconds !== null ? formatDuration(t.seconds) : t.state.replace(/_/g, ' ')}
              {t.rows !== null ? ` · ${formatCount(t.rows)} rows` : ''}
            </span>
          </div>
        );
      })}
      {Number.isFinite(begin) ? (
        <div class="gantt-row gantt-axis">
          <span />
          <span class="gantt-ends small muted">
            <Time iso={new Date(begin).toISOString()} />
            <span>{formatDuration(span / 1000)}</span>
            <Time iso={new Date(end).toISOString()} />
          </span>
          <span />
        </div>
      ) : null}
    </div>
  );
}
