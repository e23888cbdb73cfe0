// `ferry pipelines`: the configured pipelines, their schedules, next run and tasks with upstreams.
import type { Command } from 'commander';
import { compactTable } from '../observability/table.js';
import { allPipelines, type Pipeline } from '../orchestration/pipeline.js';
import { parseSchedule } from '../orchestration/schedule.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

const nextRunOf = (p: Pipeline, now: Date) =>
  p.schedule ? parseSchedule(p.schedule, p.timezone).nextRun(now) : null;

export const registerPipelines: Register = (program: Command, context) => {
  program
    .command('pipelines')
    .description('list the pipelines of ferry.yaml: schedule, next run, tasks and their upstream tasks')
    .option('--json', 'print the pipelines as JSON')
    .action((flags: { json?: boolean }) => {
      const pipelines = allPipelines(context().config());
      const now = new Date();
      if (flags.json) {
        printJson({
          pipelines: pipelines.map((p) => ({
            name: p.name,
            schedule: p.schedule ?? null,
            timezone: p.timezone,
            nextRun: nextRunOf(p, now),
            start: p.start ?? null,
            catchup: p.catchup,
            maxActiveRuns: p.maxActiveRuns,
            concurrency: p.concurrency,
            tasks: p.tasks.map((t) => ({
              name: t.name,
              kind: t.spec.kind,
              upstream: t.upstream,
              retries: t.retries,
              retryDelaySeconds: t.retryDelaySeconds,
              timeoutSeconds: t.timeoutSeconds,
              triggerRule: t.triggerRule,
            })),
          })),
        });
        return;
      }
      if (pipelines.length === 0) {
        process.stdout.write(
          'no pipelines in the config (add a `pipelines:` section, see ferry.example.yaml)\n',
        );
        return;
      }
      for (const p of pipelines) {
        const next = nextRunOf(p, now);
        process.stdout.write(
          `${p.name}: ${p.schedule ? `${p.schedule} (${p.timezone}), next ${next?.toISOString() ?? 'never'}` : 'on demand'}; ` +
            `catchup ${p.catchup ? 'on' : 'off'}, max ${p.maxActiveRuns} active run(s), ${p.concurrency} task(s) at once\n`,
        );
        const table = compactTable(['task', 'kind', 'after', 'retries', 'timeout', 'trigger rule']);
        for (const t of p.tasks)
          table.push([
            t.name,
            t.spec.kind,
            t.upstream.join(', '),
            t.retries,
            `${t.timeoutSeconds}s`,
            t.triggerRule,
          ]);
        process.stdout.write(table.toString() + '\n');
      }
    });
};
