// Moves runs forward: starts queued runs up to max_active_runs, queues the tasks whose upstream tasks
// are done (by trigger rule) up to the pipeline's concurrency, marks tasks whose upstream failed, and
// closes finished runs. One transaction per pipeline under an advisory lock, so schedulers and
// workers calling it at the same time never queue a task twice.
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { PgBoss } from 'pg-boss';
import type { PgPool } from '../connectors/postgres/connect.js';
import { lockKey } from '../connectors/postgres/lock.js';
import type { Pipeline, PipelineTask } from './pipeline.js';
import { enqueueTask } from './queue.js';
import {
  ACTIVE_TASK_STATES,
  FINISHED_TASK_STATES,
  type Queryable,
  type RunRow,
  type TaskState,
} from './store.js';

interface TaskStateRow {
  run_id: string;
  task: string;
  state: TaskState;
  attempts: number;
  max_attempts: number;
}

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

export async function advancePipeline(pool: PgPool, boss: PgBoss, pipeline: Pipeline): Promise<void> {
  const client = await pool.connect();
  try {
    await inTransaction(client, async () => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        lockKey(`ferry pipeline ${pipeline.name}`).toString(),
      ]);
      await advanceLocked(client, boss, pipeline);
    });
  } finally {
    client.release();
  }
}

async function advanceLocked(client: Queryable, boss: PgBoss, pipeline: Pipeline): Promise<void> {
  // Runs triggered by Airflow are driven by Airflow; ferry only records them.
  const { rows: runs } = await client.query<RunRow>(
    `SELECT * FROM "_ferry"."pipeline_runs" WHERE pipeline = $1 AND state IN ('queued', 'running') AND trigger <> 'airflow'
      ORDER BY interval_end, run_id`,
    [pipeline.name],
  );
  if (runs.length === 0) return;
  const { rows: taskRows } = await client.query<TaskStateRow>(
    `SELECT run_id, task, state, attempts, max_attempts FROM "_ferry"."task_instances" WHERE run_id = ANY($1::bigint[])`,
    [runs.map((r) => r.run_id)],
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
      await client.query(
        `UPDATE "_ferry"."pipeline_runs" SET state = 'running', started_at = coalesce(started_at, now()) WHERE run_id = $1`,
        [run.run_id],
      );
      runningRuns += 1;
    }
    const rows = taskRows.filter((t) => t.run_id === run.run_id);
    const states = new Map(rows.map((t) => [t.task, t.state]));
    // A task removed from ferry.yaml since the run was created can never run: close it.
    for (const row of rows) {
      if (pipeline.tasks.some((t) => t.name === row.task) || FINISHED_TASK_STATES.includes(row.state))
        continue;
      states.set(row.task, 'failed');
      await client.query(
        `UPDATE "_ferry"."task_instances" SET state = 'failed', finished_at = now(), error = 'the task is no longer in the pipeline (ferry.yaml)'
          WHERE run_id = $1 AND task = $2`,
        [run.run_id, row.task],
      );
    }
    for (const task of pipeline.tasks) {
      const row = rows.find((r) => r.task === task.name);
      if (!row || states.get(task.name) !== 'pending') continue;
      const verdict = readiness(task, states);
      if (verdict === 'upstream_failed') {
        states.set(task.name, 'upstream_failed');
        await client.query(
          `UPDATE "_ferry"."task_instances" SET state = 'upstream_failed', finished_at = now() WHERE run_id = $1 AND task = $2`,
          [run.run_id, task.name],
        );
      } else if (
        verdict === 'ready' &&
        activeTasks < pipeline.concurrency &&
        !(syncActive && isSync(task.name))
      ) {
        states.set(task.name, 'queued');
        activeTasks += 1;
        syncActive ||= isSync(task.name);
        const jobId = await enqueueTask(
          boss,
          client,
          { runId: run.run_id, task: task.name },
          task,
          row.max_attempts - row.attempts,
        );
        await client.query(
          `UPDATE "_ferry"."task_instances" SET state = 'queued', queued_at = now(), job_id = $3 WHERE run_id = $1 AND task = $2`,
          [run.run_id, task.name, jobId],
        );
      }
    }
    const all = [...states.values()];
    if (all.every((s) => FINISHED_TASK_STATES.includes(s))) {
      const state = all.every((s) => s === 'succeeded') ? 'succeeded' : 'failed';
      await client.query(
        `UPDATE "_ferry"."pipeline_runs" SET state = $2, finished_at = now() WHERE run_id = $1`,
        [run.run_id, state],
      );
      runningRuns -= 1;
    }
  }
}
