// Quarantine: the rows set aside, filtered by stream, check and run; an entry's row and failures;
// replay (check again with the current rules, load those that pass) and discard (kept in the
// quarantine log), each after a confirmation, through the code `ferry quarantine` runs.
import { useState } from 'preact/hooks';
import type {
  QuarantineDetailJson,
  QuarantineJson,
  QuarantineSelection,
  ReplayJson,
} from '../../api-types.js';
import { postJson, useJson } from '../api.js';
import { Empty, ErrorNote, Heading, Loading, Time } from '../components/basics.js';
import { ConfirmButton } from '../components/confirm.js';
import { navigate, useLocation, withQuery } from '../router.js';
import { formatCount } from '../time.js';

const keyText = (key: Record<string, unknown> | null) =>
  key
    ? Object.entries(key)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ')
    : '–';

const valueText = (v: unknown) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v));

export function QuarantinePage() {
  const location = useLocation();
  const q = location.query;
  const filter = { stream: q.get('stream') ?? '', check: q.get('check') ?? '', run: q.get('run') ?? '' };
  const { data, error, reload } = useJson<QuarantineJson>(withQuery('/api/quarantine', filter));
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [report, setReport] = useState<string | undefined>(undefined);
  const entryId = q.get('entry');
  const setFilter = (name: string, value: string) => {
    setPicked(new Set());
    navigate(withQuery('/quarantine', { ...filter, [name]: value }));
  };
  const selection = (): QuarantineSelection =>
    picked.size > 0
      ? { ids: [...picked] }
      : {
          ...(filter.stream ? { stream: filter.stream } : {}),
          ...(filter.check ? { reason: filter.check } : {}),
          ...(filter.run ? { run: Number(filter.run) } : {}),
        };
  const what =
    picked.size > 0
      ? `the ${picked.size} selected entr${picked.size === 1 ? 'y' : 'ies'}`
      : `all ${formatCount(data?.total)} matching entries`;
  const filtered = Boolean(filter.stream || filter.check || filter.run);
  const afterAction = (text: string) => {
    setReport(text);
    setPicked(new Set());
    reload();
  };
  return (
    <>
      <Heading title="Quarantine">
        <ConfirmButton
          label="Replay…"
          title="Replay quarantined rows"
          confirmLabel="Replay"
          disabled={!data || data.total === 0}
          run={async () => {
            const r = await postJson<ReplayJson>('/api/quarantine/replay', selection());
            const loaded = r.streams.reduce((n, s) => n + s.replayed, 0);
            const failing = r.streams.reduce((n, s) => n + s.stillFailing, 0);
            afterAction(`Replay run ${r.runId}: ${loaded} row(s) loaded, ${failing} still failing.`);
          }}
        >
          <p>
            {what} are checked again with the current rules; those that pass are loaded into their tables and
            leave the quarantine (like <code>ferry quarantine replay</code>). The others stay, with their
            failures now.
          </p>
        </ConfirmButton>
        <ConfirmButton
          label="Discard…"
          title="Discard quarantined rows"
          confirmLabel="Discard"
          danger
          note="Why (kept in the quarantine log)"
          disabled={!data || data.total === 0 || (picked.size === 0 && !filtered)}
          run={async (note) => {
            const r = await postJson<{ discarded: number }>('/api/quarantine/discard', {
              ...selection(),
              ...(note ? { note } : {}),
            });
            afterAction(
              `${r.discarded} entr${r.discarded === 1 ? 'y' : 'ies'} discarded (kept in the quarantine log).`,
            );
          }}
        >
          <p>
            {what} leave the quarantine without being loaded; each is kept in the quarantine log with your
            note (like <code>ferry quarantine discard</code>).
          </p>
        </ConfirmButton>
      </Heading>
      {report ? (
        <p class="notice" role="status">
          {report}
        </p>
      ) : null}
      <ErrorNote error={error} />
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect
          label="Stream"
          name="stream"
          value={filter.stream}
          choices={data?.choices.streams}
          set={setFilter}
        />
        <FilterSelect
          label="Check"
          name="check"
          value={filter.check}
          choices={data ? [...new Set([...data.choices.checks, ...data.choices.codes])].sort() : undefined}
          set={setFilter}
        />
        <FilterSelect
          label="Run"
          name="run"
          value={filter.run}
          choices={data?.choices.runs.map(String)}
          set={setFilter}
        />
      </form>
      {!data ? (
        error ? null : (
          <Loading what="the quarantine" />
        )
      ) : data.entries.length === 0 ? (
        <Empty>No quarantined rows{filtered ? ' match these filters' : ''}.</Empty>
      ) : (
        <>
          <p class="muted small">
            {formatCount(data.total)} entr{data.total === 1 ? 'y' : 'ies'}
            {data.total > data.entries.length ? `, the first ${data.entries.length} shown` : ''};{' '}
            {data.counts.map((c) => `${c.stream}: ${c.rows} ${c.code}`).join(' · ')}
          </p>
          <table class="list" data-testid="quarantine">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="select all shown"
                    checked={picked.size === data.entries.length}
                    onChange={(e) =>
                      setPicked(
                        (e.target as HTMLInputElement).checked
                          ? new Set(data.entries.map((x) => x.id))
                          : new Set(),
                      )
                    }
                  />
                </th>
                <th class="num">Entry</th>
                <th>Stream</th>
                <th class="num">Run</th>
                <th>Key</th>
                <th>Checks</th>
                <th>Reason</th>
                <th>Quarantined</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => (
                <tr key={e.id} class={String(e.id) === entryId ? 'selected' : ''} data-entry={e.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`select entry ${e.id}`}
                      checked={picked.has(e.id)}
                      onChange={(ev) => {
                        const next = new Set(picked);
                        if ((ev.target as HTMLInputElement).checked) next.add(e.id);
                        else next.delete(e.id);
                        setPicked(next);
                      }}
                    />
                  </td>
                  <td class="num">
                    <button
                      type="button"
                      class="link"
                      onClick={() => navigate(withQuery('/quarantine', { ...filter, entry: e.id }))}
                    >
                      {e.id}
                    </button>
                  </td>
                  <td>{e.stream}</td>
                  <td class="num">{e.runId}</td>
                  <td>{keyText(e.primaryKey)}</td>
                  <td>{e.failures.map((f) => f.check).join(', ')}</td>
                  <td class="reason">{e.reason}</td>
                  <td>
                    <Time iso={e.quarantinedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {entryId ? (
        <EntryPanel key={entryId} id={entryId} onClose={() => navigate(withQuery('/quarantine', filter))} />
      ) : null}
    </>
  );
}

function FilterSelect(props: {
  label: string;
  name: string;
  value: string;
  choices: string[] | undefined;
  set: (name: string, value: string) => void;
}) {
  return (
    <label>
      {props.label}{' '}
      <select
        value={props.value}
        onChange={(e) => props.set(props.name, (e.target as HTMLSelectElement).value)}
        aria-label={props.name}
      >
        <option value="">all</option>
        {props.choices?.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

function EntryPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { data, error } = useJson<QuarantineDetailJson>(`/api/quarantine/${encodeURIComponent(id)}`, false);
  const failed = new Set(data?.failures.map((f) => f.column).filter((c): c is string => c !== null));
  return (
    <aside class="panel" aria-label={`quarantine entry ${id}`}>
      <header>
        <h2>Entry {id}</h2>
        <button type="button" class="close" onClick={onClose} aria-label="close">
          ×
        </button>
      </header>
      <ErrorNote error={error} />
      {!data ? (
        error ? null : (
          <Loading what="the entry" />
        )
      ) : (
        <>
          <dl class="facts">
            <dt>Stream</dt>
            <dd>{data.stream}</dd>
            <dt>Run</dt>
            <dd>{data.runId}</dd>
            <dt>Key</dt>
            <dd>{keyText(data.primaryKey)}</dd>
            <dt>Quarantined</dt>
            <dd>
              <Time iso={data.quarantinedAt} />
            </dd>
            <dt>Replays tried</dt>
            <dd>{data.replayAttempts}</dd>
          </dl>
          <h3>Failed checks</h3>
          <table class="list">
            <thead>
              <tr>
                <th>Check</th>
                <th>Code</th>
                <th>Column</th>
                <th>Severity</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {data.failures.map((f, i) => (
                <tr key={i}>
                  <td>{f.check}</td>
                  <td>{f.code}</td>
                  <td>{f.column ?? ''}</td>
                  <td>{f.severity}</td>
                  <td>{f.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>
            Row{' '}
            <span class="muted small">
              ({data.rowForm === 'source' ? 'values as read from the source' : 'the loaded row'})
            </span>
          </h3>
          <table class="list row-values">
            <tbody>
              {Object.entries(data.row).map(([k, v]) => (
                <tr key={k} class={failed.has(k) ? 'failed' : ''}>
                  <th>{k}</th>
                  <td>{valueText(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </aside>
  );
}
