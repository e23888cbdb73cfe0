// Run: one run of a pipeline, its tasks as a timeline (Gantt) and a table (state, attempts, times,
// duration, rows, error), with the actions of `ferry trigger` and `ferry runs retry --from`.
import { useState } from 'preact/hooks';
import type { RunDetailJson } from '../../api-types.js';
import { postJson, useJson } from '../api.js';
import { Duration, ErrorNote, Heading, Loading, StateBadge, Time } from '../components/basics.js';
import { ConfirmButton } from '../components/confirm.js';
import { Gantt } from '../components/gantt.js';
import { TaskPanel } from '../components/task-panel.js';
import { Link, navigate, path, useLocation, withQuery } from '../router.js';
import { formatCount } from '../time.js';

const ACTIVE = new Set(['queued', 'running']);

export function RunPage({ runId }: { runId: string }) {
  const location = useLocation();
  const { data, error, reload } = useJson<RunDetailJson>(`/api${path('runs', runId)}`);
  const [from, setFrom] = useState<string>('');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const here = path('runs', runId);
  const openTask = location.query.get('task');
  if (!data) return <>{error ? <ErrorNote error={error} /> : <Loading what={`run ${runId}`} />}</>;
  const { run, tasks } = data;
  const fromTask = from || tasks.find((t) => t.state !== 'succeeded')?.task || tasks[0]?.task || '';
  const active = ACTIVE.has(run.state);
  return (
    <>
      <Heading
        title={
          <>
            Run {run.runId} of <Link href={path('pipelines', run.pipeline)}>{run.pipeline}</Link>{' '}
            <StateBadge state={run.state} />
          </>
        }
      >
        <ConfirmButton
          label="Trigger new run"
          title={`Trigger a run of ${run.pipeline}`}
          confirmLabel="Trigger"
          run={async () => {
            const { runId: created } = await postJson<{ runId: string }>(
              `/api${path('pipelines', run.pipeline, 'trigger')}`,
              {},
            );
            navigate(path('runs', created));
          }}
        >
          <p>
            A new run of <strong>{run.pipeline}</strong> is queued now, like{' '}
            <code>ferry trigger {run.pipeline}</code>.
          </p>
        </ConfirmButton>
        {data.retryable ? (
          <span class="retry">
            <label>
              from{' '}
              <select
                value={fromTask}
                onChange={(e) => setFrom((e.target as HTMLSelectElement).value)}
                aria-label="retry from task"
              >
                {tasks.map((t) => (
                  <option key={t.task} value={t.task}>
                    {t.task}
                  </option>
                ))}
              </select>
            </label>
            <ConfirmButton
              label="Retry from task"
              title={`Retry run ${run.runId} from ${fromTask}`}
              confirmLabel="Retry"
              disabled={active}
              run={async () => {
                const { cleared } = await postJson<{ cleared: string[] }>(
                  `/api${path('runs', run.runId, 'retry')}`,
                  { from: fromTask },
                );
                setMessage(`Cleared ${cleared.join(', ')}: the run is queued again.`);
                reload();
              }}
            >
              <p>
                <strong>{fromTask}</strong> and every task downstream of it run again in run {run.runId}, like{' '}
                <code>
                  ferry runs retry {run.runId} --from {fromTask}
                </code>
                . Tasks upstream that succeeded are kept.
              </p>
            </ConfirmButton>
          </span>
        ) : null}
      </Heading>
      {message ? <p class="notice">{message}</p> : null}
      <ErrorNote error={error} />
      <dl class="facts wide">
        <dt>Trigger</dt>
        <dd>{run.trigger}</dd>
        <dt>Data interval</dt>
        <dd>
          <Time iso={run.intervalStart} /> .. <Time iso={run.intervalEnd} />
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={run.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={run.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={run.finishedAt} />
        </dd>
        <dt>Duration</dt>
        <dd>
          <Duration seconds={run.seconds} />
        </dd>
        {Object.keys(run.params).length > 0 ? (
          <>
            <dt>Params</dt>
            <dd>
              {Object.entries(run.params).map(([k, v]) => (
                <code key={k}>
                  {k}={v}{' '}
                </code>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      <section>
        <h2>Timeline</h2>
        <Gantt
          run={run}
          tasks={tasks}
          now={Date.now()}
          onPick={(task) => navigate(withQuery(here, { task }))}
        />
      </section>
      <section>
        <h2>Tasks</h2>
        <table class="list" data-testid="tasks">
          <thead>
            <tr>
              <th>Task</th>
              <th>State</th>
              <th class="num">Attempts</th>
              <th>Started</th>
              <th>Finished</th>
              <th class="num">Duration</th>
              <th class="num">Rows</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.task}>
                <td>
                  <Link href={withQuery(here, { task: t.task })}>{t.task}</Link>
                  <div class="muted small">
                    {t.kind ?? 'removed'}
                    {t.upstream.length ? ` · after ${t.upstream.join(', ')}` : ''}
                  </div>
                </td>
                <td>
                  <StateBadge state={t.state} />
                </td>
                <td class="num">
                  {t.attempts}/{t.maxAttempts}
                </td>
                <td>
                  <Time iso={t.startedAt} />
                </td>
                <td>
                  <Time iso={t.finishedAt} />
                </td>
                <td class="num">
                  <Duration seconds={t.seconds} />
                </td>
                <td class="num">{formatCount(t.rows)}</td>
                <td class="error-text">{t.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {openTask ? (
        <TaskPanel key={openTask} runId={run.runId} task={openTask} onClose={() => navigate(here)} />
      ) : null}
    </>
  );
}
