// One task instance of a run: its state, attempts and errors, and the log of each attempt; while the
// task is not finished its log tails live from the server (an event stream from where it stands).
import { useEffect, useState } from 'preact/hooks';
import type { TaskDetailJson, TaskJson } from '../../api-types.js';
import { splitAttempts } from '../../log-attempts.js';
import { useJson } from '../api.js';
import { path } from '../router.js';
import { Duration, ErrorNote, Loading, StateBadge, Time } from './basics.js';

const FINISHED = new Set(['succeeded', 'failed', 'upstream_failed']);

export function TaskPanel({ runId, task, onClose }: { runId: string; task: string; onClose: () => void }) {
  const url = `/api${path('runs', runId, 'tasks', task)}`;
  const { data, error } = useJson<TaskDetailJson>(url, false);
  const [log, setLog] = useState<string | undefined>(undefined);
  const [state, setState] = useState<TaskJson | undefined>(undefined);
  const [live, setLive] = useState(false);
  const [picked, setPicked] = useState<number | undefined>(undefined);

  useEffect(() => {
    if (!data) return;
    setLog(data.attempts.map((a) => a.text).join(''));
    setState(data.task);
    if (FINISHED.has(data.task.state)) return;
    const events = new EventSource(`${url}/log?from=${data.logLength}`);
    setLive(true);
    events.addEventListener('log', (e) => {
      const { text } = JSON.parse((e as MessageEvent<string>).data) as { text: string };
      setLog((old) => (old ?? '') + text);
    });
    events.addEventListener('task', (e) =>
      setState(JSON.parse((e as MessageEvent<string>).data) as TaskJson),
    );
    events.addEventListener('end', () => {
      events.close();
      setLive(false);
    });
    return () => {
      events.close();
      setLive(false);
    };
  }, [data, url]);

  const attempts = splitAttempts(log ?? '');
  const shown = attempts.find((a) => a.attempt === picked) ?? attempts[attempts.length - 1];
  const t = state ?? data?.task;
  return (
    <aside class="panel" aria-label={`task ${task} of run ${runId}`}>
      <header>
        <h2>
          {task} <span class="muted">· run {runId}</span>
        </h2>
        <button type="button" class="close" onClick={onClose} aria-label="close">
          ×
        </button>
      </header>
      <ErrorNote error={error} />
      {!data || !t ? (
        error ? null : (
          <Loading what="the task" />
        )
      ) : (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={t.state} /> {live ? <span class="live">● live</span> : null}
            </dd>
            <dt>Attempts</dt>
            <dd>
              {t.attempts} of {t.maxAttempts}
            </dd>
            <dt>Started</dt>
            <dd>
              <Time iso={t.startedAt} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time iso={t.finishedAt} />
            </dd>
            <dt>Duration</dt>
            <dd>
              <Duration seconds={t.seconds} />
            </dd>
            {t.rows !== null ? (
              <>
                <dt>Rows</dt>
                <dd>{t.rows.toLocaleString('en-US')}</dd>
              </>
            ) : null}
          </dl>
          {t.error ? <pre class="task-error">{t.error}</pre> : null}
          <div class="tabs" role="tablist">
            {attempts.map((a) => (
              <button
                type="button"
                role="tab"
                key={a.attempt}
                aria-selected={a === shown}
                class={a === shown ? 'tab selected' : 'tab'}
                onClick={() => setPicked(a.attempt)}
              >
                attempt {a.attempt} {a.startedAt ? <Time iso={a.startedAt} /> : null}
              </button>
            ))}
          </div>
          <pre class="log" aria-label="log">
            {shown ? shown.text : `(no log yet: the task is ${t.state.replace(/_/g, ' ')})`}
          </pre>
        </>
      )}
    </aside>
  );
}
