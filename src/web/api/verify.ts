// The Verify page: ferry verify's history as streams x runs, and one run's streams with the keys
// that differ, are missing or extra, and for differing rows each column with both values.
import type { VerifyStreamCounts } from '../../state/verify-runs.js';
import type { VerifyCountsJson, VerifyDetailJson, VerifyJson } from '../api-types.js';
import { HttpError, type UiContext } from '../ui-context.js';

const HISTORY_RUNS = 50;

const countsJson = ({ runId: _runId, ...counts }: VerifyStreamCounts): VerifyCountsJson => counts;

export async function verifyHistory(ctx: UiContext): Promise<VerifyJson> {
  const schema = ctx.orch.project.targetSchema;
  const verifyRuns = ctx.orch.state.verifyRuns;
  const runs = await verifyRuns.recent(ctx.target, schema, HISTORY_RUNS);
  const streams = await verifyRuns.streamStatuses(
    ctx.target,
    runs.map((r) => r.runId),
  );
  return {
    runs: runs.map((r) => ({
      runId: r.runId,
      finishedAt: r.finishedAt.toISOString(),
      inSync: r.inSync,
      seconds: r.seconds,
      streams: Object.fromEntries(
        streams.filter((s) => s.runId === r.runId).map((s) => [s.stream, countsJson(s)]),
      ),
    })),
    streams: [...new Set(streams.map((s) => s.stream))].sort(),
  };
}

type Samples = VerifyDetailJson['streams'][number]['samples'];

function samplesOf(raw: unknown): Samples {
  const s = (raw ?? {}) as Partial<Samples>;
  return {
    missing: Array.isArray(s.missing) ? s.missing.map(String) : [],
    extra: Array.isArray(s.extra) ? s.extra.map(String) : [],
    different: Array.isArray(s.different) ? s.different : [],
  };
}

export async function verifyDetail(ctx: UiContext, runId: string): Promise<VerifyDetailJson> {
  if (!/^[1-9]\d{0,17}$/.test(runId)) throw new HttpError(400, 'a verify run id is a positive number');
  const schema = ctx.orch.project.targetSchema;
  const verifyRuns = ctx.orch.state.verifyRuns;
  const run = await verifyRuns.read(ctx.target, schema, Number(runId));
  if (!run) throw new HttpError(404, `no verify run ${runId} of schema ${schema}`);
  const streams = await verifyRuns.streamsOf(ctx.target, run.runId);
  return {
    run: {
      runId: run.runId,
      finishedAt: run.finishedAt.toISOString(),
      inSync: run.inSync,
      seconds: run.seconds,
    },
    streams: streams.map(({ samples, notes, runId: _id, ...counts }) => ({
      ...counts,
      samples: samplesOf(samples),
      notes: Array.isArray(notes) ? notes.map(String) : [],
    })),
  };
}
