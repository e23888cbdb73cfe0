// Records a transform run in ferry's state (state/transform-runs.ts): each model's build and each
// data test's result, so the web UI shows a model's last build state and its tests.
import type { PgSession } from '../connectors/postgres/connect.js';
import { messageOf } from '../errors.js';
import type { FerryState } from '../state/ferry-state.js';
import type { TransformSummary } from './run.js';

export interface TransformRunInfo {
  modelsSchema: string;
  engine: string;
  select: string | undefined;
  startedAt: Date;
}

export async function recordTransformRun(
  state: FerryState,
  db: PgSession,
  info: TransformRunInfo,
  outcome: { summary: TransformSummary } | { error: unknown },
): Promise<void> {
  const summary = 'summary' in outcome ? outcome.summary : undefined;
  await state.transformRuns.record(db, {
    modelsSchema: info.modelsSchema,
    engine: info.engine,
    selection: info.select ?? null,
    status: summary?.status ?? 'failed',
    startedAt: info.startedAt,
    error: 'error' in outcome ? messageOf(outcome.error) : undefined,
    models: (summary?.models ?? []).map((m) => ({
      model: m.model,
      materialized: m.materialized,
      status: m.status,
      rows: m.rows,
      seconds: m.seconds,
      error: m.error,
    })),
    tests: (summary?.tests ?? []).map((t) => ({
      model: t.model,
      test: t.test,
      status: t.status,
      failures: t.failures,
      error: t.error,
      sample: t.sample,
    })),
  });
}
