// Before a cdc session reads the binlog, each stream's checkpoint is checked against what the source
// still has (position-check.ts). A checkpoint the source does not contain (another server) stops the
// stream with what the source has instead. A lost one (its binlogs purged) follows
// cdc.on_position_lost: `fail` stops the stream with the reason, `resnapshot` takes a new snapshot
// of just the streams affected, each at its own exact position (a full refresh, as the first sync
// of a cdc stream), while the others keep their checkpoints. Never a silent gap: the changes of the
// purged binlogs are replaced by the new snapshot, and the run says so.
import { connectMysql } from '../../connectors/mysql/connect.js';
import { isEventBoundary, readBinlogServerState } from '../../connectors/mysql/binlog/server-state.js';
import type { Logger } from '../../observability/logger.js';
import type { FerryState } from '../../state/ferry-state.js';
import { connectPostgres } from '../../connectors/postgres/connect.js';
import { emptyResult, type StreamResult } from '../stream-context.js';
import type { StreamPlan } from '../stream-plan.js';
import { checkPosition, offsetWrittenHere } from './position-check.js';
import type { CdcProject } from './session.js';

export interface EnsureOptions {
  project: CdcProject;
  state: FerryState;
  plans: readonly StreamPlan[];
  logger: Logger;
  signal: AbortSignal;
  /** Takes new snapshots of these streams (a full refresh of each: `sync` with fullRefresh). */
  snapshot: (streams: string[]) => Promise<StreamResult[]>;
}

export interface Ensured {
  /** The streams to follow: their checkpoints are in the source's binlog. */
  plans: StreamPlan[];
  /** Streams stopped by the check, with the reason (recorded in their state too). */
  failed: StreamResult[];
  /** Streams that got a new snapshot because their position was lost. */
  resnapshotted: string[];
}

const HINTS = {
  position_lost: (stream: string) =>
    `take a new snapshot of the stream (ferry sync --full-refresh --streams ${stream}), or set cdc.on_position_lost: resnapshot to have ferry do it; keep binlogs longer than ferry may be stopped (binlog_expire_logs_seconds)`,
  position_unknown: () =>
    'check that the source URL points at the server the stream was synced from (a replica that took over needs the same GTID domains and log_slave_updates); if the source really changed, take a new snapshot of the stream (ferry sync --full-refresh)',
};

export async function ensurePositions(options: EnsureOptions): Promise<Ensured> {
  const { project, state, logger } = options;
  const control = await connectPostgres(project.target);
  const source = await connectMysql(project.source);
  const lost: StreamPlan[] = [];
  const failed: StreamResult[] = [];
  const ok: StreamPlan[] = [];
  try {
    const server = await readBinlogServerState(source);
    for (const plan of options.plans) {
      const key = { targetSchema: plan.targetSchema, table: plan.targetTable };
      const saved = await state.streams.read(control, key);
      if (!saved || (saved.binlog.gtid === null && saved.binlog.file === null)) {
        ok.push(plan); // no checkpoint yet: its first snapshot comes first
        continue;
      }
      const boundary = offsetWrittenHere(saved.binlog, server)
        ? await isEventBoundary(source, saved.binlog.file!, saved.binlog.position!)
        : undefined;
      const verdict = checkPosition(saved.binlog, server, boundary);
      if (verdict.ok) ok.push(plan);
      else if (verdict.reason === 'position_lost' && project.cdc.onPositionLost === 'resnapshot') {
        logger.warn(
          { stream: plan.name },
          `${plan.name}: ${verdict.message}; taking a new snapshot of it (cdc.on_position_lost: resnapshot)`,
        );
        lost.push(plan);
      } else {
        const hint = HINTS[verdict.reason](plan.name);
        logger.error(
          { stream: plan.name, reason: verdict.reason },
          `${plan.name}: ${verdict.message}; ${hint}`,
        );
        await state.streams.recordError(control, key, `${verdict.message}; ${hint}`);
        failed.push({
          ...emptyResult(plan.name, 'cdc'),
          status: 'failed',
          error: `${verdict.message} (${hint})`,
        });
      }
    }
  } finally {
    await source.end().catch(() => undefined);
    await control.end().catch(() => undefined);
  }
  const resnapshotted: string[] = [];
  if (lost.length > 0 && !options.signal.aborted) {
    const results = await options.snapshot(lost.map((p) => p.targetTable));
    for (const plan of lost) {
      const result = results.find((r) => r.stream === plan.name);
      if (result && result.status === 'succeeded') {
        resnapshotted.push(plan.name);
        ok.push(plan);
      } else
        failed.push({
          ...emptyResult(plan.name, 'cdc'),
          status: 'failed',
          error: `its binlog position was lost and the new snapshot failed: ${result?.error ?? 'not taken'}`,
        });
    }
  }
  return { plans: ok, failed, resnapshotted };
}
