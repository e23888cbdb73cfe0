// Runs one task of a pipeline, whatever its kind, through the library (sync, verify) or a child
// process (transform through the ferry command line, shell commands). One executor per kind, chosen
// from a table; each returns the rows it moved and throws a FerryError when the task failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Project } from '../config/project.js';
import type { FerryState } from '../state/ferry-state.js';
import { DataError, EXIT, FerryError, type ErrorKind } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { logProgress } from '../observability/progress.js';
import { sync } from '../replication/run.js';
import { verify, type VerifyReport } from '../verify/verify.js';
import type { AfterCopies } from '../replication/run-lifecycle.js';
import { quarantinedByStream } from './quality-gate.js';
import type { Pipeline, PipelineTask } from './pipeline.js';
import type { DataInterval } from './schedule.js';

export interface TaskRunContext {
  project: Project;
  state: FerryState;
  pipeline: Pipeline;
  task: PipelineTask;
  runId: string;
  interval: DataInterval;
  params: Record<string, string>;
  logger: Logger;
  signal: AbortSignal;
}

export interface TaskOutcome {
  rows?: number;
}

type TaskSpec = PipelineTask['spec'];
type Executors = {
  [K in TaskSpec['kind']]: (
    ctx: TaskRunContext,
    spec: Extract<TaskSpec, { kind: K }>,
  ) => Promise<TaskOutcome>;
};

/** A verify task's failure: the streams that differ (a stream whose source table is gone does not). */
function differences(report: VerifyReport, when = ''): DataError {
  const off = report.streams.filter((s) => s.status !== 'in_sync' && s.status !== 'source_missing');
  return new DataError(
    `verify run ${report.runId}${when ? ` ${when}` : ''}: ${off.map((s) => `${s.stream} ${s.status}`).join(', ')}`,
    { hint: `ferry verify --streams ${off.map((s) => s.stream).join(',')} lists the differing keys` },
  );
}

/** verify while the source keeps changing, as a pipeline runs: rows changed after the sync are in flight. */
const verifyAsOfSync = (ctx: TaskRunContext, streams: readonly string[] | undefined) => {
  const progress = logProgress(ctx.logger, { key: 'stream' });
  return verify({
    project: ctx.project,
    state: ctx.state,
    ...(streams ? { streams } : {}),
    atSnapshot: true,
    logger: ctx.logger,
    signal: ctx.signal,
    progress,
  }).finally(progress.stop);
};

const executors: Executors = {
  async sync(ctx, spec) {
    const progress = logProgress(ctx.logger, { key: 'stream' });
    let verified: VerifyReport | undefined;
    const summary = await sync({
      project: ctx.project,
      state: ctx.state,
      ...(spec.streams ? { streams: spec.streams } : {}),
      ...(spec.full_refresh ? { fullRefresh: true } : {}),
      // verify: true compares inside the sync's own source snapshot (exact), as ferry sync --verify.
      ...(spec.verify
        ? {
            afterCopies: async (run: AfterCopies) => {
              verified = await verify({
                project: ctx.project,
                state: ctx.state,
                ...(spec.streams ? { streams: spec.streams } : {}),
                inSnapshot: run,
                logger: ctx.logger,
                signal: ctx.signal,
              });
            },
          }
        : {}),
      logger: ctx.logger,
      signal: ctx.signal,
      progress,
    }).finally(progress.stop);
    const rows = summary.streams.reduce((n, s) => n + s.rowsLoaded, 0);
    const failed = summary.streams.filter((s) => s.status === 'failed');
    if (failed.length > 0)
      throw new DataError(
        `sync run ${summary.runId}: ${failed.map((s) => `${s.stream}: ${s.error ?? 'failed'}`).join('; ')}`,
        {
          // The run went on to its end: what stopped a stream (a value, a schema change) is still
          // there on a retry. A lost connection stops the run instead, as a transient error.
          hint: `see the task log (ferry logs) and ${ctx.state.schema}.stream_runs; fix the cause, then \`ferry runs retry\``,
        },
      );
    if (verified && !verified.inSync)
      throw differences(verified, `at the snapshot of sync run ${summary.runId}`);
    // A run that read no source snapshot (cdc streams caught up from the binlog): verified after it.
    if (spec.verify && !verified) {
      const report = await verifyAsOfSync(ctx, spec.streams);
      if (!report.inSync) throw differences(report, `after sync run ${summary.runId}`);
    }
    return { rows };
  },

  async verify(ctx, spec) {
    const report = await verifyAsOfSync(ctx, spec.streams);
    for (const s of report.streams)
      ctx.logger.info(
        { stream: s.stream, status: s.status, missing: s.missing, extra: s.extra, different: s.different },
        `${s.stream}: ${s.status}`,
      );
    if (!report.inSync) throw differences(report);
    return { rows: report.streams.reduce((n, s) => n + s.targetRows, 0) };
  },

  async quality(ctx, spec) {
    const waiting = await quarantinedByStream(ctx.project, ctx.state, spec.streams);
    for (const [stream, rows] of waiting)
      ctx.logger.info({ stream, quarantined: rows }, `${stream}: ${rows} row(s) waiting in quarantine`);
    const over = [...waiting].filter(([, rows]) => rows > spec.max_quarantined);
    if (over.length > 0)
      throw new DataError(
        `${over.map(([s, n]) => `${s}: ${n} row(s) in quarantine`).join('; ')} (at most ${spec.max_quarantined} allowed)`,
        {
          hint: `see them with \`ferry quarantine list --stream ${over[0]![0]}\`; fix the data or the rule and \`ferry quarantine replay\`, or raise max_quarantined`,
        },
      );
    return { rows: [...waiting.values()].reduce((a, b) => a + b, 0) };
  },

  async transform(ctx, spec) {
    // The ferry command line itself, started the way this process was (node, or node --import tsx).
    const entry = process.argv[1];
    if (!entry) throw new FerryError('engine', 'cannot find the ferry entry point to run `ferry transform`');
    await runChild(
      ctx,
      process.execPath,
      [
        ...process.execArgv,
        entry,
        '--config',
        ctx.project.configPath,
        'transform',
        '--select',
        spec.select.join(','),
      ],
      {},
      ferryExit,
    );
    return {};
  },

  async shell(ctx, spec) {
    await runChild(ctx, '/bin/sh', ['-c', spec.command], spec.env ?? {}, shellExit);
    return {};
  },
};

