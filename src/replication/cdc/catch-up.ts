// `ferry sync` (and a pipeline's sync task) on cdc streams: after the streams that needed one got
// their snapshot, apply the binlog up to the source's position at the start and stop, for cron and
// Airflow users. A stream that a running `ferry stream` follows is not fought over: the sync waits
// until that stream's checkpoint has passed the same position (bounded), and reports it.
import { connectMysql } from '../../connectors/mysql/connect.js';
import { serverPosition } from '../../connectors/mysql/snapshot.js';
import { connectPostgres } from '../../connectors/postgres/connect.js';
import type { Logger } from '../../observability/logger.js';
import type { FerryState } from '../../state/ferry-state.js';
import { lockNames } from '../../state/locks.js';
import { emptyResult, type StreamResult } from '../stream-context.js';
import type { StreamPlan } from '../stream-plan.js';
import { hasReached } from './positions.js';
import { ensurePositions } from './resnapshot.js';
import { followBinlog, type CdcProject } from './session.js';

export interface CatchUpOptions {
  project: CdcProject;
  state: FerryState;
  plans: readonly StreamPlan[];
  logger: Logger;
  signal: AbortSignal;
  /** How long to wait for a running `ferry stream` to pass the position (seconds). */
  waitSeconds?: number;
  /** Takes a new snapshot of these streams (cdc.on_position_lost: resnapshot); run.ts gives its sync. */
  snapshot?: (streams: string[]) => Promise<StreamResult[]>;
}

/** Brings the cdc streams up to the source's current position; one result per stream. */
export async function catchUp(options: CatchUpOptions): Promise<StreamResult[]> {
  const { project, state, logger } = options;
  if (options.plans.length === 0) return [];
  const control = await connectPostgres(project.target);
  let others: string[];
  try {
    await state.migrate(control);
    others = await state.locks.heldElsewhere(
      control,
      options.plans.map((p) => lockNames.stream(p.targetSchema, p.targetTable)),
    );
  } finally {
    await control.end().catch(() => undefined);
  }
  const followedElsewhere = options.plans.filter((p) =>
    others.includes(lockNames.stream(p.targetSchema, p.targetTable)),
  );
  const mine = options.plans.filter((p) => !followedElsewhere.includes(p));
  const results: StreamResult[] = [];
  if (mine.length > 0) {
    const checked = await ensurePositions({
      ...options,
      plans: mine,
      snapshot: options.snapshot ?? (() => Promise.resolve([])),
    });
    results.push(...checked.failed);
    if (checked.plans.length > 0) {
      const summary = await followBinlog({ ...options, plans: checked.plans, until: 'current' });
      results.push(
        ...summary.streams.map((r) =>
          checked.resnapshotted.includes(r.stream)
            ? {
                ...r,
                warnings: [
                  ...r.warnings,
                  'its binlog position was lost (purged): a new snapshot replaced the target (cdc.on_position_lost: resnapshot)',
                ],
              }
            : r,
        ),
      );
    }
  }
  if (followedElsewhere.length > 0) results.push(...(await waitForStream(options, followedElsewhere)));
  void logger;
  return results;
}

/** Waits for the checkpoints of streams another process follows to pass the position at the start. */
async function waitForStream(options: CatchUpOptions, plans: readonly StreamPlan[]): Promise<StreamResult[]> {
  const { project, state, logger, signal } = options;
  const probe = await connectMysql(project.source);
  const goal = await serverPosition(probe).finally(() => probe.end().catch(() => undefined));
  const deadline = Date.now() + 1000 * (options.waitSeconds ?? 600);
  const control = await connectPostgres(project.target);
  try {
    const pending = new Set(plans.map((p) => p.targetTable));
    const schemaOf = new Map(plans.map((p) => [p.targetTable, p.targetSchema]));
    logger.info(
      { streams: [...pending] },
      `${[...pending].join(', ')}: followed by a running ferry stream; waiting until it has applied the source's position`,
    );
    const results: StreamResult[] = [];
    while (pending.size > 0 && !signal.aborted && Date.now() < deadline) {
      for (const table of [...pending]) {
        const saved = await state.streams.read(control, { targetSchema: schemaOf.get(table)!, table });
        if (saved && hasReached(saved.binlog, goal)) {
          pending.delete(table);
          results.push({ ...emptyResult(table, 'cdc'), warnings: ['applied by the running ferry stream'] });
        }
      }
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const table of pending)
      results.push({
        ...emptyResult(table, 'cdc'),
        status: 'failed',
        error: signal.aborted
          ? 'interrupted while waiting for the running ferry stream'
          : `the running ferry stream did not reach the source's position within ${options.waitSeconds ?? 600} s (see ferry status)`,
      });
    return results;
  } finally {
    await control.end().catch(() => undefined);
  }
}
