// `ferry status`: each stream's last success, rows, age, last run, and for cdc streams lag and
// changes per second; exits 1 when a stream is failing or beyond --max-lag / --max-age (a health check).
import type { Command } from 'commander';
import { durationSeconds } from '../config/duration.js';
import { compactTable } from '../observability/table.js';
import type { StatusReport } from '../replication/stream-status.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

interface StatusFlags {
  json?: boolean;
  maxLag?: string;
  maxAge?: string;
}

const seconds = (value: number | null) =>
  value === null
    ? '-'
    : value < 120
      ? `${value.toFixed(1)} s`
      : value < 7200
        ? `${(value / 60).toFixed(1)} min`
        : `${(value / 3600).toFixed(1)} h`;

export function renderStatus(report: StatusReport): string {
  const table = compactTable([
    'stream',
    'mode',
    'health',
    'last success',
    'rows',
    'age',
    'lag',
    'changes/s',
    'last run',
  ]);
  for (const s of report.streams)
    table.push([
      s.stream,
      s.mode,
      s.health,
      s.lastSuccessAt ? s.lastSuccessAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '-',
      s.rows ?? '-',
      seconds(s.ageSeconds),
      s.mode === 'cdc' ? seconds(s.lagSeconds) : '',
      s.changesPerSecond === null ? '' : s.changesPerSecond.toFixed(1),
      s.lastRun ? `${s.lastRun.runId} ${s.lastRun.status}` : '-',
    ]);
  const problems = report.streams.flatMap((s) => s.problems.map((p) => `${s.stream}: ${p}`));
  return [
    report.streams.length > 0
      ? table.toString()
      : `no streams recorded in ${report.targetSchema} yet (run ferry sync)`,
    `${report.healthy ? 'healthy' : 'UNHEALTHY'} at ${report.checkedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
    ...problems,
    ...report.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

export const registerStatus: Register = (program: Command, context) => {
  program
    .command('status')
    .description("each stream's last success, rows, age and last run, and cdc lag; exits 1 when unhealthy")
    .option('--max-lag <duration>', 'unhealthy when a cdc stream trails the source by more (30s, 5m)')
    .option('--max-age <duration>', 'unhealthy when what a stream reflects is older than this (1h, 1d)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: StatusFlags) => {
      const ctx = context();
      const { streamStatus } = await import('../replication/stream-status.js');
      const report = await streamStatus(ctx.project(), ctx.state, {
        maxLagSeconds: flags.maxLag === undefined ? undefined : durationSeconds(flags.maxLag),
        maxAgeSeconds: flags.maxAge === undefined ? undefined : durationSeconds(flags.maxAge),
      });
      if (flags.json) printJson(report);
      else process.stdout.write(renderStatus(report) + '\n');
      process.exitCode = report.healthy ? 0 : 1;
    });
};
