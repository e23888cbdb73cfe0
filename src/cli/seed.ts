// `ferry seed`: fill the source database with the demo shop.
import cliProgress from 'cli-progress';
import { ConfigError } from '../errors.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

interface SeedFlags {
  scale: string;
  seed: string;
  force?: boolean;
  reset?: boolean;
  json?: boolean;
}

export function parseNumberFlag(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`--${name} expects ${integer ? 'a whole number' : 'a number'}, got "${text}"`);
  }
  return value;
}

export const registerSeed: Register = (program, context) => {
  program
    .command('seed')
    .description('create the demo shop in the source database and fill it with realistic data')
    .option('--scale <n>', 'size: 1 is about 100,000 orders (about 550,000 rows); 0.01 is a quick test', '1')
    .option('--seed <s>', 'random seed: the same seed and scale give byte-identical tables', '42')
    .option('--force', 'seed even though the database has other tables (they are left alone)')
    .option('--reset', "drop ferry's demo tables and seed them again")
    .option('--json', 'print the result as JSON')
    .action(async (flags: SeedFlags) => {
      const ctx = context();
      const { source } = ctx.project();
      const scale = parseNumberFlag('scale', flags.scale, false);
      const seed = parseNumberFlag('seed', flags.seed, true);
      const spec = source;
      const { connectMysql } = await import('../connectors/mysql/connect.js');
      const connection = await connectMysql(spec);
      // Loaded here, not at the top: Faker takes a third of a second to load, which every other command would pay.
      const { seedShop } = await import('../seed/seed.js');
      const { sizeOf } = await import('../seed/shop-data.js');
      const size = sizeOf(scale);
      const bar =
        ctx.interactive && !flags.json
          ? new cliProgress.SingleBar(
              { format: ' seeding {table} [{bar}] {value} rows', hideCursor: true },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(size.orders * 5.5, 0, { table: '' });
      // tables load side by side: the bar shows the sum over all of them
      const perTable = new Map<string, number>();
      let done = 0;
      try {
        const result = await seedShop(connection, {
          scale,
          seed,
          ...(flags.force ? { force: true } : {}),
          ...(flags.reset ? { reset: true } : {}),
          connect: () => connectMysql(spec),
          logger: ctx.logger,
          signal: ctx.signal,
          onProgress: (table, rows) => {
            done += rows - (perTable.get(table) ?? 0);
            perTable.set(table, rows);
            bar?.update(done, { table });
          },
        });
        bar?.stop();
        if (flags.json) printJson(result);
        else if (result.skipped)
          process.stdout.write(
            `already seeded (scale ${scale}, seed ${seed}): ${result.totalRows} rows; --reset seeds again\n`,
          );
        else {
          const lines = Object.entries(result.rows)
            .map(([t, n]) => `  ${t.padEnd(12)} ${String(n).padStart(9)}`)
            .join('\n');
          process.stdout.write(
            `${lines}\nseeded ${result.totalRows} rows in ${result.seconds.toFixed(1)} s (${Math.round(result.totalRows / result.seconds)} rows/s)\n`,
          );
        }
      } finally {
        bar?.stop();
        await connection.end().catch(() => undefined);
      }
    });
};
