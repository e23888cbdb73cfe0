// `ferry status`: how each stream stands, read from ferry's state (and, for cdc streams, the
// source's current binlog position when it answers): the last success, rows, the age of what the
// target reflects (high-water mark, or the source time of the last change applied), the last run's
// outcome, and for cdc streams lag and changes per second. A health check: a stream failing, or
// beyond the allowed lag or age, makes it unhealthy.
import type { Project } from '../config/project.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { serverPosition } from '../connectors/mysql/snapshot.js';
import type { BinlogPosition } from '../connectors/mysql/binlog/events.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { messageOf } from '../errors.js';
import type { FerryState } from '../state/ferry-state.js';
import type { StreamSample } from '../state/stream-samples.js';
import { hasReached } from './cdc/positions.js';

export interface StreamStatus {
  stream: string;
  mode: string;
  /** ok, failing (its last run failed or a cdc stream stopped), never_synced, or behind (beyond a limit). */
  health: 'ok' | 'failing' | 'never_synced' | 'behind';
  lastSuccessAt: string | null;
  lastRun: { runId: number; status: string; finishedAt: string | null; error: string | null } | null;
  rows: number | null;
  /** Seconds since the time the target reflects: the cursor's mark (temporal cursors) or the last change applied; null when unknown. */
  ageSeconds: number | null;
  /** cdc: seconds the target trails the source (0 when caught up), and the changes per second lately. */
  lagSeconds: number | null;
  changesPerSecond: number | null;
  /** cdc: whether a `ferry stream` (or ferry server) follows it now. */
  followed: boolean | null;
  checkpoint: BinlogPosition | null;
  problems: string[];
}

export interface StatusReport {
  targetSchema: string;
  checkedAt: string;
  healthy: boolean;
  streams: StreamStatus[];
  notes: string[];
}

export interface StatusLimits {
  maxLagSeconds?: number | undefined;
  maxAgeSeconds?: number | undefined;
}

export async function streamStatus(
  project: Pick<Project, 'source' | 'target' | 'targetSchema' | 'targetSchemas' | 'streams'>,
  state: FerryState,
  limits: StatusLimits = {},
): Promise<StatusReport> {
  const schema = project.targetSchema;
  const now = Date.now();
  const notes: string[] = [];
  const client = await connectPostgres(project.target);
  try {
    await state.migrate(client);
    // streams with a target_schema of their own keep their state there; names are unique across schemas
    const saved = await state.streams.list(client, project.targetSchemas);
    const runs = await state.runs.latestByStream(client, project.targetSchemas);
    const samples =
      (await state.streamSamples.latest(client, project.targetSchemas)) ?? new Map<string, StreamSample>();
    const following = (await state.runs.liveRuns(client, schema, 'cdc')).length > 0;
    const hasCdc = saved.some((s) => s.mode === 'cdc');
    let sourceAt: BinlogPosition | undefined;
    if (hasCdc) {
      try {
        const probe = await connectMysql(project.source);
        try {
          sourceAt = await serverPosition(probe);
        } finally {
          await probe.end().catch(() => undefined);
        }
      } catch (error) {
        notes.push(`the source did not answer (${messageOf(error)}): cdc lag is from the last samples`);
      }
    }
    const streams: StreamStatus[] = saved.map((s) => {
      const run = runs.get(s.table);
      const problems: string[] = [];
      const sample = samples.get(s.table);
      let ageSeconds: number | null = null;
      let lagSeconds: number | null = null;
      let changesPerSecond: number | null = null;
      if (s.mode === 'cdc') {
        const caughtUp = sourceAt !== undefined && hasReached(s.binlog, sourceAt);
        const freshSample = sample && now - sample.sampledAt.getTime() < 60_000 ? sample : undefined;
        lagSeconds = caughtUp
          ? 0
          : freshSample
            ? freshSample.lagSeconds
            : s.lastEventAt
              ? Math.max(0, (now - s.lastEventAt.getTime()) / 1000)
              : null;
        changesPerSecond = freshSample?.changesPerSecond ?? null;
        ageSeconds = s.lastEventAt ? Math.max(0, (now - s.lastEventAt.getTime()) / 1000) : null;
        if (s.lastError) problems.push(`stopped: ${s.lastError}`);
        if (!following) problems.push('no ferry stream follows it now (its changes wait in the binlog)');
      } else if (s.highWater && /^\d{4}-\d{2}-\d{2}/.test(s.highWater)) {
        const mark = Date.parse(`${s.highWater.replace(' ', 'T')}Z`);
        if (Number.isFinite(mark)) ageSeconds = Math.max(0, (now - mark) / 1000);
      } else if (run?.lastSuccessAt) ageSeconds = (now - run.lastSuccessAt.getTime()) / 1000;
      if (run?.last.status === 'failed')
        problems.push(`its last run failed: ${run.last.error ?? 'see ferry runs'}`);
      let health: StreamStatus['health'] = problems.some(
        (p) => p.startsWith('stopped') || p.startsWith('its last run'),
      )
        ? 'failing'
        : 'ok';
      if (
        health === 'ok' &&
        limits.maxLagSeconds !== undefined &&
        lagSeconds !== null &&
        lagSeconds > limits.maxLagSeconds
      ) {
        health = 'behind';
        problems.push(`lag ${lagSeconds.toFixed(1)} s is over --max-lag ${limits.maxLagSeconds} s`);
      }
      if (
        health === 'ok' &&
        limits.maxAgeSeconds !== undefined &&
        ageSeconds !== null &&
        ageSeconds > limits.maxAgeSeconds
      ) {
        health = 'behind';
        problems.push(`age ${ageSeconds.toFixed(0)} s is over --max-age ${limits.maxAgeSeconds} s`);
      }
      return {
        stream: s.table,
        mode: s.mode,
        health,
        lastSuccessAt: run?.lastSuccessAt?.toISOString() ?? null,
        lastRun: run
          ? {
              runId: run.last.runId,
              status: run.last.status,
              finishedAt: run.last.finishedAt?.toISOString() ?? null,
              error: run.last.error,
            }
          : null,
        rows: s.rowsTotal,
        ageSeconds,
        lagSeconds,
        changesPerSecond,
        followed: s.mode === 'cdc' ? following : null,
        checkpoint: s.mode === 'cdc' ? s.binlog : null,
        problems,
      };
    });
    // Streams named in ferry.yaml that were never synced.
    for (const rule of project.streams)
      if (!/[*?]/.test(rule.table)) {
        const name = rule.target_table ?? rule.table;
        if (!streams.some((s) => s.stream === name))
          streams.push({
            stream: name,
            mode: rule.mode,
            health: 'never_synced',
            lastSuccessAt: null,
            lastRun: null,
            rows: null,
            ageSeconds: null,
            lagSeconds: null,
            changesPerSecond: null,
            followed: null,
            checkpoint: null,
            problems: ['never synced: run ferry sync'],
          });
      }
    streams.sort((a, b) => a.stream.localeCompare(b.stream));
    return {
      targetSchema: schema,
      checkedAt: new Date(now).toISOString(),
      healthy: streams.every((s) => s.health === 'ok'),
      streams,
      notes,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
