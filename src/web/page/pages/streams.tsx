// Streams: every stream's state, and one stream's history over time: rows per run and sync duration
// from the run history, lag and changes per second from change data capture's samples (when ferry
// records them), and its last error.
import { useMemo } from 'preact/hooks';
import type { StreamDetailJson, StreamSummaryJson } from '../../api-types.js';
import { useJson } from '../api.js';
import { Duration, Empty, ErrorNote, Heading, Loading, StateBadge, Time } from '../components/basics.js';
import { TimeChart, seconds, type Series } from '../components/charts.js';
import { Link, path } from '../router.js';
import { formatCount } from '../time.js';
import { StreamTable } from './overview.js';

export function StreamsPage() {
  const { data, error } = useJson<{ streams: StreamSummaryJson[]; samplesRecorded: boolean }>('/api/streams');
  return (
    <>
      <Heading title="Streams" />
      <ErrorNote error={error} />
      {!data ? (
        error ? null : (
          <Loading what="the streams" />
        )
      ) : (
        <StreamTable streams={data.streams} samplesRecorded={data.samplesRecorded} />
      )}
    </>
  );
}

const t = (iso: string) => Date.parse(iso) / 1000;

export function StreamPage({ table }: { table: string }) {
  const { data, error } = useJson<StreamDetailJson>(`/api${path('streams', table)}`);
  const runs = useMemo(() => {
    const history = data?.history ?? [];
    return {
      times: history.map((h) => t(h.startedAt)),
      rows: [
        { label: 'rows loaded', color: '#2457c5', values: history.map((h) => h.rowsLoaded) },
        { label: 'rows read', color: '#8a96a8', values: history.map((h) => h.rowsRead) },
        { label: 'rows quarantined', color: '#c2410c', values: history.map((h) => h.rowsQuarantined) },
      ] satisfies Series[],
      duration: [
        { label: 'sync duration', color: '#0f766e', values: history.map((h) => h.seconds), format: seconds },
      ] satisfies Series[],
    };
  }, [data]);
  const samples = useMemo(() => {
    const list = data?.samples ?? [];
    return {
      times: list.map((s) => t(s.sampledAt)),
      lag: [
        { label: 'lag', color: '#b42318', values: list.map((s) => s.lagSeconds), format: seconds },
      ] satisfies Series[],
      rate: [
        { label: 'changes per second', color: '#6d28d9', values: list.map((s) => s.changesPerSecond) },
      ] satisfies Series[],
    };
  }, [data]);
  if (!data) return <>{error ? <ErrorNote error={error} /> : <Loading what={`stream ${table}`} />}</>;
  const s = data.summary;
  const lastError = [...data.history].reverse().find((h) => h.error);
  return (
    <>
      <Heading title={<>Stream {table}</>}>
        <Link href={`/quarantine?stream=${encodeURIComponent(table)}`}>quarantine</Link>
      </Heading>
      <ErrorNote error={error} />
      {s ? (
        <dl class="facts wide">
          <dt>Mode</dt>
          <dd>{s.mode.replace(/_/g, ' ')}</dd>
          <dt>Rows</dt>
          <dd>{formatCount(s.rowsTotal)}</dd>
          <dt>Last run</dt>
          <dd>
            {s.lastRun ? (
              <>
                <StateBadge state={s.lastRun.status} /> run {s.lastRun.runId},{' '}
                <Time iso={s.lastRun.finishedAt} />
              </>
            ) : (
              'never'
            )}
          </dd>
          <dt>Last success</dt>
          <dd>
            <Time iso={s.lastSuccessAt} />
          </dd>
          <dt>Runs</dt>
          <dd>
            {formatCount(s.runs)} ({formatCount(s.rowsLoadedTotal)} rows loaded)
          </dd>
          <dt>Quarantined</dt>
          <dd>{formatCount(s.quarantined)}</dd>
        </dl>
      ) : null}
      {lastError ? (
        <div class="error">
          <strong>Last error</strong> (run {lastError.runId},{' '}
          <Time iso={lastError.finishedAt ?? lastError.startedAt} />)<pre>{lastError.error}</pre>
        </div>
      ) : null}
      <section class="charts">
        <h2>Runs</h2>
        {data.history.length === 0 ? (
          <Empty>No runs of this stream yet.</Empty>
        ) : (
          <>
            <TimeChart title="Rows per run" times={runs.times} series={runs.rows} />
            <TimeChart title="Sync duration" times={runs.times} series={runs.duration} />
          </>
        )}
      </section>
      <section class="charts">
        <h2>Lag and throughput</h2>
        {data.samples === null ? (
          <Empty>
            Lag and changes per second are measured for change-data-capture streams; they show here once ferry
            records their samples.
          </Empty>
        ) : data.samples.length === 0 ? (
          <Empty>
            No samples of this stream in the last 24 hours (a full refresh or incremental stream has none).
          </Empty>
        ) : (
          <>
            <TimeChart title="Lag" times={samples.times} series={samples.lag} />
            <TimeChart title="Changes per second" times={samples.times} series={samples.rate} />
          </>
        )}
      </section>
      <section>
        <h2>History</h2>
        <table class="list" data-testid="stream-history">
          <thead>
            <tr>
              <th>Run</th>
              <th>Mode</th>
              <th>Status</th>
              <th>Started</th>
              <th class="num">Took</th>
              <th class="num">Read</th>
              <th class="num">Loaded</th>
              <th class="num">Quarantined</th>
              <th class="num">Deleted</th>
            </tr>
          </thead>
          <tbody>
            {[...data.history]
              .reverse()
              .slice(0, 50)
              .map((h) => (
                <tr key={h.runId}>
                  <td class="num">{h.runId}</td>
                  <td>{h.mode.replace(/_/g, ' ')}</td>
                  <td>
                    <StateBadge state={h.status} />
                  </td>
                  <td>
                    <Time iso={h.startedAt} />
                  </td>
                  <td class="num">
                    <Duration seconds={h.seconds} />
                  </td>
                  <td class="num">{formatCount(h.rowsRead)}</td>
                  <td class="num">{formatCount(h.rowsLoaded)}</td>
                  <td class="num">{formatCount(h.rowsQuarantined)}</td>
                  <td class="num">{formatCount(h.rowsDeleted)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
