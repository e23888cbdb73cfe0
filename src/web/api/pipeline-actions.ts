// The pipeline actions of the Run and Pipeline pages: trigger a run, retry a run from a task. The
// same functions `ferry trigger` and `ferry runs retry` call, so the runs land in the same history
// and the workers (of this `ferry server`, or any other) pick them up.
import { retryRun, triggerRun } from '../../orchestration/operations.js';
import { HttpError, type UiContext } from '../ui-context.js';
import { pipelineOf } from './pipelines.js';

export async function trigger(
  ctx: UiContext,
  name: string,
  body: { params?: unknown },
): Promise<{ runId: string }> {
  pipelineOf(ctx, name);
  const params = body.params ?? {};
  if (
    typeof params !== 'object' ||
    params === null ||
    Array.isArray(params) ||
    !Object.values(params).every((v) => typeof v === 'string')
  )
    throw new HttpError(400, 'params must be an object of text values');
  const runId = await triggerRun(ctx.orch, name, params as Record<string, string>, ctx.now());
  return { runId: String(runId) };
}

export async function retry(
  ctx: UiContext,
  runId: string,
  body: { from?: unknown },
): Promise<{ runId: string; cleared: string[] }> {
  if (!/^[1-9]\d{0,17}$/.test(runId)) throw new HttpError(400, 'a run id is a positive number');
  if (body.from !== undefined && (typeof body.from !== 'string' || body.from === ''))
    throw new HttpError(400, 'from must be a task name');
  const { cleared } = await retryRun(ctx.orch, runId, body.from);
  return { runId, cleared };
}
