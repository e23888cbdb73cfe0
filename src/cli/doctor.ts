// `ferry doctor`: connects to both ends and prints what it found, with a fix for each problem.
import pc from 'picocolors';
import type { Finding } from '../doctor/finding.js';
import { compactTable } from '../observability/table.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

const MARK = { ok: pc.green('ok'), warn: pc.yellow('warn'), fail: pc.red('FAIL') } as const;

export const registerDoctor: Register = (program, context) => {
  program
    .command('doctor')
    .description('check both databases: versions, privileges, binlog, time zones, character sets')
    .option('--json', 'print the findings as JSON')
    .action(async (options: { json?: boolean }) => {
      const { checkSource } = await import('../doctor/source-checks.js');
      const { checkTarget } = await import('../doctor/target-checks.js');
      const project = context().project();
      const [source, target] = await Promise.all([
        checkSource(project.source),
        checkTarget(project.target, project.targetSchema),
      ]);
      const findings = [...source, ...target];
      const failed = findings.filter((f) => f.status === 'fail').length;
      const warned = findings.filter((f) => f.status === 'warn').length;
      if (options.json) printJson({ ready: failed === 0, problems: failed, warnings: warned, findings });
      else {
        process.stdout.write(render(findings) + '\n');
        process.stdout.write(
          failed > 0
            ? pc.red(`${failed} problem(s) stop ferry; fix them and run ferry doctor again.\n`)
            : warned > 0
              ? pc.yellow(`ready to replicate; ${warned} warning(s) above.\n`)
              : pc.green('ready to replicate.\n'),
        );
      }
      process.exitCode = failed > 0 ? 1 : 0;
    });
};

function render(findings: Finding[]): string {
  // In a terminal the table fits the screen; piped output keeps each finding on one line for grep.
  const terminal = process.stdout.isTTY === true;
  const table = compactTable(
    ['', 'check', 'status', 'found', 'fix'],
    terminal ? { wordWrap: true, colWidths: [8, 22, 7, 46, 50] } : {},
  );
  for (const f of findings) table.push([f.side, f.check, MARK[f.status], f.found, f.fix ?? '']);
  return table.toString();
}
