// `ferry repair`: re-copy, by key, the rows verify finds missing, extra or different, then compare
// those keys again; exit 0 when every stream is in sync afterwards, 1 when differences remain or a
// stream failed, 7 when a stream is held by another process (a running ferry stream).
import type { Command } from 'commander';
import { compactTable } from '../observability/table.js';
import type { RepairReport } from '../verify/repair.js';
import { streamNames, type Register } from './context.js';
import { printJson } from './output.js';

interface RepairFlags {
  streams?: string;
  dryRun?: boolean;
  json?: boolean;
}

export const registerRepair: Register = (program: Command, context) => {
  program
    .command('repair')
    .description(
      're-copy by key the rows verify finds missing, extra or different, from one snapshot, and verify them again',
    )
    .option('--streams <names>', 'only these streams, comma-separated (source or target table names)')
    .option('--dry-run', 'find the differing rows and say what would be re-copied; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (flags: RepairFlags) => {
      const ctx = context();
      const { repair } = await import('../verify/repair.js');
      const report = await repair({
        project: ctx.project(),
        state: ctx.state,
        streams: streamNames(flags.streams),
        dryRun: flags.dryRun === true,
        logger: ctx.logger,
        signal: ctx.signal,
      });
      if (flags.json) printJson(report);
      else process.stdout.write(renderRepair(report) + '\n');
      process.exitCode = clean(report) ? 0 : 1;
    });
};

/** Every stream in sync after the repair (or, for a dry run, nothing to repair), and caught up. */
function clean(report: RepairReport): boolean {
  return (
    report.streams.every(
      (s) =>
        s.status === 'in_sync' ||
        (s.status === 'repaired' && s.remaining.missing + s.remaining.extra + s.remaining.different === 0),
    ) && report.caughtUp.every((c) => c.status !== 'failed')
  );
}

export function renderRepair(report: RepairReport): string {
  const table = compactTable([
    'stream',
    'missing',
    'extra',
    'different',
    'expected',
    're-copied',
    'deleted',
    'quarantined',
    'still differ',
    'seconds',
  ]);
  for (const s of report.streams) {
    const left = s.remaining.missing + s.remaining.extra + s.remaining.different;
    table.push([
      s.stream,
      s.found.missing,
      s.found.extra,
      s.found.different,
      s.expected,
      s.done.written,
      s.done.deleted + s.done.marked,
      s.done.quarantined,
      s.status === 'failed' ? 'FAILED' : s.status === 'different' ? '(dry run)' : left,
      s.seconds.toFixed(1),
    ]);
  }
  const lines = [table.toString()];
  for (const s of report.streams) {
    if (s.error) lines.push(`${s.stream}: ${s.error}`);
    if (s.done.marked > 0) lines.push(`${s.stream}: ${s.done.marked} row(s) marked deleted (deletes: soft)`);
    if (s.nowExpected > 0)
      lines.push(`${s.stream}: ${s.nowExpected} re-copied row(s) quarantined or with a value set to NULL`);
    if (s.samples.length > 0)
      lines.push(
        `${s.stream}: ${s.status === 'different' ? 'would re-copy' : 'still differ'}, e.g. key ${s.samples.join('; ')}`,
      );
    for (const n of s.notes) lines.push(`${s.stream}: ${n}`);
  }
  for (const c of report.caughtUp)
    lines.push(
      c.status === 'failed'
        ? `${c.stream}: catching up from the binlog failed: ${c.error ?? ''}`
        : `${c.stream}: caught up from its checkpoint (${c.rowsRead} change(s) applied again)`,
    );
  lines.push(
    report.dryRun
      ? `dry run (repair run ${report.runId}): nothing changed`
      : clean(report)
        ? `in sync after repair (run ${report.runId}, ${report.seconds.toFixed(1)} s)`
        : `DIFFERENCES remain after repair (run ${report.runId})`,
  );
  return lines.join('\n');
}
