// One batch of change data capture: whole source transactions applied in one PostgreSQL
// transaction together with each stream's checkpoint, the ledger of the source transactions it
// holds and the streams' counters, so a crash at any point neither loses nor repeats a change.
// The transaction opens at the batch's first change (its rows stream into the temporary change
// tables as they arrive, however large a source transaction is) and commits at a boundary.
import type { PgClient } from '../../connectors/postgres/connect.js';
import { CommitUnknownError } from '../../errors.js';
import type { BinlogPosition } from '../../connectors/mysql/binlog/events.js';
import type { FerryState } from '../../state/ferry-state.js';
import type { AppliedTransaction } from '../../state/cdc-ledger.js';
import type { StreamRunRecord } from '../../state/runs.js';
import { checkWrittenRows, type CheckedStream } from './change-checks.js';
import type { ChangeTable, RowChange } from './change-table.js';
import { hasReached } from './positions.js';

export interface StreamTotals {
  changes: number;
  written: number;
  deleted: number;
  quarantined: number;
  nulled: number;
  startedAt: Date;
}

export interface CdcStream {
  table: string;
  /** The stream's target schema (target_schema:, else target.schema): its table, state and runs. */
  targetSchema: string;
  mode: string;
  changes: ChangeTable;
  /** The stream's set checks (unique, relationship, expression), run on the rows each batch wrote. */
  setChecks?: CheckedStream | undefined;
  /** The position the stream's target table reflects (its checkpoint). */
  checkpoint: BinlogPosition;
  totals: StreamTotals;
}

export interface BatchReport {
  batchId: number;
  transactions: number;
  changes: number;
  position: BinlogPosition;
  /** Source time of the last transaction applied. */
  lastEventAt: Date | null;
  seconds: number;
}

/** Where a session's time went, milliseconds: the benchmark's profile (decode is the session's). */
export interface ApplyTimes {
  /** Encoding changes and copying them into the temporary change tables. */
  stage: number;
  /** Applying the change tables to the target tables, with the state's rows. */
  apply: number;
  /** PostgreSQL's COMMIT. */
  commit: number;
}

/** Moves the streams' checkpoints, each in its own target schema. */
export async function advanceCheckpoints(
  state: FerryState,
  db: PgClient,
  streams: readonly CdcStream[],
  to: Parameters<FerryState['streams']['advance']>[3],
): Promise<void> {
  for (const schema of new Set(streams.map((s) => s.targetSchema)))
    await state.streams.advance(
      db,
      schema,
      streams.filter((s) => s.targetSchema === schema).map((s) => s.table),
      to,
    );
}

/** A cdc stream's line of the run history, its counters so far. */
export function streamRunRecord(
  runId: number,
  stream: Pick<CdcStream, 'targetSchema' | 'table' | 'mode' | 'totals'>,
  status: StreamRunRecord['status'],
  error?: string,
): StreamRunRecord {
  const t = stream.totals;
  return {
    runId,
    targetSchema: stream.targetSchema,
    table: stream.table,
    mode: stream.mode,
    status,
    rowsRead: t.changes,
    rowsLoaded: t.written,
    rowsQuarantined: t.quarantined,
    valuesNulled: t.nulled,
    rowsDeleted: t.deleted,
    bytes: 0,
    startedAt: t.startedAt,
    error,
  };
}

export class Batch {
  readonly times: ApplyTimes = { stage: 0, apply: 0, commit: 0 };
  private open = false;
  private transactions: AppliedTransaction[] = [];
  private changes = 0;
  private firstChangeAt = 0;
  private lastEventAt: Date | null = null;
  private batchId: number;

  constructor(
    private readonly writer: PgClient,
    private readonly state: FerryState,
    private readonly targetSchema: string,
    private readonly runId: number,
    firstBatchId: number,
  ) {
    this.batchId = firstBatchId;
  }

  /** Row changes taken since the batch opened. */
  get pending(): number {
    return this.changes;
  }

  /** Milliseconds since the batch's first change (0 when empty). */
  get age(): number {
    return this.open ? Date.now() - this.firstChangeAt : 0;
  }

  get isOpen(): boolean {
    return this.open;
  }

  private async begin(): Promise<void> {
    if (this.open) return;
    await this.writer.query('BEGIN');
    this.open = true;
    this.firstChangeAt = Date.now();
  }

