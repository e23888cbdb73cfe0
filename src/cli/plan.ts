// `ferry plan`: what ferry sync would do, read from the source and the target, changing nothing:
// per stream the tables, mode, cursor, key, every column's types, rule and policy, what the target
// table gets and what the next run copies; then the tables no stream matches and the warnings.
// Exit 0, or 1 when a stream would fail (a column ferry cannot map, checks that cannot run).
import type { Command } from 'commander';
import { compactTable } from '../observability/table.js';
import type { PlanReport, PlannedStream } from '../replication/plan-report.js';
import { streamNames, type Register } from './context.js';
import { printJson } from './output.js';

export const registerPlan: Register = (program: Command, context) => {
  program
    .command('plan')
    .description('show what ferry sync would do, read from the real source and target; changes nothing')
    .option('--streams <names>', 'only these streams, comma-separated (source or target table names)')
    .option('--json', 'print the plan as JSON')
    .action(async (flags: { streams?: string; json?: boolean }) => {
      const ctx = context();
      const { planReport } = await import('../replication/plan-report.js');
      const report = await planReport({
        project: ctx.project(),
        state: ctx.state,
        streams: streamNames(flags.streams),
      });
      if (flags.json) printJson(report);
      else process.stdout.write(renderPlan(report) + '\n');
      process.exitCode = report.streams.some((s) => s.errors.length > 0) ? 1 : 0;
    });
};

export function renderPlan(report: PlanReport): string {
  const lines: string[] = [];
  for (const s of report.streams) lines.push(...renderStream(s), '');
  for (const g of report.gone)
    lines.push(
      `${g.targetSchema}.${g.name}: its source table ${g.sourceTable} is gone (sync.missing_tables applies)`,
    );
  if (report.unmatched.length > 0)
    lines.push(`tables no stream matches (not replicated): ${report.unmatched.join(', ')}`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push(
    `${report.streams.length} stream(s) from ${report.source} into ${[...new Set(report.streams.map((s) => s.target.split('.')[0]))].join(', ') || report.targetSchema}; nothing was changed`,
  );
  return lines.join('\n');
}

function renderStream(s: PlannedStream): string[] {
  const how = [
    s.mode,
    ...(s.cursor ? [`cursor ${s.cursor}`] : []),
    s.key.length > 0
      ? `key (${s.key.join(', ')})${s.keyFrom === 'primary_key' ? ' from primary_key' : ''}`
      : 'no key',
    `deletes ${s.deletes}`,
    ...(s.checks > 0 ? [`${s.checks} check(s)`] : []),
  ];
  const lines = [`${s.stream} (streams[${s.rule}]): ${s.table} -> ${s.target}, ${how.join(', ')}`];
  if (s.where) lines.push(`  where: ${s.where}`);
  if (s.excluded.length > 0) lines.push(`  excluded: ${s.excluded.join(', ')}`);
  lines.push(`  next run: ${s.next}`);
  const t = s.targetTable;
  if (t) {
    const parts = [
      t.action === 'create' ? 'created' : t.action === 'none' ? 'exists, unchanged' : t.action,
      ...(t.action !== 'create' && t.added.length > 0 ? [`adds ${t.added.join(', ')}`] : []),
      ...t.changed.map((c) => `${c.column} ${c.from} -> ${c.to}`),
      ...(t.kept.length > 0 ? [`keeps ${t.kept.join(', ')} (gone from the source, NULL from now on)`] : []),
    ];
    lines.push(`  target table: ${parts.join('; ')}${t.note ? ` (${t.note})` : ''}`);
  }
  if (s.columns.length > 0) {
    const table = compactTable(['column', 'source type', 'PostgreSQL', 'rule', 'policy', 'override']);
    for (const c of s.columns)
      table.push([
        c.source === c.target ? c.source : `${c.source} -> ${c.target}`,
        c.sourceType,
        c.pgType,
        c.rule,
        c.policy ?? '',
        [
          ...(c.override?.defaultType ? [`type (default ${c.override.defaultType})`] : []),
          ...(c.override?.renamedFrom ? ['renamed'] : []),
        ].join(', '),
      ]);
    lines.push(
      ...table
        .toString()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  for (const e of s.errors) lines.push(`  error: ${e}`);
  return lines;
}
