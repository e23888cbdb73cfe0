// The streams' data: each stream's mode, rows, last sync and lag (Overview, Streams), and one
// stream's runs over time with its lag samples (Stream). Lag samples come with change data capture;
// until ferry records them the pages say so and show the run history alone.
import type { SampleJson, StreamDetailJson, StreamSummaryJson } from '../api-types.js';
import type { UiContext } from '../ui-context.js';
import { iso, sampleJson, streamRunJson } from './convert.js';

/** Runs of a stream on its page. */
const HISTORY_RUNS = 200;
/** Lag samples of a stream on its page: the last day, at most this many. */
const SAMPLE_LIMIT = 2000;

export async function streamSummaries(
  ctx: UiContext,
): Promise<{ streams: StreamSummaryJson[]; samplesRecorded: boolean }> {
  // every schema the project's streams use (target_schema:); stream names are unique across them
  const schemas = ctx.orch.project.targetSchemas;
  const state = ctx.orch.state;
  const [known, runs, waiting, samples] = await Promise.all([
    state.streams.list(ctx.target, schemas),
    state.runs.streamSummaries(ctx.target, schemas),
    state.quarantine.waitingByStream(ctx.target, schemas),
    state.streamSamples.latest(ctx.target, schemas),
  ]);
  const now = ctx.now();
  const tables = [...new Set([...known.map((s) => s.table), ...runs.map((r) => r.latest.table)])].sort();
  const streams = tables.map((table): StreamSummaryJson => {
    const s = known.find((k) => k.table === table);
    const r = runs.find((x) => x.latest.table === table);
    const lag = samples?.get(table);
    return {
      table,
      mode: s?.mode ?? r?.latest.mode ?? 'unknown',
      rowsTotal: s?.rowsTotal ?? null,
      lastRun: r ? streamRunJson(r.latest, now) : null,
      lastSuccessAt: iso(r?.lastSuccessAt),
      runs: r?.runs ?? 0,
      rowsLoadedTotal: r?.rowsLoadedTotal ?? 0,
      quarantined: waiting.get(table) ?? 0,
      lag: lag ? sampleJson(lag) : null,
    };
  });
  // Samples exist once change data capture has run on this schema.
  return { streams, samplesRecorded: (samples?.size ?? 0) > 0 };
}

export async function streamDetail(ctx: UiContext, table: string): Promise<StreamDetailJson> {
  const { project } = ctx.orch;
  const state = ctx.orch.state;
  const recorded = await state.streams.list(ctx.target, project.targetSchemas);
  const schema = recorded.find((s) => s.table === table)?.targetSchema ?? project.targetSchema;
  const now = ctx.now();
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const [summaries, history, samples] = await Promise.all([
    streamSummaries(ctx),
    state.runs.historyOf(ctx.target, schema, table, HISTORY_RUNS),
    state.streamSamples.samplesOf(ctx.target, { targetSchema: schema, table }, since, SAMPLE_LIMIT),
  ]);
  return {
    table,
    summary: summaries.streams.find((s) => s.table === table) ?? null,
    history: history.map((h) => streamRunJson(h, now)).reverse(),
    // null: this stream is not sampled (not a cdc stream, or it has not run yet)
    samples: samples && samples.length > 0 ? samples.map((s): SampleJson => sampleJson(s)) : null,
  };
}
