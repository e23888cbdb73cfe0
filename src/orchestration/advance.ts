// Moves runs forward: starts queued runs up to max_active_runs, queues the tasks whose upstream tasks
// are done (by trigger rule) up to the pipeline's concurrency, marks tasks whose upstream failed, and
// closes finished runs. One transaction per pipeline under an advisory lock, so schedulers and
// workers calling it at the same time never queue a task twice.
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { PgBoss } from 'pg-boss';
import type { PgPool, Queryable } from '../connectors/postgres/connect.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import { ACTIVE_TASK_STATES, FINISHED_TASK_STATES, type TaskState } from '../state/pipeline-runs.js';
import type { Pipeline, PipelineTask } from './pipeline.js';
import { enqueueTask } from './queue.js';

/** What a pending task should become given its upstream states: wait, run, or upstream_failed. */
export function readiness(
  task: PipelineTask,
  states: ReadonlyMap<string, TaskState>,
): 'wait' | 'ready' | 'upstream_failed' {
  const upstream = task.upstream.map((u) => states.get(u) ?? 'pending');
  if (upstream.some((s) => !FINISHED_TASK_STATES.includes(s))) return 'wait';
  if (task.triggerRule === 'all_done') return 'ready';
  return upstream.every((s) => s === 'succeeded') ? 'ready' : 'upstream_failed';
}

/** What moving runs forward needs: the history's pool, its tables, and the queue. */
export interface RunHistory {
  pool: PgPool;
  state: FerryState;
  boss: PgBoss;
}

export async function advancePipeline(history: RunHistory, pipeline: Pipeline): Promise<void> {
  const client = await history.pool.connect();
  try {
    await inTransaction(client, async () => {
      await history.state.locks.inTransaction(client, lockNames.pipeline(pipeline.name));
      await advanceLocked(client, history, pipeline);
    });
  } finally {
    client.release();
  }
}

async function advanceLocked(client: Queryable, history: RunHistory, pipeline: Pipeline): Promise<void> {
  const runsTables = history.state.pipelines;
  // Runs triggered by Airflow are driven by Airflow; ferry only records them.
  const runs = await runsTables.activeRuns(client, pipeline.name);
  if (runs.length === 0) return;
  const taskRows = await runsTables.readTasks(
    client,
    runs.map((r) => r.run_id),
  );
  let activeTasks = taskRows.filter((t) => ACTIVE_TASK_STATES.includes(t.state)).length;
  // `ferry sync` holds a lock on its target schema, so two sync tasks at once would only fail and
  // retry: they run one at a time (sync.parallel_tables parallelises inside one).
  const isSync = (name: string) => pipeline.tasks.find((t) => t.name === name)?.spec.kind === 'sync';
  let syncActive = taskRows.some((t) => ACTIVE_TASK_STATES.includes(t.state) && isSync(t.task));
  let runningRuns = runs.filter((r) => r.state === 'running').length;

  for (const run of runs) {
    if (run.state === 'queued') {
      if (runningRuns >= pipeline.maxActiveRuns) continue;
      await runsTables.markRunRunning(client, run.run_id);
      runningRuns += 1;
    }
    const rows = taskRows.filter((t) => t.run_id === run.run_id);
    const states = new Map(rows.map((t) => [t.task, t.state]));
    // A task removed from ferry.yaml since the run was created can never run: close it.
    for (const row of rows) {
      if (pipeline.tasks.some((t) => t.name === row.task) || FINISHED_TASK_STATES.includes(row.state))
        continue;
      states.set(row.task, 'failed');
      await runsTables.failTask(
        client,
        run.run_id,
        row.task,
        'the task is no longer in the pipeline (ferry.yaml)',
      );
    }
    for (const task of pipeline.tasks) {
      const row = rows.find((r) => r.task === task.name);
      if (!row || states.get(task.name) !== 'pending') continue;
      const verdict = readiness(task, states);
      if (verdict === 'upstream_failed') {
        states.set(task.name, 'upstream_failed');
        await runsTables.markUpstreamFailed(client, run.run_id, task.name);
      } else if (
        verdict === 'ready' &&
        activeTasks < pipeline.concurrency &&
        !(syncActive && isSync(task.name))
      ) {
        states.set(task.name, 'queued');
        activeTasks += 1;
        syncActive ||= isSync(task.name);
        const jobId = await enqueueTask(
          history.boss,
          client,
          { runId: run.run_id, task: task.name },
          task,
          row.max_attempts - row.attempts,
        );
        await runsTables.markQueued(client, run.run_id, task.name, jobId);
      }
    }
    const all = [...states.values()];
    if (all.every((s) => FINISHED_TASK_STATES.includes(s))) {
      const state = all.every((s) => s === 'succeeded') ? 'succeeded' : 'failed';
      await runsTables.finishRun(client, run.run_id, state);
      runningRuns -= 1;
    }
  }
}
