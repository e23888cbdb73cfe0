// A change-data-capture session: follows the binlog for the cdc streams of a target schema and
// applies every insert, update and delete exactly once. It holds the streams' locks, records itself
// as a run of kind cdc (its per-stream counters grow with every batch), reads the binlog from the
// earliest stream checkpoint, groups whole source transactions into batches (batch.ts) and commits
// each with the checkpoints and the ledger. A lost connection is retried with backoff from the
// committed checkpoints; DDL is a barrier where the target schema is brought along or the stream
// stops with what to do. With `until`, it stops once it reached the source's position at its start
// (ferry sync on cdc streams); otherwise it runs until its signal aborts, finishing the batch in hand.
import { hostname } from 'node:os';
import type { Project } from '../../config/project.js';
import { connectMysql } from '../../connectors/mysql/connect.js';
import { BinlogError } from '../../connectors/mysql/binlog/errors.js';
import type { BinlogEvent, BinlogPosition, TableMap } from '../../connectors/mysql/binlog/events.js';
import { openBinlogReader, type BinlogReader } from '../../connectors/mysql/binlog/reader.js';
import { serverPosition } from '../../connectors/mysql/snapshot.js';
import { connectPostgres, type PgClient } from '../../connectors/postgres/connect.js';
import { CommitUnknownError, FerryError, isTransient, messageOf, SchemaError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { planChecks } from '../../quality/check-plan.js';
import { compileQuality } from '../../quality/stream-quality.js';
import type { SourceRow } from '../../schema/row-outcome.js';
import type { SourceTable } from '../../schema/source-table.js';
import type { FerryState } from '../../state/ferry-state.js';
import { lockNames } from '../../state/locks.js';
import { emptyResult, type StreamResult } from '../stream-context.js';
import { mappingsFor, type StreamPlan } from '../stream-plan.js';
import { advanceCheckpoints, Batch, streamRunRecord, type BatchReport, type CdcStream } from './batch.js';
import { createChangeTable } from './change-table.js';
import { followDdl, followTableMap, parseDdlTargets, type DdlOutcome } from './ddl-barrier.js';
import { LagSampler } from './lag.js';
import { earliest, hasReached, isApplied } from './positions.js';
import { waitOrAbort } from '../../wait.js';

export type CdcProject = Pick<
  Project,
  'source' | 'target' | 'targetSchema' | 'targetSchemas' | 'sync' | 'streams' | 'cdc'
>;

export interface FollowOptions {
  project: CdcProject;
  state: FerryState;
  /** The cdc streams to follow (plans whose mode is cdc and that have a checkpoint). */
  plans: readonly StreamPlan[];
  /** Stop once the source position current at the start is applied (catching up), or follow until aborted. */
  until: 'current' | 'never';
  logger: Logger;
  signal: AbortSignal;
  onBatch?: ((report: BatchReport) => void) | undefined;
  /** A heartbeat with nothing pending: the binlog is read to its end and all of it applied. */
  onCaughtUp?: (() => void) | undefined;
}

export interface FollowSummary {
  runId: number;
  status: 'succeeded' | 'failed';
  streams: StreamResult[];
  batches: number;
  changes: number;
  position: BinlogPosition | null;
  seconds: number;
  /** Where the session's time went, seconds. */
  profile: SessionProfile;
}

export interface SessionProfile {
  /** Waiting for the next binlog event: the network, the source and decoding. */
  read: number;
  /** Encoding changes and copying them into the temporary change tables. */
  stage: number;
  /** Applying the batches to the target tables, with the state's rows. */
  apply: number;
  /** PostgreSQL's COMMIT of the batches. */
  commit: number;
}

interface TableCursor {
  stream: CdcStream;
  plan: StreamPlan;
  /** Mapped column i comes from binlog column order[i]. */
  order: number[];
  mapId: number;
}

const BACKOFF_SECONDS = [1, 2, 4, 8, 15, 30];
/** Two drops for a duplicate server_id within this long are a ping-pong between two readers. */
const PING_PONG_SECONDS = 600;

export async function followBinlog(options: FollowOptions): Promise<FollowSummary> {
  const { project, state, logger } = options;
  const schema = project.targetSchema;
  const started = Date.now();
  const control = await connectPostgres(project.target);
  let writer: PgClient | undefined;
  try {
    await state.migrate(control);
    const locks = await state.locks.acquire(
      control,
      options.plans.map((p) => lockNames.stream(p.targetSchema, p.targetTable)),
      'ferry stream',
    );
    try {
      await state.runs.closeAbandoned(control, schema);
      writer = await connectPostgres(project.target);
      const session = await CdcSession.open(options, control, writer);
      try {
        await session.run();
        return await session.finish();
      } catch (error) {
        await session.finish(error).catch(() => undefined);
        throw error;
      }
    } finally {
      await locks.release();
    }
  } finally {
    await writer?.end().catch(() => undefined);
    await control.end().catch(() => undefined);
    logger.debug({ seconds: (Date.now() - started) / 1000 }, 'cdc session closed');
  }
}

class CdcSession {
  private readonly streams = new Map<string, CdcStream>();
  private readonly plans = new Map<string, StreamPlan>();
  private readonly failed = new Map<string, string>();
  private readonly tables = new Map<string, TableCursor>();
  /** Streams that followed a table map inside the open batch, with their plan and stream before. */
  private readonly evolvedInBatch = new Map<string, { plan: StreamPlan; stream: CdcStream }>();
  private readonly binlogTables = new WeakMap<StreamPlan, SourceTable>();
  /** When the source dropped this session's reader for a duplicate server_id (recent ones). */
  private drops: number[] = [];
  private batches = 0;
  private changes = 0;
  private position: BinlogPosition | null = null;
  private goal: BinlogPosition | undefined;
  private readonly sampler: LagSampler;
  private tableVersion = 1000;
  private readMs = 0;
  private readonly startedAt = performance.now();

  private constructor(
    private readonly options: FollowOptions,
    private readonly control: PgClient,
    private readonly writer: PgClient,
    private readonly runId: number,
    private batch: Batch,
  ) {
    this.sampler = new LagSampler(
      options.state,
      options.project.cdc.sampleEverySeconds,
      options.project.cdc.samplesRetentionDays,
    );
  }

  static async open(options: FollowOptions, control: PgClient, writer: PgClient): Promise<CdcSession> {
    const { project, state } = options;
    const schema = project.targetSchema;
    const starts: BinlogPosition[] = [];
    for (const plan of options.plans) {
      const saved = await state.streams.read(control, {
        targetSchema: plan.targetSchema,
        table: plan.targetTable,
      });
      if (!saved || saved.mode !== 'cdc' || (saved.binlog.gtid === null && saved.binlog.file === null))
        throw new SchemaError(`${plan.name} has no change-data-capture checkpoint yet`, {
          hint: `run ferry sync --streams ${plan.name} first: its snapshot records where the binlog takes over`,
        });
      starts.push(saved.binlog);
    }
    const runId = await state.runs.start(control, {
      kind: 'cdc',
      targetSchema: schema,
      engine: 'ferry',
      binlog: starts.length > 0 ? earliest(starts) : undefined,
      host: hostname(),
      pid: process.pid,
    });
    const firstBatch = await state.ledger.lastBatch(control, schema);
    const session = new CdcSession(
      options,
      control,
      writer,
      runId,
      new Batch(writer, state, schema, runId, firstBatch),
    );
    let index = 0;
    for (const plan of options.plans) {
      const saved = await state.streams.read(control, {
        targetSchema: plan.targetSchema,
        table: plan.targetTable,
      });
      session.plans.set(plan.targetTable, plan);
      session.streams.set(plan.targetTable, await session.streamOf(plan, saved!.binlog, index++));
    }
    return session;
  }

  /** A stream's change table and counters, its temporary tables created on the writer session. */
  private async streamOf(plan: StreamPlan, checkpoint: BinlogPosition, index: number): Promise<CdcStream> {
    const { project, state } = this.options;
    const mappings = mappingsFor(plan);
    const quality = compileQuality(plan, mappings, plan.targetSchema, state.quarantine);
    const changes = createChangeTable({
      index,
      stream: plan.name,
      targetSchema: plan.targetSchema,
      targetTable: plan.targetTable,
      mappings,
      primaryKey: plan.table.primaryKey,
      deletes: plan.deletes,
      policies: project.sync,
      gate: quality.gate,
    });
    await changes.create(this.writer);
    const setChecks =
      planChecks(
        plan.name,
        plan.checks,
        mappings.map((m) => m.column.name),
      ).set.length > 0;
    return {
      table: plan.targetTable,
      targetSchema: plan.targetSchema,
      mode: 'cdc',
      changes,
      ...(setChecks
        ? {
            setChecks: {
              targetSchema: plan.targetSchema,
              targetTable: plan.targetTable,
              primaryKey: plan.table.primaryKey,
              quality,
              touched: changes.touched,
            },
          }
        : {}),
      checkpoint,
      totals: { changes: 0, written: 0, deleted: 0, quarantined: 0, nulled: 0, startedAt: new Date() },
    };
  }

  private live(): CdcStream[] {
    return [...this.streams.values()].filter((s) => !this.failed.has(s.table));
  }

  /** Reads and applies until done: the goal reached, the signal aborted, or every stream stopped. */
  async run(): Promise<void> {
    const { project, logger, signal } = this.options;
    if (this.options.until === 'current') {
      const probe = await connectMysql(project.source);
      try {
        this.goal = await serverPosition(probe);
      } finally {
        await probe.end().catch(() => undefined);
      }
    }
    let attempt = 0;
    while (!signal.aborted && this.live().length > 0) {
      if (this.goal && this.live().every((s) => hasReached(s.checkpoint, this.goal!))) return;
      const from = earliest(this.live().map((s) => s.checkpoint));
      let reader: BinlogReader | undefined;
      try {
        reader = await openBinlogReader(
          project.source,
          {
            from,
            heartbeatSeconds: project.cdc.heartbeatSeconds,
            ...(project.cdc.serverId ? { serverId: project.cdc.serverId } : {}),
            // A table map that differs from the table ferry expects turns its rows into error events.
            expect: (schemaName, table) => {
              if (schemaName !== project.source.database) return undefined;
              const plan = [...this.plans.values()].find(
                (p) => p.table.name === table && !this.failed.has(p.targetTable),
              );
              return plan && this.binlogTable(plan);
            },
            tables: this.live().map((s) => ({
              schema: project.source.database,
              table: this.plans.get(s.table)!.table.name,
            })),
          },
          logger,
        );
        const done = await this.consume(reader);
        attempt = 0;
        if (done) return;
      } catch (error) {
        await this.rollbackBatch();
        if (error instanceof CommitUnknownError) await this.reloadCheckpoints();
        if (signal.aborted) return;
        if (error instanceof BinlogError && error.reason === 'duplicate_server_id')
          this.droppedForServerId(error, reader?.serverId);
        else if (!isTransient(error)) throw error;
        const wait = BACKOFF_SECONDS[Math.min(attempt++, BACKOFF_SECONDS.length - 1)]!;
        logger.warn(
          { err: error },
          `cdc: ${messageOf(error)}; reading again from the checkpoint in ${wait} s`,
        );
        await waitOrAbort(wait * 1000 * (0.75 + Math.random() / 2), signal);
      } finally {
        await reader?.close().catch(() => undefined);
      }
    }
  }

  /**
   * The source dropped this reader because another replica connected with the same server_id. Once
   * may be a short-lived reader, or a connection of a ferry that died: read again (which drops the
   * other). Twice within PING_PONG_SECONDS is two readers taking the id from each other: stop,
   * rather than flap, with what to do (ferry server does not restart it either).
   */
  private droppedForServerId(error: BinlogError, serverId: number | undefined): void {
    const now = Date.now();
    this.drops = [...this.drops.filter((t) => now - t < PING_PONG_SECONDS * 1000), now];
    if (this.drops.length < 2) return;
    const id = this.options.project.cdc.serverId ?? serverId;
    throw new BinlogError(
      'duplicate_server_id',
      `the source dropped ferry's binlog reader ${this.drops.length} times in ${Math.round((now - this.drops[0]!) / 1000)} s because another replica connected with server_id ${id ?? '?'}: two readers are taking the id from each other, so ferry stops instead (${messageOf(error)})`,
      {
        hint: `give each reader its own server_id: leave cdc.server_id unset (ferry picks a free one per process) or set a different one in each ferry.yaml; SHOW SLAVE HOSTS on the source lists the replicas and their ids`,
      },
    );
  }

  /**
   * The table as the binlog describes it: a key the stream declares (primary_key:) is not in the
   * table's maps. One object per plan, so the reader checks each table map once.
   */
  private binlogTable(plan: StreamPlan): SourceTable {
    if (!plan.configuredKey) return plan.table;
    let table = this.binlogTables.get(plan);
    if (!table) this.binlogTables.set(plan, (table = { ...plan.table, primaryKey: [] }));
    return table;
  }

  /** After a commit whose outcome is unknown: the checkpoints as PostgreSQL has them. */
  private async reloadCheckpoints(): Promise<void> {
    for (const stream of this.streams.values()) {
      const saved = await this.options.state.streams.read(this.control, {
        targetSchema: stream.targetSchema,
        table: stream.table,
      });
      if (saved) stream.checkpoint = saved.binlog;
    }
  }

  /** One reader's events; true when the session is done (goal, signal), false to read again. */
  private async consume(reader: BinlogReader): Promise<boolean> {
    const { project, signal } = this.options;
    let inTransaction = false;
    let txn: { gtid: string | null; rows: number; skip: Set<string> } | undefined;
    let stopAt: number | undefined;
    let waitFrom = performance.now();
    for await (const event of reader.events) {
      this.readMs += performance.now() - waitFrom;
      if (signal.aborted && stopAt === undefined) stopAt = Date.now() + 10_000;
      if (stopAt !== undefined && !inTransaction) {
        await this.commitBatch();
        return true;
      }
      if (stopAt !== undefined && Date.now() > stopAt) {
        // A source transaction that does not end: what is not committed is read again next time.
        await this.rollbackBatch();
        return true;
      }
      switch (event.kind) {
        case 'begin':
          inTransaction = !event.standalone;
          txn = {
            gtid: event.gtid,
            rows: 0,
            skip: new Set(
              this.live()
                .filter((s) =>
                  isApplied(s.checkpoint, event.gtid, { file: event.file, position: event.end, gtid: null }),
                )
                .map((s) => s.table),
            ),
          };
          break;
        case 'table':
          // The table as its rows were written, when it is not the table the stream expects.
          if (event.table.differences) await this.onTableMap(event.table);
          break;
        case 'insert':
        case 'update':
        case 'delete': {
          const cursor = await this.cursorOf(event.table);
          if (!cursor || txn?.skip.has(cursor.stream.table)) break;
          for (const row of event.rows) {
            const pick = (image: SourceRow) => cursor.order.map((i) => image[i] ?? null);
            if (event.kind === 'insert')
              await this.batch.add(cursor.stream, { op: 'insert', after: pick(row as SourceRow) });
            else if (event.kind === 'delete')
              await this.batch.add(cursor.stream, { op: 'delete', before: pick(row as SourceRow) });
            else {
              const { before, after } = row as { before: SourceRow; after: SourceRow };
              await this.batch.add(cursor.stream, { op: 'update', before: pick(before), after: pick(after) });
            }
            if (txn) txn.rows++;
            this.changes++;
            this.sampler.count(cursor.stream.table, 1);
          }
          break;
        }
        case 'commit':
          inTransaction = false;
          this.position = event.position;
          this.batch.transactionDone({
            gtid: txn?.gtid ?? `${event.position.file}:${event.position.position}`,
            rows: txn?.rows ?? 0,
            committedAt: new Date(event.timestamp * 1000),
          });
          txn = undefined;
          this.sampler.sourceAt(event.timestamp);
          if (this.shouldCommit(reader)) await this.commitBatch();
          if (this.goal && this.position && hasReached(this.position, this.goal)) {
            await this.commitBatch();
            return true;
          }
          break;
        case 'ddl': {
          const gtid = txn?.gtid ?? null;
          inTransaction = false;
          txn = undefined;
          if (event.position) {
            // The batch before the statement commits at the position before it.
            await this.commitBatch();
            await this.onDdl(event.schema, event.query, event.position, gtid);
            this.position = event.position;
            if (this.goal && hasReached(event.position, this.goal)) return true;
          }
          break;
        }
        case 'heartbeat':
          if (!inTransaction) {
            this.sampler.caughtUp();
            if (this.batch.isOpen || this.checkpointsBehind()) await this.commitBatch();
            this.options.onCaughtUp?.();
            if (this.goal && (this.position === null || hasReached(this.position, this.goal))) return true;
            if (this.goal && this.live().every((s) => hasReached(s.checkpoint, this.goal!))) return true;
          }
          break;
        case 'error':
          await this.onError(event);
          break;
        case 'rotate':
          break;
      }
      await this.sampler.maybeSample(this.control, this.live());
      if (this.live().length === 0) return true;
      waitFrom = performance.now();
    }
    // The reader ended without an error: it was closed.
    void project;
    return true;
  }

  private shouldCommit(reader: BinlogReader): boolean {
    const { cdc } = this.options.project;
    if (!this.batch.isOpen) return false;
    return (
      this.batch.pending >= cdc.batchRows ||
      this.batch.age >= cdc.batchWaitSeconds * 1000 ||
      reader.buffered === 0
    );
  }

  /** Checkpoints that trail the position read (transactions of other tables passed by). */
  private checkpointsBehind(): boolean {
    const at = this.position;
    return at !== null && this.live().some((s) => !hasReached(s.checkpoint, at));
  }

  private async commitBatch(): Promise<void> {
    if (!this.position || (!this.batch.isOpen && !this.checkpointsBehind())) return;
    const report = await this.batch.commit(this.live(), this.position);
    this.evolvedInBatch.clear();
    this.batches++;
    this.options.onBatch?.(report);
    this.sampler.applied(report);
  }

  /**
   * Drops the open batch. Streams that followed a table map inside it go back to their plan before:
   * the target's columns added with it are rolled back too, and the map is followed again when read.
   */
  private async rollbackBatch(): Promise<void> {
    await this.batch.rollback(this.live());
    for (const [table, before] of this.evolvedInBatch) {
      this.plans.set(table, before.plan);
      this.streams.set(table, before.stream);
      this.tables.delete(table);
    }
    this.evolvedInBatch.clear();
  }

  /** The stream a table map belongs to, and how its columns line up with the stream's. */
  private async cursorOf(map: TableMap): Promise<TableCursor | undefined> {
    const { project } = this.options;
    if (map.schema !== project.source.database) return undefined;
    const plan = [...this.plans.values()].find((p) => p.table.name === map.table);
    if (!plan || this.failed.has(plan.targetTable)) return undefined;
    const known = this.tables.get(plan.targetTable);
    if (known && known.mapId === map.id) return known;
    const names = map.columns.map((c) => c.name);
    const expected = plan.table.columns.map((c) => c.name);
    if (names.length !== expected.length || names.some((n, i) => n !== expected[i])) {
      await this.stopStream(
        plan.targetTable,
        `the binlog has ${map.schema}.${map.table} as (${names.join(', ')}) where ferry expects (${expected.join(', ')}): the table changed in a way ferry did not follow (while it was not running?)`,
        `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`,
      );
      return undefined;
    }
    const mappings = mappingsFor(plan);
    const order = mappings.map((m) => names.indexOf(m.column.name));
    const cursor: TableCursor = { stream: this.streams.get(plan.targetTable)!, plan, order, mapId: map.id };
    this.tables.set(plan.targetTable, cursor);
    return cursor;
  }

  /**
   * After a DDL statement: the batch before it is committed; each stream whose table it names is
   * brought along, and every stream's checkpoint moves past the statement, in one transaction.
   */
  private async onDdl(
    defaultSchema: string,
    query: string,
    position: BinlogPosition,
    gtid: string | null,
  ): Promise<void> {
    const { project, logger } = this.options;
    const database = project.source.database;
    // A stream whose checkpoint is past the statement (read again for a stream further behind)
    // followed it already: neither its target nor its checkpoint may go back.
    const behind = (table: string) => !isApplied(this.streams.get(table)!.checkpoint, gtid, position);
    const targets = parseDdlTargets(query, defaultSchema || database, database).filter((t) =>
      [...this.plans.values()].some(
        (p) => p.table.name === t.table && !this.failed.has(p.targetTable) && behind(p.targetTable),
      ),
    );
    const outcomes: { plan: StreamPlan; outcome: DdlOutcome }[] = [];
    await this.writer.query('BEGIN');
    try {
      for (const target of targets) {
        const plan = [...this.plans.values()].find((p) => p.table.name === target.table)!;
        outcomes.push({
          plan,
          outcome: await followDdl({
            project,
            state: this.options.state,
            runId: this.runId,
            writer: this.writer,
            plan,
            target,
            query,
            logger,
          }),
        });
      }
      const moving = this.live().filter(
        (s) =>
          hasReached(position, s.checkpoint) &&
          !outcomes.some((o) => o.plan.targetTable === s.table && o.outcome.kind === 'stop'),
      );
      await advanceCheckpoints(this.options.state, this.writer, moving, {
        position,
        lastEventAt: null,
        runId: this.runId,
      });
      await this.writer.query('COMMIT');
      for (const s of moving) s.checkpoint = position;
    } catch (error) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const { plan, outcome } of outcomes) {
      if (outcome.kind === 'stop') await this.markStopped(plan.targetTable, outcome.reason, outcome.hint);
      else if (outcome.kind === 'replan') await this.replan(plan, outcome);
    }
  }

  /**
   * A table map that is not the table the stream expects (a statement changed it, perhaps again
   * since): the stream follows the map (ddl-barrier.ts), inside the open batch, before any of the
   * map's rows. Its own changes are never pending then: a statement that changes a table commits
   * the batch before it.
   */
  private async onTableMap(map: TableMap): Promise<void> {
    const { project, logger } = this.options;
    if (map.schema !== project.source.database) return;
    const plan = [...this.plans.values()].find((p) => p.table.name === map.table);
    if (!plan || this.failed.has(plan.targetTable)) return;
    const stream = this.streams.get(plan.targetTable)!;
    if (stream.changes.pending > 0)
      await this.stopStream(
        plan.targetTable,
        `the binlog changed the shape of ${map.table} inside a batch (${(map.differences ?? []).join('; ')})`,
        `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`,
      );
    const own = !this.batch.isOpen;
    if (own) await this.writer.query('BEGIN');
    let outcome;
    try {
      outcome = await followTableMap(
        { project, state: this.options.state, runId: this.runId, writer: this.writer, plan, logger },
        map,
      );
      if (own) await this.writer.query('COMMIT');
    } catch (error) {
      if (own) await this.writer.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (outcome.kind === 'stop') await this.stopStream(plan.targetTable, outcome.reason, outcome.hint);
    else if (outcome.kind === 'replan') {
      if (!own && !this.evolvedInBatch.has(plan.targetTable))
        this.evolvedInBatch.set(plan.targetTable, { plan, stream });
      await this.replan(plan, outcome);
    }
  }

  /** The stream goes on with the table as it is now: a new change table, the same counters. */
  private async replan(plan: StreamPlan, outcome: Extract<DdlOutcome, { kind: 'replan' }>): Promise<void> {
    if (outcome.added.length > 0 || outcome.dropped.length > 0)
      this.options.logger.info(
        { stream: plan.name, added: outcome.added, dropped: outcome.dropped },
        `${plan.name}: follows the source's schema change (${[...outcome.added.map((c) => `+${c}`), ...outcome.dropped.map((c) => `-${c} (kept, NULL from now on)`)].join(', ')})`,
      );
    this.plans.set(plan.targetTable, outcome.plan);
    const old = this.streams.get(plan.targetTable)!;
    const fresh = await this.streamOf(outcome.plan, old.checkpoint, ++this.tableVersion);
    fresh.totals = old.totals;
    this.streams.set(plan.targetTable, fresh);
    this.tables.delete(plan.targetTable);
  }

  private async onError(event: Extract<BinlogEvent, { kind: 'error' }>): Promise<void> {
    const { project } = this.options;
    const plan = event.table
      ? [...this.plans.values()].find(
          (p) => p.table.name === event.table!.table && event.table!.schema === project.source.database,
        )
      : undefined;
    if (event.table && !plan) return; // a table no stream follows
    if (!event.table && event.schema !== undefined && event.schema !== project.source.database) return;
    const hint =
      'fix the source setting the message names, then take a new snapshot of the stream (ferry sync --full-refresh)';
    if (plan) await this.stopStream(plan.targetTable, event.message, hint);
    else for (const s of this.live()) await this.stopStream(s.table, event.message, hint);
  }

  /**
   * Stops one stream in the middle of a batch: the batch is rolled back for every stream and
   * reading starts again from the checkpoints, so the others go on without it.
   */
  private async stopStream(table: string, reason: string, hint: string): Promise<never> {
    await this.rollbackBatch();
    await this.markStopped(table, reason, hint);
    throw new StreamStopped();
  }

  /** Records a stream as stopped: its checkpoint stays before what it could not apply. */
  private async markStopped(table: string, reason: string, hint: string): Promise<void> {
    if (this.failed.has(table)) return;
    this.failed.set(table, `${reason} (${hint})`);
    this.options.logger.error({ stream: table }, `${table}: change data capture stopped: ${reason}; ${hint}`);
    await this.options.state.streams.recordError(
      this.control,
      { targetSchema: this.plans.get(table)?.targetSchema ?? this.options.project.targetSchema, table },
      `${reason}; ${hint}`,
    );
  }

  async finish(error?: unknown): Promise<FollowSummary> {
    const { state, project, signal } = this.options;
    const schema = project.targetSchema;
    const results: StreamResult[] = [];
    for (const stream of this.streams.values()) {
      const failure = this.failed.get(stream.table);
      const t = stream.totals;
      const result: StreamResult = {
        ...emptyResult(stream.table, 'cdc'),
        status: failure ? 'failed' : 'succeeded',
        rowsRead: t.changes,
        rowsLoaded: t.written,
        rowsQuarantined: t.quarantined,
        valuesNulled: t.nulled,
        rowsDeleted: t.deleted,
        seconds: (Date.now() - t.startedAt.getTime()) / 1000,
        ...(failure ? { error: failure } : {}),
      };
      results.push(result);
      await state.runs
        .recordStream(
          this.control,
          streamRunRecord(this.runId, stream, failure ? 'failed' : 'succeeded', failure),
        )
        .catch(() => undefined);
    }
    await this.sampler.flush(this.control, this.live()).catch(() => undefined);
    await state.ledger.prune(this.control, schema, project.cdc.ledgerRetentionSeconds).catch(() => undefined);
    const status = error !== undefined || this.failed.size > 0 ? 'failed' : 'succeeded';
    const times = this.batch.times;
    const profile: SessionProfile = {
      read: this.readMs / 1000,
      stage: times.stage / 1000,
      apply: times.apply / 1000,
      commit: times.commit / 1000,
    };
    const seconds = (performance.now() - this.startedAt) / 1000;
    await state.runs.finish(this.control, this.runId, {
      status: error !== undefined && signal.aborted ? 'interrupted' : status,
      summary: {
        streams: results,
        batches: this.batches,
        changes: this.changes,
        position: this.position,
        seconds,
        profile,
      },
      error: error === undefined ? undefined : messageOf(error),
    });
    return {
      runId: this.runId,
      status,
      streams: results,
      batches: this.batches,
      changes: this.changes,
      position: this.position,
      seconds,
      profile,
    };
  }
}

/** Thrown inside the read loop when a stream stops: the loop reads again for the others. */
class StreamStopped extends FerryError {
  constructor() {
    super('schema', 'a stream stopped', { transient: true });
  }
}

export { BinlogError };
