// What every stream of a run shares: settings, the run id, the snapshot's binlog position, logging.
import type { Project, StreamMode } from '../config/project.js';
import type { SnapshotPosition } from '../connectors/mysql/snapshot.js';
import type { WriteHorizon } from '../connectors/mysql/write-horizon.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import type { Logger } from '../observability/logger.js';
import type { Progress } from '../observability/progress.js';
import type { CheckCount } from '../quality/failure.js';
import type { PairPool } from './pair-pool.js';
import type { FerryState } from '../state/ferry-state.js';
import type { StreamRunRecord } from '../state/runs.js';

export interface RunContext {
  runId: number;
  targetSchema: string;
  settings: Project['sync'];
  state: FerryState;
  /** The run's control session: it holds the locks and the run record (a copier without readers writes through it). */
  control: PgClient;
  /** Where the run's snapshot is in the binlog, and whether change data capture may start there. */
  binlog: SnapshotPosition;
  /** What may still commit below the run's snapshot, and the source's clock (when it has readers). */
  horizon?: WriteHorizon;
  logger: Logger;
  signal: AbortSignal;
  /** Where each stream's progress goes: rows, chunks, and the steps that put it in place. */
  progress?: Progress;
  /** The run's connection pairs, from which a full refresh borrows idle ones for parallel ranges. */
  pairs?: PairPool;
}

/** What a full load resumed from earlier, interrupted runs. */
export interface ResumedLoad {
  chunksKept: number;
  /** Chunks of the load's plan. */
  chunks: number;
  /** Rows of the kept chunks (not in rowsRead, which counts this run's). */
  rowsKept: number;
  /** The runs that copied the kept chunks. */
  fromRuns: number[];
}

export interface StreamResult {
  stream: string;
  mode: StreamMode;
  /** source_missing: the source table is gone; the target table was kept, marked or dropped (sync.missing_tables). */
  status: 'succeeded' | 'failed' | 'source_missing';
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Rows loaded although a `warn` check failed. */
  rowsWarned: number;
  /** Rows per failed check and reason code (docs/quality.md). */
  checks: CheckCount[];
  valuesNulled: number;
  rowsDeleted: number;
  bytes: number;
  seconds: number;
  chunksSkipped: number;
  /**
   * A full load's put-in-place, in seconds: the primary key and indexes built on staging, the swap
   * (rename, or the rows replaced), and the whole transaction they run in (set checks, state, commit).
   */
  putInPlace?: { keys: number; swap: number; total: number };
  /** Set when a full load went on from chunks earlier runs copied. */
  resumed?: ResumedLoad;
  warnings: string[];
  error?: string;
  /** What to do about the error, when ferry knows. */
  hint?: string;
}

export function emptyResult(stream: string, mode: StreamResult['mode']): StreamResult {
  return {
    stream,
    mode,
    status: 'succeeded',
    rowsRead: 0,
    rowsLoaded: 0,
    rowsQuarantined: 0,
    rowsWarned: 0,
    checks: [],
    valuesNulled: 0,
    rowsDeleted: 0,
    bytes: 0,
    seconds: 0,
    chunksSkipped: 0,
    warnings: [],
  };
}

/** A stream's line of the run history once its load is put in place: its counters from the result. */
export function succeededStreamRun(
  runId: number,
  target: { targetSchema: string; table: string },
  mode: string,
  result: StreamResult,
  startedAt: Date,
): StreamRunRecord {
  return {
    runId,
    ...target,
    mode,
    status: 'succeeded',
    rowsRead: result.rowsRead,
    rowsLoaded: result.rowsLoaded,
    rowsQuarantined: result.rowsQuarantined,
    valuesNulled: result.valuesNulled,
    rowsDeleted: result.rowsDeleted,
    bytes: result.bytes,
    startedAt,
  };
}
