// `ferry reset <stream...>`: forget the streams' state (mark, chunks, cdc checkpoint) so the next sync
// starts them over; asks first unless --yes, and refuses to ask where nobody can answer.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { StreamToReset } from '../replication/reset.js';
import type { Register } from './context.js';

export const registerReset: Register = (program: Command, context) => {
  program
    .command('reset <streams...>')
    .description(
      "forget streams' state (cursor mark, load progress, cdc checkpoint) so the next sync starts them over",
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (names: string[], flags: { yes?: boolean }) => {
      const ctx = context();
      const project = ctx.project();
      const { resetStreams, streamsToReset } = await import('../replication/reset.js');
      const streams = await streamsToReset(project, ctx.state, names);
      process.stdout.write(streams.map(describe).join('\n') + '\n');
      if (!flags.yes) {
        if (!process.stdin.isTTY)
          throw new ConfigError('ferry reset asks before it forgets, and stdin is not a terminal', [], {
            hint: 'pass --yes to reset without asking',
          });
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl
          .question(`Forget the state of ${streams.length} stream(s)? [y/N] `)
          .finally(() => rl.close());
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stdout.write('nothing reset\n');
          return;
        }
      }
      await resetStreams(project, ctx.state, streams);
      process.stdout.write(`reset ${streams.map((s) => `${s.targetSchema}.${s.table}`).join(', ')}\n`);
    });
};

function describe(s: StreamToReset): string {
  const { state, progress } = s;
  const load = progress
    ? [`a load in progress (${progress.chunks} chunk(s), ${progress.rows} row(s) staged)`]
    : [];
  if (!state) return `${s.targetSchema}.${s.table}: ${load.join(', ')}; ${s.next}`;
  const what = [
    state.mode,
    ...(state.highWater !== null
      ? [`mark ${state.cursorColumn ?? ''} ${state.highWater}`.replace('  ', ' ')]
      : []),
    ...(state.mode === 'cdc' && (state.binlog.gtid ?? state.binlog.file)
      ? [`checkpoint ${state.binlog.gtid ?? `${state.binlog.file}:${state.binlog.position}`}`]
      : []),
    ...(state.lastRunId !== null ? [`last run ${state.lastRunId}`] : []),
    ...load,
  ];
  return `${s.targetSchema}.${s.table}: ${what.join(', ')}; ${s.next}`;
}
