// The Overview page: every pipeline (schedule, next run, last state, recent durations) and every
// stream (mode, last sync, rows, lag once change data capture records it).
import type { OverviewJson } from '../api-types.js';
import type { UiContext } from '../ui-context.js';
import { pipelineSummaries } from './pipelines.js';
import { streamSummaries } from './streams.js';

export async function overview(ctx: UiContext): Promise<OverviewJson> {
  const [pipelines, streams] = await Promise.all([pipelineSummaries(ctx), streamSummaries(ctx)]);
  return {
    now: ctx.now().toISOString(),
    targetSchema: ctx.orch.project.targetSchema,
    pipelines,
    streams: streams.streams,
    samplesRecorded: streams.samplesRecorded,
  };
}
