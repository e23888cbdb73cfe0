// `ferry quarantine list|show|replay|discard`: look at the rows set aside, load them once the data or
// the rule is fixed, or drop them with a record. Logic lives in src/quality; this file parses and prints.
import type { Command } from 'commander';
import type { PgClient } from '../connectors/postgres/connect.js';
import { ConfigError } from '../errors.js';
import { compactTable } from '../observability/table.js';
import type { ReplayReport } from '../replication/replay.js';
import type { CommandContext, Register } from './context.js';
import { printJson } from './output.js';
import type { QuarantineEntry, QuarantineFilter } from '../state/quarantine.js';

interface FilterFlags {
  stream?: string;
  run?: string;
  reason?: string;
  id?: string;
  json?: boolean;
}

/** Entry ids an error names when the one asked for does not exist. */
const SHOWN_IDS = 20;

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`${flag} expects a positive whole number, got ${JSON.stringify(text)}`);
  return n;
}

function filterOf(flags: FilterFlags): Omit<QuarantineFilter, 'schema'> {
  return {
    ...(flags.stream ? { stream: flags.stream } : {}),
    ...(flags.run ? { runId: positive(flags.run, '--run') } : {}),
    ...(flags.reason ? { reason: flags.reason } : {}),
    ...(flags.id ? { ids: flags.id.split(',').map((s) => positive(s.trim(), '--id')) } : {}),
  };
}

const withFilters = (command: Command) =>
  command
    .option('--stream <name>', 'only entries of this stream (target table)')
    .option('--run <id>', 'only entries quarantined by this run')
    .option('--reason <code>', 'only entries with this reason code (not_null, zero_date, ...) or check name')
    .option('--id <ids>', 'only these entries, comma-separated')
    .option('--json', 'print JSON');