export function runTask(ctx: TaskRunContext): Promise<TaskOutcome> {
  const spec = ctx.task.spec;
  // TypeScript cannot pair the executor with its spec through the union; the table guarantees it.
  const executor = executors[spec.kind] as (ctx: TaskRunContext, spec: TaskSpec) => Promise<TaskOutcome>;
  return executor(ctx, spec);
}

/** The environment a child task sees: the data interval, the run, and the run's params. */
export function taskEnvironment(ctx: TaskRunContext): Record<string, string> {
  const env: Record<string, string> = {
    FERRY_PIPELINE: ctx.pipeline.name,
    FERRY_TASK: ctx.task.name,
    FERRY_RUN_ID: ctx.runId,
    FERRY_INTERVAL_START: ctx.interval.start.toISOString(),
    FERRY_INTERVAL_END: ctx.interval.end.toISOString(),
  };
  for (const [k, v] of Object.entries(ctx.params))
    env[`FERRY_PARAM_${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = v;
  return env;
}

const SETPRIV = '/usr/bin/setpriv';

/** How a child's exit code is read: the kind of failure, and whether a retry may help. */
type ExitReading = (code: number | null) => { kind: ErrorKind; transient: boolean };

/** A ferry child (ferry transform) exits with the codes of docs/cli.md. */
const FERRY_EXITS: Record<number, { kind: ErrorKind; transient: boolean }> = {
  [EXIT.usage]: { kind: 'configuration', transient: false },
  [EXIT.connection]: { kind: 'connection', transient: true },
  [EXIT.locked]: { kind: 'lock', transient: true },
  [EXIT.interrupted]: { kind: 'interrupted', transient: true },
};
const ferryExit: ExitReading = (code) =>
  (code !== null && FERRY_EXITS[code]) || { kind: 'engine', transient: false };

/** A shell command's exit code means whatever its author chose: the task's retries apply. */
const shellExit: ExitReading = () => ({ kind: 'engine', transient: true });

function runChild(
  ctx: TaskRunContext,
  command: string,
  args: string[],
  extraEnv: Record<string, string>,
  reading: ExitReading,
): Promise<void> {
  // On Linux, the child gets SIGKILL when this process dies (a killed worker must not leave its task
  // running beside the retry another worker starts).
  const [file, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      env: { ...process.env, ...extraEnv, ...taskEnvironment(ctx) },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: ctx.signal,
      killSignal: 'SIGTERM',
    });
    for (const [stream, level] of [
      [child.stdout, 'info'],
      [child.stderr, 'warn'],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) =>
        ctx.logger[level]({ task: ctx.task.name }, line),
      );
    }
    child.on('error', (error) => {
      if (ctx.signal.aborted) reject(abortError(ctx));
      else
        reject(new FerryError('engine', `task ${ctx.task.name}: cannot start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (ctx.signal.aborted) return reject(abortError(ctx));
      if (code === 0) return resolve();
      const { kind, transient } = reading(code);
      reject(
        new FerryError(
          kind,
          `task ${ctx.task.name} exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
          {
            hint: `its output is in \`ferry logs ${ctx.runId} ${ctx.task.name}\``,
            transient,
          },
        ),
      );
    });
  });
}

function abortError(ctx: TaskRunContext): FerryError {
  const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'stopped';
  return new FerryError('interrupted', `task ${ctx.task.name}: ${reason}`, { transient: true });
}