  async add(stream: CdcStream, change: RowChange): Promise<void> {
    const started = performance.now();
    await this.begin();
    this.changes++;
    await stream.changes.add(this.writer, change);
    this.times.stage += performance.now() - started;
  }

  /** A source transaction ended; it counts in the ledger when it changed tracked rows. */
  transactionDone(transaction: AppliedTransaction): void {
    if (transaction.rows > 0) this.transactions.push(transaction);
    this.lastEventAt = transaction.committedAt;
  }

  /**
   * Applies the batch and commits it with every stream's checkpoint at `position` (streams whose
   * checkpoint is already past it, having joined later, keep theirs). Without changes it only moves
   * the checkpoints. Returns what it committed.
   */
  async commit(streams: readonly CdcStream[], position: BinlogPosition): Promise<BatchReport> {
    const started = performance.now();
    await this.begin();
    const batchId = ++this.batchId;
    const applied = { written: 0, changes: 0 };
    try {
      const written: CdcStream[] = [];
      for (const stream of streams) {
        if (stream.changes.pending === 0) continue;
        const result = await stream.changes.apply(this.writer);
        written.push(stream);
        const run = { targetSchema: stream.targetSchema, stream: stream.table, runId: this.runId };
        // Earlier entries of the keys this batch loaded, deleted or set aside again are settled,
        // as a sync settles them: the quarantine holds what does not load now.
        await this.state.quarantine.settleChanged(
          this.writer,
          run,
          { ...stream.changes.touched, primaryKey: stream.changes.spec.primaryKey },
          result.quarantined.map((q) => q.primaryKey),
          `change data capture run ${this.runId}`,
        );
        await this.state.quarantine.add(this.writer, run, result.quarantined);
        await this.state.quarantine.recordValueChanges(this.writer, run, result.nulled);
        const t = stream.totals;
        t.changes += result.changes;
        t.written += result.written;
        t.deleted += result.deleted;
        t.quarantined += result.quarantined.length;
        t.nulled += result.nulled.length;
        applied.written += result.written;
        applied.changes += result.changes;
        await this.state.runs.recordStream(this.writer, streamRunRecord(this.runId, stream, 'running'));
      }
      // Set checks once every stream is applied: a parent written in the same batch counts.
      for (const stream of written) {
        if (!stream.setChecks) continue;
        const aside = await checkWrittenRows(this.writer, this.state, stream.setChecks, this.runId);
        stream.totals.quarantined += aside;
        stream.totals.written -= aside;
      }
      const moving = streams.filter((s) => hasReached(position, s.checkpoint));
      await advanceCheckpoints(this.state, this.writer, moving, {
        position,
        lastEventAt: this.lastEventAt,
        runId: this.runId,
      });
      await this.state.ledger.record(
        this.writer,
        this.targetSchema,
        { batchId, runId: this.runId },
        this.transactions,
      );
    } catch (error) {
      await this.rollback(streams);
      throw error;
    }
    const committing = performance.now();
    this.times.apply += committing - started;
    try {
      await this.writer.query('COMMIT');
      this.times.commit += performance.now() - committing;
    } catch (error) {
      this.open = false;
      for (const s of streams) s.changes.reset();
      // The connection died during COMMIT: PostgreSQL may or may not have committed. The state
      // says which; the session re-reads it before going on.
      throw new CommitUnknownError(`batch ${batchId}: the connection was lost while committing`, {
        cause: error,
      });
    }
    for (const s of streams) if (hasReached(position, s.checkpoint)) s.checkpoint = position;
    const report: BatchReport = {
      batchId,
      transactions: this.transactions.length,
      changes: this.changes,
      position,
      lastEventAt: this.lastEventAt,
      seconds: (performance.now() - started) / 1000,
    };
    this.open = false;
    this.transactions = [];
    this.changes = 0;
    return report;
  }

  /** Drops the open batch: nothing of it is committed, it will be read again. */
  async rollback(streams: readonly CdcStream[]): Promise<void> {
    if (this.open) await this.writer.query('ROLLBACK').catch(() => undefined);
    this.open = false;
    this.transactions = [];
    this.changes = 0;
    for (const s of streams) s.changes.reset();
  }
}
