// `ferry verify`: compare source and target; exit 0 in sync, 1 with differences, 2 when it cannot run.
import { isFerryError } from '../errors.js';
import { compactTable } from '../observability/table.js';
import type { VerifyReport } from '../verify/verify.js';
import { streamNames, type Register } from './context.js';
import { printJson } from './output.js';
import { commandProgress } from './progress-bars.js';
import { wholeNumber } from './number-flags.js';

interface VerifyFlags {
  streams?: string;
  samples: number;
  json?: boolean;
  atSnapshot?: boolean;
}

export const registerVerify: Register = (program, context) => {
  program
    .command('verify')
    .description(
      'prove that the target holds exactly what the source holds (exit 0 in sync, 1 differences, 2 could not run)',
    )
    .option('--streams <names>', 'only these streams, comma-separated')
    .option('--samples <n>', 'sample keys to show per kind of difference', wholeNumber(0, 10_000), 5)
    .option(
      '--at-snapshot',
      'compare with the source as of the last sync: rows the source changed since then (a cursor past the mark, or a row a verified sync wrote) count as in flight, not as differences',
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: VerifyFlags) => {
      const { verify } = await import('../verify/verify.js');
      const ctx = context();
      const { progress, stop } = commandProgress(ctx, { bars: false, key: 'stream' });
      try {
        const report = await verify({
          project: ctx.project(),
          state: ctx.state,
          ...(flags.streams ? { streams: streamNames(flags.streams) } : {}),
          samples: flags.samples,
          atSnapshot: flags.atSnapshot === true,
          logger: ctx.logger,
          signal: ctx.signal,
          progress,
        });
        if (flags.json) printJson(report);
        else process.stdout.write(renderReport(report) + '\n');
        process.exitCode = report.inSync ? 0 : 1;
      } catch (error) {
        // verify's contract: 2 whenever it could not run, whatever the cause
        if (isFerryError(error)) Object.defineProperty(error, 'exitCode', { value: 2 });
        throw error;
      } finally {
        stop();
      }
    });
};

const STATUS_TEXT: Record<VerifyReport['streams'][number]['status'], string> = {
  in_sync: 'in sync',
  different: 'DIFFERENT',
  missing_table: 'NO TABLE',
  source_missing: 'SOURCE GONE',
};

export function renderReport(report: VerifyReport): string {
  const table = compactTable([
    'stream',
    'status',
    'source',
    'target',
    'missing',
    'extra',
    'different',
    'expected',
    'in flight',
    'seconds',
  ]);
  for (const s of report.streams) {
    table.push([
      s.stream,
      STATUS_TEXT[s.status],
      s.sourceRows,
      s.targetRows,
      s.missing,
      s.extra,
      s.different,
      s.expected,
      s.inFlight,
      s.seconds.toFixed(1),
    ]);
  }
  const lines = [table.toString()];
  for (const s of report.streams) {
    const what = s.keyed ? 'key' : 'row';
    if (s.samples.missing.length > 0)
      lines.push(`${s.stream}: missing in the target, e.g. ${what} ${s.samples.missing.join('; ')}`);
    if (s.samples.extra.length > 0)
      lines.push(`${s.stream}: extra in the target, e.g. ${what} ${s.samples.extra.join('; ')}`);
    for (const d of s.samples.different) {
      lines.push(
        `${s.stream}: key ${d.key} differs in ${d.columns.map((c) => `${c.column} (source ${JSON.stringify(c.source)}, target ${JSON.stringify(c.target)})`).join(', ')}`,
      );
    }
    for (const n of s.notes) lines.push(`${s.stream}: ${n}`);
  }
  lines.push(
    report.inSync
      ? `in sync: ${report.streams.length} stream(s) checked in ${report.seconds.toFixed(1)} s`
      : `DIFFERENCES found (verify run ${report.runId})`,
  );
  return lines.join('\n');
}
