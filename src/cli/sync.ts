// `ferry sync`: replicate the configured streams once, with progress bars and a summary table.
import { Option, type Command } from 'commander';
import type { SyncSummary } from '../replication/run.js';
import type { AfterCopies } from '../replication/run-lifecycle.js';
import type { VerifyReport } from '../verify/verify.js';
import type { SparkSyncSummary } from '../replication/spark-sync.js';
import { compactTable } from '../observability/table.js';
import { streamNames, type Register } from './context.js';
import { commandProgress } from './progress-bars.js';
import { printJson } from './output.js';

interface SyncFlags {
  streams?: string;
  engine: 'ferry' | 'spark';
  sparkUrl?: string;
  fullRefresh?: boolean;
  json?: boolean;
  verify?: boolean;
  strict?: boolean;
}

export const registerSync: Register = (program: Command, context) => {
  program
    .command('sync')
    .description('copy the configured streams from MySQL into PostgreSQL (full refresh or incremental)')
    .option('--streams <names>', 'only these streams, comma-separated (source or target table names)')
    .option('--full-refresh', 'copy every selected stream in full, whatever its mode')
    .option(
      '--verify',
      "verify the synced streams inside the sync's own source snapshot, exact (exit 1 when they differ)",
    )
    .option('--json', 'print the run summary as JSON')
    .option('--strict', 'a table pattern that matches nothing, or an empty source, is an error (exit 2)')
    .addOption(
      new Option('--engine <engine>', 'ferry: this process copies; spark: each table is a Spark job')
        .choices(['ferry', 'spark'])
        .default('ferry'),
    )
    .option('--spark-url <url>', 'Spark Connect server for --engine spark (default: spark.url in ferry.yaml)')
    .action(async (flags: SyncFlags) => {
      const ctx = context();
      const project = ctx.project();
      const streams = streamNames(flags.streams);
      // --verify compares inside the sync's own source snapshot, before it lets go of it: exact
      // (ferry's copier; the Spark copy is verified after it).
      let verified: VerifyReport | undefined;
      // Bars in a terminal (not with --json), a progress line per stream every few seconds otherwise.
      const { progress, stop } = commandProgress(ctx, { bars: !flags.json, key: 'stream' });
      const common = {
        project,
        state: ctx.state,
        ...(streams ? { streams } : {}),
        ...(flags.fullRefresh ? { fullRefresh: true } : {}),
        ...(flags.strict ? { strict: true } : {}),
        logger: ctx.logger,
        signal: ctx.signal,
        progress,
      };
      if (flags.engine === 'spark') {
        const { syncWithSpark } = await import('../replication/spark-sync.js');
        const summary: SparkSyncSummary = await syncWithSpark({
          ...common,
          ...(flags.sparkUrl ? { sparkUrl: flags.sparkUrl } : {}),
        }).finally(stop);
        await printOutcome(summary, renderSparkSummary(summary), summary.status === 'succeeded');
        return;
      }
      const { sync } = await import('../replication/run.js');
      const afterCopies = async (run: AfterCopies) => {
        const { verify } = await import('../verify/verify.js');
        verified = await verify({
          project,
          state: ctx.state,
          ...(streams ? { streams } : {}),
          inSnapshot: run,
          logger: ctx.logger,
          signal: ctx.signal,
        });
      };
      const summary: SyncSummary = await sync({
        ...common,
        ...(flags.verify ? { afterCopies } : {}),
      }).finally(stop);
      await printOutcome(summary, renderSummary(summary), summary.status === 'succeeded');

      /** Prints the sync's summary, verified afterwards with --verify; sets the exit status. */
      async function printOutcome(result: object, text: string, succeeded: boolean): Promise<void> {
        if (!flags.verify || !succeeded) {
          if (flags.json) printJson(result);
          else process.stdout.write(text + '\n');
          process.exitCode = succeeded ? 0 : 1;
          return;
        }
        // Without the sync's snapshot (a Spark copy): as of the last sync, rows changed since in flight.
        const { verify } = await import('../verify/verify.js');
        const { renderReport } = await import('./verify.js');
        const verifyAfter = async () => {
          const lines = commandProgress(ctx, { bars: false, key: 'stream' });
          return verify({
            project,
            state: ctx.state,
            ...(streams ? { streams } : {}),
            atSnapshot: true,
            logger: ctx.logger,
            signal: ctx.signal,
            progress: lines.progress,
          }).finally(lines.stop);
        };
        const report = verified ?? (await verifyAfter());
        if (flags.json) printJson({ sync: result, verify: report });
        else process.stdout.write(`${text}\n\n${renderReport(report)}\n`);
        process.exitCode = report.inSync ? 0 : 1;
      }
    });
};

