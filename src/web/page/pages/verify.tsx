// Verify: ferry verify's history as streams x runs, and one run's streams with the keys missing,
// extra or different, and for each differing row its columns with the source and target values.
import type { VerifyDetailJson, VerifyJson } from '../../api-types.js';
import { useJson } from '../api.js';
import { Duration, Empty, ErrorNote, Heading, Loading, StateBadge, Time } from '../components/basics.js';
import { Link, path } from '../router.js';
import { formatCount } from '../time.js';

export function VerifyPage() {
  const { data, error } = useJson<VerifyJson>('/api/verify');
  return (
    <>
      <Heading title="Verify" />
      <ErrorNote error={error} />
      {!data ? (
        error ? null : (
          <Loading what="the verify history" />
        )
      ) : data.runs.length === 0 ? (
        <Empty>No verify runs yet: run ferry verify, or a pipeline with a verify task.</Empty>
      ) : (
        <div class="grid-wrap">
          <table class="grid verify" data-testid="verify-history">
            <thead>
              <tr>
                <th>stream</th>
                {[...data.runs].reverse().map((r) => (
                  <th key={r.runId} class="small">
                    <Link
                      href={path('verify', r.runId)}
                      title={`verify run ${r.runId}: ${r.inSync ? 'in sync' : 'differences'}`}
                    >
                      {r.runId}
                    </Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.streams.map((s) => (
                <tr key={s}>
                  <th class="task-name">{s}</th>
                  {[...data.runs].reverse().map((r) => {
                    const c = r.streams[s];
                    const label = c
                      ? `${s} in verify run ${r.runId}: ${c.status.replace(/_/g, ' ')}, ${c.missing} missing, ${c.extra} extra, ${c.different} different`
                      : `${s} was not compared in run ${r.runId}`;
                    return (
                      <td key={r.runId}>
                        {c ? (
                          <Link href={path('verify', r.runId)} class={`cell state-${c.status}`} title={label}>
                            <span class="sr">{label}</span>
                          </Link>
                        ) : (
                          <span class="cell none" title={label} />
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted small">
            Newest: run {data.runs[0]!.runId}, <Time iso={data.runs[0]!.finishedAt} />
          </p>
        </div>
      )}
    </>
  );
}

export function VerifyRunPage({ runId }: { runId: string }) {
  const { data, error } = useJson<VerifyDetailJson>(`/api${path('verify', runId)}`, false);
  if (!data) return <>{error ? <ErrorNote error={error} /> : <Loading what={`verify run ${runId}`} />}</>;
  return (
    <>
      <Heading
        title={
          <>
            Verify run {data.run.runId} <StateBadge state={data.run.inSync ? 'in_sync' : 'differs'} />
          </>
        }
      >
        <Link href="/verify">all verify runs</Link>
      </Heading>
      <p>
        Finished <Time iso={data.run.finishedAt} />, took <Duration seconds={data.run.seconds} />.
      </p>
      {data.streams.map((s) => (
        <section key={s.stream} class="verify-stream" data-stream={s.stream}>
          <h2>
            {s.stream} <StateBadge state={s.status} />
          </h2>
          <p class="muted">
            source {formatCount(s.sourceRows)} rows, target {formatCount(s.targetRows)};{' '}
            {formatCount(s.missing)} missing, {formatCount(s.extra)} extra, {formatCount(s.different)}{' '}
            different
            {s.expected ? `, ${formatCount(s.expected)} expected (quarantined or nulled)` : ''}
            {s.inFlight ? `, ${formatCount(s.inFlight)} changed since the sync` : ''}
          </p>
          {s.notes.map((n, i) => (
            <p key={i} class="note">
              {n}
            </p>
          ))}
          {s.samples.missing.length > 0 ? (
            <p>
              Missing in the target:{' '}
              {s.samples.missing.map((k) => (
                <code key={k}>{k} </code>
              ))}
            </p>
          ) : null}
          {s.samples.extra.length > 0 ? (
            <p>
              Extra in the target:{' '}
              {s.samples.extra.map((k) => (
                <code key={k}>{k} </code>
              ))}
            </p>
          ) : null}
          {s.samples.different.length > 0 ? (
            <table class="list differences">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Column</th>
                  <th>Source</th>
                  <th>Target</th>
                </tr>
              </thead>
              <tbody>
                {s.samples.different.flatMap((d) =>
                  d.columns.map((c, i) => (
                    <tr key={`${d.key}/${c.column}`}>
                      <td>{i === 0 ? d.key : ''}</td>
                      <td>{c.column}</td>
                      <td class="value">{c.source ?? 'NULL'}</td>
                      <td class="value">{c.target ?? 'NULL'}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          ) : null}
        </section>
      ))}
    </>
  );
}
