// Run history in PostgreSQL (`_ferry` schema): one row per pipeline run and one per task instance
// (state, attempts, times, rows moved, error, log). Every write is a single statement or runs in
// the caller's transaction.
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { lockKey } from '../connectors/postgres/lock.js';
import type { Pipeline } from './pipeline.js';
import type { DataInterval } from './schedule.js';

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed';
export type TaskState =
  'pending' | 'queued' | 'running' | 'up_for_retry' | 'succeeded' | 'failed' | 'upstream_failed';
export type RunTrigger = 'schedule' | 'backfill' | 'manual' | 'airflow';

export const FINISHED_TASK_STATES: readonly TaskState[] = ['succeeded', 'failed', 'upstream_failed'];
export const ACTIVE_TASK_STATES: readonly TaskState[] = ['queued', 'running', 'up_for_retry'];

/** Anything with node-postgres's query(): a client, a pool, or a transaction's client. */
export type Queryable = Pick<PgClient, 'query'>;

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS "_ferry"`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."pipeline_runs" (
     run_id bigserial PRIMARY KEY,
     pipeline text NOT NULL,
     run_key text NOT NULL,
     trigger text NOT NULL,
     state text NOT NULL DEFAULT 'queued',
     interval_start timestamptz NOT NULL,
     interval_end timestamptz NOT NULL,
     params jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now(),
     started_at timestamptz,
     finished_at timestamptz,
     UNIQUE (pipeline, run_key))`,
  `CREATE INDEX IF NOT EXISTS pipeline_runs_active ON "_ferry"."pipeline_runs" (pipeline, state)`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."task_instances" (
     run_id bigint NOT NULL REFERENCES "_ferry"."pipeline_runs" ON DELETE CASCADE,
     task text NOT NULL,
     state text NOT NULL DEFAULT 'pending',
     attempts integer NOT NULL DEFAULT 0,
     max_attempts integer NOT NULL,
     job_id text,
     queued_at timestamptz,
     started_at timestamptz,
     finished_at timestamptz,
     rows_moved bigint,
     error text,
     log text NOT NULL DEFAULT '',
     PRIMARY KEY (run_id, task))`,
];

export async function ensureRunTables(client: PgClient): Promise<void> {
  // CREATE ... IF NOT EXISTS races between two processes starting at once; serialise them.
  await inTransaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      lockKey('ferry orchestration ddl').toString(),
    ]);
    for (const statement of DDL) await client.query(statement);
  });
}

export interface RunRow {
  run_id: string;
  pipeline: string;
  run_key: string;
  trigger: RunTrigger;
  state: RunState;
  interval_start: Date;
  interval_end: Date;
  params: Record<string, string>;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface TaskRow {
  run_id: string;
  task: string;
  state: TaskState;
  attempts: number;
  max_attempts: number;
  job_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  rows_moved: string | null;
  error: string | null;
}

export interface NewRun {
  trigger: RunTrigger;
  runKey: string;
  interval: DataInterval;
  params?: Record<string, string>;
}

/** Creates a run and its pending task instances; undefined when a run with this key exists already. */
export async function createRun(
  client: Queryable,
  pipeline: Pipeline,
  run: NewRun,
): Promise<string | undefined> {
  const { rows } = await client.query<{ run_id: string }>(
    `WITH run AS (
       INSERT INTO "_ferry"."pipeline_runs" (pipeline, run_key, trigger, interval_start, interval_end, params)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, run_key) DO NOTHING RETURNING run_id)
     INSERT INTO "_ferry"."task_instances" (run_id, task, max_attempts)
     SELECT run.run_id, t.task, t.max_attempts FROM run, unnest($7::text[], $8::int[]) AS t(task, max_attempts)
     RETURNING run_id`,
    [
      pipeline.name,
      run.runKey,
      run.trigger,
      run.interval.start,
      run.interval.end,
      JSON.stringify(run.params ?? {}),
      pipeline.tasks.map((t) => t.name),
      pipeline.tasks.map((t) => t.retries + 1),
    ],
  );
  return rows[0]?.run_id;
}

/** The key of a scheduled (or backfilled) run: one per pipeline and interval, like Airflow's run id. */
export function scheduledRunKey(interval: DataInterval): string {
  return `scheduled__${interval.end.toISOString()}`;
}

export async function lastScheduledEnd(client: Queryable, pipeline: string): Promise<Date | undefined> {
  const { rows } = await client.query<{ end: Date | null }>(
    `SELECT max(interval_end) AS end FROM "_ferry"."pipeline_runs" WHERE pipeline = $1 AND trigger = 'schedule'`,
    [pipeline],
  );
  return rows[0]?.end ?? undefined;
}

export async function readRun(client: Queryable, runId: string): Promise<RunRow | undefined> {
  const { rows } = await client.query<RunRow>(`SELECT * FROM "_ferry"."pipeline_runs" WHERE run_id = $1`, [
    runId,
  ]);
  return rows[0];
}

export async function readTasks(client: Queryable, runIds: readonly string[]): Promise<TaskRow[]> {
  const { rows } = await client.query<TaskRow>(
    `SELECT run_id, task, state, attempts, max_attempts, job_id, started_at, finished_at, rows_moved, error
       FROM "_ferry"."task_instances" WHERE run_id = ANY($1::bigint[])`,
    [runIds],
  );
  return rows;
}

export async function recentRuns(
  client: Queryable,
  pipeline: string | undefined,
  limit: number,
): Promise<RunRow[]> {
  const { rows } = await client.query<RunRow>(
    `SELECT * FROM (SELECT * FROM "_ferry"."pipeline_runs" WHERE $1::text IS NULL OR pipeline = $1
       ORDER BY interval_end DESC, run_id DESC LIMIT $2) r ORDER BY interval_end, run_id`,
    [pipeline ?? null, limit],
  );
  return rows;
}

export async function readLog(
  client: Queryable,
  runId: string,
  task: string,
): Promise<{ log: string; state: TaskState } | undefined> {
  const { rows } = await client.query<{ log: string; state: TaskState }>(
    `SELECT log, state FROM "_ferry"."task_instances" WHERE run_id = $1 AND task = $2`,
    [runId, task],
  );
  return rows[0];
}

export async function appendLog(client: Queryable, runId: string, task: string, text: string): Promise<void> {
  if (text.length === 0) return;
  await client.query(`UPDATE "_ferry"."task_instances" SET log = log || $3 WHERE run_id = $1 AND task = $2`, [
    runId,
    task,
    text,
  ]);
}

/**
 * Claims a task instance for an attempt: queued, waiting for a retry, or left running by a worker
 * that died. Returns the attempt number, or undefined if the task is finished or was cleared.
 */
export async function startAttempt(
  client: Queryable,
  runId: string,
  task: string,
  jobId: string | null,
): Promise<number | undefined> {
  const { rows } = await client.query<{ attempts: number }>(
    `UPDATE "_ferry"."task_instances"
        SET state = 'running', attempts = attempts + 1, started_at = now(), finished_at = NULL, error = NULL,
            job_id = coalesce($3, job_id),
            log = log || format(E'--- attempt %s at %s ---\\n', attempts + 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
      WHERE run_id = $1 AND task = $2 AND state IN ('pending', 'queued', 'running', 'up_for_retry')
      RETURNING attempts`,
    [runId, task, jobId],
  );
  if (rows[0]) {
    await client.query(
      `UPDATE "_ferry"."pipeline_runs" SET state = 'running', started_at = coalesce(started_at, now()) WHERE run_id = $1 AND state = 'queued'`,
      [runId],
    );
  }
  return rows[0]?.attempts;
}

export async function finishAttempt(
  client: Queryable,
  runId: string,
  task: string,
  outcome: {
    state: 'succeeded' | 'failed' | 'up_for_retry';
    rows?: number | undefined;
    error?: string | undefined;
  },
): Promise<void> {
  await client.query(
    `UPDATE "_ferry"."task_instances" SET state = $3, finished_at = now(), rows_moved = $4, error = $5
      WHERE run_id = $1 AND task = $2 AND state = 'running'`,
    [runId, task, outcome.state, outcome.rows ?? null, outcome.error ?? null],
  );
}
