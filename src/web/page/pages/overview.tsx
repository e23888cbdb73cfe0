// Overview: every pipeline (schedule, next run, last state, recent durations) and every stream
// (mode, rows, last sync, quarantined rows, lag once change data capture records it).
import type { OverviewJson, StreamSummaryJson } from '../../api-types.js';
import { useJson } from '../api.js';
import { Duration, Empty, ErrorNote, Heading, Loading, StateBadge, Time } from '../components/basics.js';
import { DurationBars } from '../components/charts.js';
import { Link, path } from '../router.js';
import { formatCount, formatDuration } from '../time.js';

export function Overview() {
  const { data, error } = useJson<OverviewJson>('/api/overview');
  return (
    <>
      <Heading title="Overview" />
      <ErrorNote error={error} />
      {!data ? (
        error ? null : (
          <Loading what="the overview" />
        )
      ) : (
        <>
          <section>
            <h2>Pipelines</h2>
            {data.pipelines.length === 0 ? (
              <Empty>No pipelines in ferry.yaml yet (see docs/orchestration.md).</Empty>
            ) : (
              <table class="list" data-testid="pipelines">
                <thead>
                  <tr>
                    <th>Pipeline</th>
                    <th>Schedule</th>
                    <th>Next run</th>
                    <th>Last run</th>
                    <th>Finished</th>
                    <th>Recent durations</th>
                  </tr>
                </thead>
                <tbody>
                  {data.pipelines.map((p) => (
                    <tr key={p.name}>
                      <td>
                        <Link href={path('pipelines', p.name)}>{p.name}</Link>
                        <div class="muted small">{p.tasks.length} tasks</div>
                      </td>
                      <td>
                        {p.schedule ? <code>{p.schedule}</code> : <span class="muted">on demand</span>}
                        {p.schedule ? <div class="muted small">{p.timezone}</div> : null}
                      </td>
                      <td>
                        <Time iso={p.nextRunAt} />
                      </td>
                      <td>
                        {p.last ? (
                          <Link href={path('runs', p.last.runId)}>
                            <StateBadge state={p.last.state} /> run {p.last.runId}
                          </Link>
                        ) : (
                          <span class="muted">no runs yet</span>
                        )}
                      </td>
                      <td>
                        <Time iso={p.last?.finishedAt} />
                      </td>
                      <td>
                        <DurationBars
                          bars={p.recent.map((r) => ({
                            key: r.runId,
                            value: r.seconds,
                            state: r.state,
                            title: `run ${r.runId}: ${r.state}, ${formatDuration(r.seconds)}`,
                          }))}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section>
            <h2>
              Streams <span class="muted small">into schema {data.targetSchema}</span>
            </h2>
            <StreamTable streams={data.streams} samplesRecorded={data.samplesRecorded} />
          </section>
        </>
      )}
    </>
  );
}

export function StreamTable({
  streams,
  samplesRecorded,
}: {
  streams: StreamSummaryJson[];
  samplesRecorded: boolean;
}) {
  if (streams.length === 0)
    return <Empty>No stream has been synced yet: run ferry sync, or a pipeline with a sync task.</Empty>;
  return (
    <table class="list" data-testid="streams">
      <thead>
        <tr>
          <th>Stream</th>
          <th>Mode</th>
          <th class="num">Rows</th>
          <th>Last sync</th>
          <th>Finished</th>
          <th class="num">Took</th>
          <th class="num">Loaded</th>
          <th class="num">Quarantined</th>
          <th class="num">Lag</th>
        </tr>
      </thead>
      <tbody>
        {streams.map((s) => (
          <tr key={s.table}>
            <td>
              <Link href={path('streams', s.table)}>{s.table}</Link>
            </td>
            <td>{s.mode.replace(/_/g, ' ')}</td>
            <td class="num">{formatCount(s.rowsTotal)}</td>
            <td>{s.lastRun ? <StateBadge state={s.lastRun.status} /> : <span class="muted">never</span>}</td>
            <td>
              <Time iso={s.lastRun?.finishedAt} />
            </td>
            <td class="num">
              <Duration seconds={s.lastRun?.seconds} />
            </td>
            <td class="num">{formatCount(s.lastRun?.rowsLoaded)}</td>
            <td class="num">
              {s.quarantined > 0 ? (
                <Link href={`/quarantine?stream=${encodeURIComponent(s.table)}`}>
                  {formatCount(s.quarantined)}
                </Link>
              ) : (
                '0'
              )}
            </td>
            <td class="num" title={samplesRecorded ? '' : 'lag is measured for change-data-capture streams'}>
              {s.lag?.lagSeconds !== null && s.lag?.lagSeconds !== undefined ? (
                formatDuration(s.lag.lagSeconds)
              ) : (
                <span class="muted">–</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
