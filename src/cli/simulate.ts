// `ferry simulate`: keep the seeded shop changing like a live application.
import { writeFileSync } from 'node:fs';
import { compactTable } from '../observability/table.js';
import { parseNumberFlag } from './seed.js';
import type { Register } from './context.js';
import { printJson, toJson } from './output.js';

interface SimulateFlags {
  rate: string;
  duration?: string;
  operations?: string;
  seed: string;
  json?: boolean;
  log?: string;
}

export const registerSimulate: Register = (program, context) => {
  program
    .command('simulate')
    .description('run an application-like workload against the seeded shop (inserts, updates, deletes)')
    .option('--rate <n/s>', 'operations per second', '200/s')
    .option('--duration <time>', 'how long to run, e.g. 60s, 5m')
    .option('--operations <n>', 'how many operations to run')
    .option('--seed <s>', 'random seed: the same seed chooses the same operations', '1')
    .option('--json', 'print the log (counts and touched keys per table) as JSON instead of the table')
    .option('--log <file>', 'also write that log as JSON to a file')
    .action(async (flags: SimulateFlags) => {
      const ctx = context();
      const { source } = ctx.project();
      // Loaded here, not at the top: the workload loads Faker, which every other command would pay.
      const { parseDuration, parseRate, simulate } = await import('../seed/simulate/simulate.js');
      const rate = parseRate(flags.rate);
      const durationSeconds = flags.duration ? parseDuration(flags.duration) : undefined;
      const operations = flags.operations ? parseNumberFlag('operations', flags.operations, true) : undefined;
      const seed = parseNumberFlag('seed', flags.seed, true);
      const { connectMysql } = await import('../connectors/mysql/connect.js');
      const connection = await connectMysql(source);
      try {
        const log = await simulate(connection, {
          seed,
          rate,
          ...(durationSeconds !== undefined ? { durationSeconds } : {}),
          ...(operations !== undefined ? { operations } : {}),
          logger: ctx.logger,
          signal: ctx.signal,
        });
        if (flags.log) writeFileSync(flags.log, toJson(log));
        if (flags.json) {
          printJson(log);
          return;
        }
        const table = compactTable(['table', 'insert', 'update', 'delete', 'silent update']);
        for (const [name, counts] of Object.entries(log.counts).sort()) {
          table.push([
            name,
            counts.insert ?? 0,
            counts.update ?? 0,
            counts.delete ?? 0,
            counts.silent_update ?? 0,
          ]);
        }
        process.stdout.write(
          `${table.toString()}\n${log.operations} operations in ${log.seconds.toFixed(1)} s (${(log.operations / log.seconds).toFixed(0)}/s)\n`,
        );
      } finally {
        await connection.end().catch(() => undefined);
      }
    });
};