async function withTarget<T>(ctx: CommandContext, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const { connectPostgres } = await import('../connectors/postgres/connect.js');
  const client = await connectPostgres(ctx.project().target);
  try {
    await ctx.state.migrate(client);
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const shortKey = (e: QuarantineEntry) =>
  e.primaryKey
    ? Object.values(e.primaryKey)
        .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
        .join(', ')
    : '-';
const cut = (text: string, n: number) => (text.length > n ? text.slice(0, n - 1) + '…' : text);

export const registerQuarantine: Register = (program, context) => {
  const quarantine = program
    .command('quarantine')
    .description('rows set aside by checks and value policies: list, show, replay after a fix, discard');

  withFilters(quarantine.command('list').description('list quarantined rows with their reasons'))
    .option('--limit <n>', 'at most this many entries', '50')
    .action(async (flags: FilterFlags & { limit: string }) => {
      const ctx = context();
      const filter = { ...filterOf(flags), schema: ctx.project().targetSchemas };
      const { entries, counts } = await withTarget(ctx, async (client) => ({
        entries: await ctx.state.quarantine.list(client, filter, { limit: positive(flags.limit, '--limit') }),
        counts: await ctx.state.quarantine.count(client, filter),
      }));
      if (flags.json) {
        printJson({ counts, entries });
        return;
      }
      const table = compactTable(['id', 'stream', 'run', 'key', 'checks', 'reason', 'quarantined at']);
      for (const e of entries)
        table.push([
          e.id,
          e.stream,
          e.runId,
          cut(shortKey(e), 24),
          cut(e.failures.map((f) => f.check).join(', '), 30),
          cut(e.reason, 60),
          e.quarantinedAt.toISOString().slice(0, 19).replace('T', ' '),
        ]);
      const total = new Set(counts.map((c) => c.stream)).size;
      process.stdout.write(
        [
          entries.length > 0
            ? table.toString()
            : 'no quarantined rows' + (Object.keys(filterOf(flags)).length ? ' match' : ''),
          ...counts.map((c) => `${c.stream}: ${c.rows} row(s) with ${c.code}`),
          ...(total > 0
            ? ['show one: ferry quarantine show <id>; load them after a fix: ferry quarantine replay']
            : []),
        ].join('\n') + '\n',
      );
    });

  quarantine
    .command('show <id>')
    .description('one quarantined row: its original values and every failed check')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      const ctx = context();
      const schema = ctx.project().targetSchemas;
      const wanted = positive(id, 'id');
      const { entry, waiting } = await withTarget(ctx, async (client) => {
        const [found] = await ctx.state.quarantine.list(client, { schema, ids: [wanted] });
        return {
          entry: found,
          waiting: found ? [] : await ctx.state.quarantine.list(client, { schema }, { limit: SHOWN_IDS + 1 }),
        };
      });
      if (!entry) {
        const ids = waiting.slice(0, SHOWN_IDS).map((e) => e.id);
        throw new ConfigError(
          `no quarantine entry ${id} in schema ${schema.join(', ')}: ${ids.length > 0 ? `entries waiting: ${ids.join(', ')}${waiting.length > SHOWN_IDS ? ', ...' : ''}` : 'no entries are waiting'}`,
          [],
          {
            hint: `ferry quarantine list shows the entries; replayed and discarded ones are in ${ctx.state.quarantine.where.log}`,
          },
        );
      }
      if (flags.json) {
        printJson(entry);
        return;
      }
      const lines = [
        `entry ${entry.id}: stream ${entry.stream}, run ${entry.runId}, key ${JSON.stringify(entry.primaryKey)}, quarantined ${entry.quarantinedAt.toISOString()}${entry.replayAttempts ? `, ${entry.replayAttempts} replay attempt(s)` : ''}`,
        'failed:',
        ...entry.failures.map((f) => `  ${f.check} [${f.code}, ${f.severity}]: ${f.message}`),
        `row (${entry.rowForm === 'source' ? 'values as read from MySQL' : 'the loaded row'}):`,
        ...Object.entries(entry.row).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
      ];
      if (entry.rowForm === 'source')
        lines.push(
          `fix the value in place with: UPDATE ${ctx.state.quarantine.where.quarantine} SET "row" = jsonb_set("row", '{column}', '"new value"') WHERE id = ${entry.id}; then ferry quarantine replay --id ${entry.id}`,
        );
      process.stdout.write(lines.join('\n') + '\n');
    });

  withFilters(
    quarantine
      .command('replay')
      .description('check the quarantined rows again with the current rules and load those that pass'),
  )
    .option('--dry-run', 'check and report, change nothing')
    .action(async (flags: FilterFlags & { dryRun?: boolean }) => {
      const ctx = context();
      const { replayQuarantine } = await import('../replication/replay.js');
      const report = await replayQuarantine({
        project: ctx.project(),
        state: ctx.state,
        filter: filterOf(flags),
        ...(flags.dryRun ? { dryRun: true } : {}),
        logger: ctx.logger,
        signal: ctx.signal,
      });
      if (flags.json) printJson(report);
      else process.stdout.write(renderReplay(report) + '\n');
      process.exitCode = report.streams.some((s) => s.stillFailing > 0) ? 1 : 0;
    });

  withFilters(
    quarantine
      .command('discard')
      .description('remove quarantined rows without loading them (each kept in the quarantine log)'),
  )
    .option('--all', 'every entry of the target schema (needed when no filter is given)')
    .option('--note <text>', 'why, recorded in the log')
    .action(async (flags: FilterFlags & { all?: boolean; note?: string }) => {
      const ctx = context();
      const filter = filterOf(flags);
      if (Object.keys(filter).length === 0 && !flags.all)
        throw new ConfigError('ferry quarantine discard needs a filter', [], {
          hint: 'name the entries with --stream, --run, --reason or --id, or pass --all to discard every one',
        });
      const discarded = await withTarget(ctx, (client) =>
        ctx.state.quarantine.discard(
          client,
          { ...filter, schema: ctx.project().targetSchemas },
          flags.note ?? null,
        ),
      );
      if (flags.json) printJson({ discarded });
      else
        process.stdout.write(
          `${discarded} entr${discarded === 1 ? 'y' : 'ies'} discarded (kept in ${ctx.state.quarantine.where.log})\n`,
        );
    });
};

export function renderReplay(report: ReplayReport): string {
  const table = compactTable(['stream', 'examined', 'replayed', 'still failing', 'skipped', 'note']);
  for (const s of report.streams)
    table.push([s.stream, s.examined, s.replayed, s.stillFailing, s.skipped, s.note ?? '']);
  const failing = report.streams.reduce((n, s) => n + s.stillFailing, 0);
  const replayed = report.streams.reduce((n, s) => n + s.replayed, 0);
  return [
    report.streams.length > 0 ? table.toString() : 'no quarantined rows to replay',
    `${report.dryRun ? 'dry run ' : ''}replay run ${report.runId}: ${replayed} row(s) ${report.dryRun ? 'would load' : 'loaded'}, ${failing} still failing` +
      (failing > 0 ? ' (ferry quarantine list shows why)' : ''),
  ].join('\n');
}
