// `ferry stream`: follow the binlog for the cdc streams until stopped. Streams without a checkpoint
// get their snapshot first (a sync of just those streams); every checkpoint is checked against the
// source's binlog (resnapshot.ts); then one session applies the changes of all of them. A signal
// ends it after the batch in hand (it is a service: that is a clean stop).
import { connectPostgres } from '../../connectors/postgres/connect.js';
import { BinlogError } from '../../connectors/mysql/binlog/errors.js';
import { ConfigError, messageOf, SchemaError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Progress } from '../../observability/progress.js';
import type { FerryState } from '../../state/ferry-state.js';
import { sync } from '../run.js';
import { planFromSource } from '../run-lifecycle.js';
import type { StreamPlan } from '../stream-plan.js';
import type { BatchReport } from './batch.js';
import { ensurePositions } from './resnapshot.js';
import { followBinlog, type CdcProject, type FollowSummary } from './session.js';

export interface StreamOptions {
  project: CdcProject;
  state: FerryState;
  /** Only these cdc streams; all of them by default. */
  streams?: readonly string[] | undefined;
  logger: Logger;
  signal: AbortSignal;
  onBatch?: ((report: BatchReport) => void) | undefined;
  onCaughtUp?: (() => void) | undefined;
  /** The snapshots' progress (streams without a checkpoint yet, or resnapshotted). */
  progress?: Progress | undefined;
}

/** The cdc streams of the project (or those named) as the source has them now. */
export async function cdcPlans(project: CdcProject, only?: readonly string[]): Promise<StreamPlan[]> {
  const plans = (await planFromSource(project, only, [])).plans.filter((p) => p.mode === 'cdc');
  if (plans.length === 0)
    throw new ConfigError(
      only && only.length > 0 ? `none of ${only.join(', ')} is a cdc stream` : 'no stream has mode: cdc',
      [],
      { hint: 'set mode: cdc on the streams to follow from the binlog (docs/cdc.md)' },
    );
  return plans;
}

export async function streamChanges(options: StreamOptions): Promise<FollowSummary> {
  const { project, state, logger } = options;
  const plans = await cdcPlans(project, options.streams);
  const control = await connectPostgres(project.target);
  const fresh: string[] = [];
  try {
    await state.migrate(control);
    for (const plan of plans) {
      const saved = await state.streams.read(control, {
        targetSchema: plan.targetSchema,
        table: plan.targetTable,
      });
      if (saved?.mode !== 'cdc' || (saved.binlog.gtid === null && saved.binlog.file === null))
        fresh.push(plan.targetTable);
    }
  } finally {
    await control.end().catch(() => undefined);
  }
  if (fresh.length > 0) {
    logger.info({ streams: fresh }, `${fresh.join(', ')}: no checkpoint yet; taking a snapshot first`);
    const first = await sync({
      project,
      state,
      streams: fresh,
      logger,
      signal: options.signal,
      progress: options.progress,
    });
    const failed = first.streams.filter((s) => s.status === 'failed');
    for (const f of failed)
      logger.error({ stream: f.stream }, `${f.stream}: its snapshot failed: ${f.error ?? ''}`);
    if (failed.length === plans.length)
      throw new ConfigError(
        'no cdc stream could take its snapshot',
        failed.map((f) => `${f.stream}: ${f.error ?? 'failed'}`),
      );
  }
  // A position lost while following (binlogs purged while ferry was disconnected) is checked again
  // from the top: under cdc.on_position_lost: resnapshot the streams concerned get a new snapshot.
  for (let attempt = 0; ; attempt++) {
    if (options.signal.aborted)
      return {
        runId: 0,
        status: 'succeeded',
        streams: [],
        batches: 0,
        changes: 0,
        position: null,
        seconds: 0,
        profile: { read: 0, stage: 0, apply: 0, commit: 0 },
      };
    const checked = await ensurePositions({
      project,
      state,
      plans,
      logger,
      signal: options.signal,
      snapshot: async (streams) =>
        (
          await sync({
            project,
            state,
            streams,
            fullRefresh: true,
            logger,
            signal: options.signal,
            progress: options.progress,
          })
        ).streams,
    });
    if (checked.plans.length === 0)
      throw new SchemaError(
        `no cdc stream can follow the binlog: ${checked.failed.map((f) => `${f.stream}: ${f.error ?? 'failed'}`).join('; ')}`,
      );
    logger.info(
      { streams: checked.plans.map((p) => p.name) },
      `following the binlog for ${checked.plans.map((p) => p.name).join(', ')}`,
    );
    try {
      const summary = await followBinlog({
        project,
        state,
        plans: checked.plans,
        until: 'never',
        logger,
        signal: options.signal,
        onBatch: options.onBatch,
        onCaughtUp: options.onCaughtUp,
      });
      return checked.failed.length > 0
        ? { ...summary, status: 'failed', streams: [...summary.streams, ...checked.failed] }
        : summary;
    } catch (error) {
      const lost = error instanceof BinlogError && error.reason === 'position_lost';
      if (!lost || project.cdc.onPositionLost !== 'resnapshot' || attempt >= 2) throw error;
      logger.warn({ err: error }, `${messageOf(error)}; checking the streams' positions again`);
    }
  }
}
