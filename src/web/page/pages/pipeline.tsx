// Pipeline: the runs x tasks grid as in Airflow (oldest run left, a duration bar over each run's
// column, a cell per task instance coloured by state); older runs page in from the left; a cell opens
// the task's attempts and log. New runs and state changes appear as they happen.
import { useLayoutEffect, useState } from 'preact/hooks';
import type { GridJson, GridRunJson } from '../../api-types.js';
import { ApiError, getJson, postJson, useJson } from '../api.js';
import { ErrorNote, Heading, Loading, Time } from '../components/basics.js';
import { ConfirmButton } from '../components/confirm.js';
import { TaskPanel } from '../components/task-panel.js';
import { Link, navigate, path, useLocation, withQuery } from '../router.js';
import { formatCount, formatDuration } from '../time.js';

export function PipelinePage({ name }: { name: string }) {
  const location = useLocation();
  const base = `/api${path('pipelines', name, 'grid')}`;
  const { data, error } = useJson<GridJson>(base);
  const [older, setOlder] = useState<GridRunJson[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null | undefined>(undefined);
  const [pageError, setPageError] = useState<ApiError | undefined>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderShown, setOlderShown] = useState(0);

  const latestIds = new Set(data?.runs.map((r) => r.runId));
  const runs = [...older.filter((r) => !latestIds.has(r.runId)), ...(data?.runs ?? [])];
  const cursor = olderCursor === undefined ? data?.older : olderCursor;

  useLayoutEffect(() => {
    if (data) performance.mark('ferry:grid-cells');
  }, [data]);
  useLayoutEffect(() => {
    if (olderShown > 0) performance.mark('ferry:grid-older-cells');
  }, [olderShown]);

  const loadOlder = async () => {
    if (!cursor) return;
    setLoadingOlder(true);
    try {
      performance.mark('ferry:grid-older-start');
      const page = await getJson<GridJson>(withQuery(base, { before: cursor }));
      setOlder((o) => [...page.runs, ...o]);
      setOlderCursor(page.older);
      setOlderShown((n) => n + 1);
      setPageError(undefined);
    } catch (e) {
      setPageError(e instanceof ApiError ? e : new ApiError(String(e), 0));
    } finally {
      setLoadingOlder(false);
    }
  };

  const openRun = location.query.get('run');
  const openTask = location.query.get('task');
  const here = path('pipelines', name);
  const maxSeconds = Math.max(1, ...runs.map((r) => r.seconds ?? 0));
  return (
    <>
      <Heading title={<>Pipeline {name}</>}>
        <ConfirmButton
          label="Trigger run"
          title={`Trigger a run of ${name}`}
          confirmLabel="Trigger"
          run={async () => {
            const { runId } = await postJson<{ runId: string }>(
              `/api${path('pipelines', name, 'trigger')}`,
              {},
            );
            navigate(path('runs', runId));
          }}
        >
          <p>
            A new run of <strong>{name}</strong> is queued now, like <code>ferry trigger {name}</code>; the
            workers run its tasks.
          </p>
        </ConfirmButton>
      </Heading>
      <ErrorNote error={error ?? pageError} />
      {!data ? (
        error ? null : (
          <Loading what="the runs" />
        )
      ) : runs.length === 0 ? (
        <p class="empty">No runs of {name} yet.</p>
      ) : (
        <div class="grid-wrap">
          <table class="grid" data-testid="grid">
            <thead>
              <tr class="bars">
                <th class="older">
                  {cursor ? (
                    <button type="button" onClick={() => void loadOlder()} disabled={loadingOlder}>
                      {loadingOlder ? 'Loading…' : '← older runs'}
                    </button>
                  ) : (
                    <span class="muted small">{runs.length} runs</span>
                  )}
                </th>
                {runs.map((r) => (
                  <th key={r.runId} class="bar-cell">
                    <Link
                      href={path('runs', r.runId)}
                      title={`run ${r.runId}: ${r.state}, ${formatDuration(r.seconds)}`}
                    >
                      <div
                        class={`run-bar fill-${r.state}`}
                        style={{ height: `${Math.max(3, ((r.seconds ?? 0) / maxSeconds) * 60)}px` }}
                      />
                    </Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.tasks.map((t) => (
                <tr key={t.name}>
                  <th
                    class="task-name"
                    title={t.upstream.length ? `after ${t.upstream.join(', ')}` : 'no upstream tasks'}
                  >
                    {t.name} <span class="muted small">{t.kind}</span>
                  </th>
                  {runs.map((r) => {
                    const cell = r.tasks[t.name];
                    const label = cell
                      ? `${t.name} in run ${r.runId}: ${cell.state.replace(/_/g, ' ')}${cell.seconds !== null ? `, ${formatDuration(cell.seconds)}` : ''}${cell.attempts > 1 ? `, ${cell.attempts} attempts` : ''}${cell.rows !== null ? `, ${formatCount(cell.rows)} rows` : ''}`
                      : `${t.name} was not part of run ${r.runId}`;
                    const open = openRun === r.runId && openTask === t.name;
                    return (
                      <td key={r.runId}>
                        {cell ? (
                          <button
                            type="button"
                            class={`cell state-${cell.state}${open ? ' open' : ''}`}
                            title={label}
                            aria-label={label}
                            data-run={r.runId}
                            data-task={t.name}
                            onClick={() => navigate(withQuery(here, { run: r.runId, task: t.name }))}
                          />
                        ) : (
                          <span class="cell none" title={label} />
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
              <tr class="run-ids">
                <th class="muted small">run</th>
                {runs.map((r) => (
                  <td key={r.runId} class="small">
                    <Link href={path('runs', r.runId)} title={`interval end ${r.intervalEnd}`}>
                      {r.runId}
                    </Link>
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
          {data.runs.length > 0 ? (
            <p class="muted small">
              Newest run: {data.runs[data.runs.length - 1]!.runId}, interval end{' '}
              <Time iso={data.runs[data.runs.length - 1]!.intervalEnd} />
            </p>
          ) : null}
        </div>
      )}
      {openRun && openTask ? (
        <TaskPanel
          key={`${openRun}/${openTask}`}
          runId={openRun}
          task={openTask}
          onClose={() => navigate(here)}
        />
      ) : null}
    </>
  );
}