export function renderSummary(summary: SyncSummary): string {
  const table = compactTable([
    'stream',
    'mode',
    'status',
    'read',
    'loaded',
    'quarantined',
    'warned',
    'nulled',
    'deleted',
    'seconds',
  ]);
  for (const s of [...summary.streams].sort((a, b) => a.stream.localeCompare(b.stream))) {
    table.push([
      s.stream,
      s.mode,
      s.status === 'failed' ? `FAILED: ${s.error ?? ''}` : s.status,
      s.rowsRead,
      s.rowsLoaded,
      s.rowsQuarantined,
      s.rowsWarned,
      s.valuesNulled,
      s.rowsDeleted,
      s.seconds.toFixed(1),
    ]);
  }
  const totals = summary.streams.reduce(
    (t, s) => ({
      read: t.read + s.rowsRead,
      loaded: t.loaded + s.rowsLoaded,
      quarantined: t.quarantined + s.rowsQuarantined,
    }),
    { read: 0, loaded: 0, quarantined: 0 },
  );
  const warnings = [
    ...summary.warnings.map((w) => `warning: ${w}`),
    ...summary.streams.flatMap((s) => s.warnings.map((w) => `warning: ${s.stream}: ${w}`)),
  ];
  const hints = summary.streams.flatMap((s) => (s.hint ? [`hint: ${s.stream}: ${s.hint}`] : []));
  const checks = summary.streams.flatMap((s) =>
    s.checks.map((c) => `check ${s.stream} ${c.check} (${c.code}, ${c.severity}): ${c.rows} row(s)`),
  );
  return [
    table.toString(),
    `run ${summary.runId} ${summary.status}: ${totals.read} rows read, ${totals.loaded} loaded, ${totals.quarantined} quarantined in ${summary.seconds.toFixed(1)} s` +
      (summary.binlog.file ? ` (snapshot at ${summary.binlog.file}:${summary.binlog.position})` : ''),
    ...hints,
    ...checks,
    ...(totals.quarantined > 0 ? ['quarantined rows: ferry quarantine list (then replay or discard)'] : []),
    ...warnings,
  ].join('\n');
}

export function renderSparkSummary(summary: SparkSyncSummary): string {
  const table = compactTable(['stream', 'mode', 'read', 'loaded', 'quarantined', 'partitions', 'seconds']);
  for (const s of summary.streams) {
    const copied = summary.tables.find((t) => t.target.endsWith(`.${s.stream}`));
    table.push([
      s.stream,
      s.mode,
      s.rowsRead,
      s.rowsLoaded,
      s.rowsQuarantined,
      copied?.partitions ?? '',
      s.status === 'failed' ? 'failed' : s.seconds.toFixed(1),
    ]);
  }
  return [
    table.toString(),
    `Spark ${summary.sparkVersion} at ${summary.spark} (write: ${summary.write}): ${summary.tables.length} table(s) in ${summary.seconds.toFixed(1)} s`,
    ...summary.warnings.map((w) => `warning: ${w}`),
    ...summary.streams.filter((s) => s.error).map((s) => `${s.stream} failed: ${s.error}`),
    ...summary.streams.flatMap((s) => s.warnings.map((w) => `warning: ${s.stream}: ${w}`)),
  ].join('\n');
}
