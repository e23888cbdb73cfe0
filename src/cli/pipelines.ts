// `ferry pipelines`: the configured pipelines, their schedules, next run and tasks with upstreams.
import type { Command } from 'commander';
import { compactTable } from '../observability/table.js';
import { allPipelines } from '../orchestration/pipeline.js';
import { parseSchedule } from '../orchestration/schedule.js';
import type { Register } from './context.js';

export const registerPipelines: Register = (program: Command, context) => {
  program
    .command('pipelines')
    .description('list the pipelines of ferry.yaml: schedule, next run, tasks and their upstream tasks')
    .action(() => {
      const pipelines = allPipelines(context().config());
      if (pipelines.length === 0) {
        process.stdout.write(
          'no pipelines in the config (add a `pipelines:` section, see ferry.example.yaml)\n',
        );
        return;
      }
      for (const p of pipelines) {
        const next = p.schedule ? parseSchedule(p.schedule, p.timezone).nextRun(new Date()) : null;
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
