// Pipeline run history (table family pipeline_runs + task_instances): one row per run of a pipeline
// and one per task instance (state, attempts, times, rows moved, error, log). Every write is one
// statement, or runs in the caller's transaction (pass its client).
import type { Queryable } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed';
export type TaskState =
  'pending' | 'queued' | 'running' | 'up_for_retry' | 'succeeded' | 'failed' | 'upstream_failed';
export type RunTrigger = 'schedule' | 'backfill' | 'manual' | 'airflow';

export const FINISHED_TASK_STATES: readonly TaskState[] = ['succeeded', 'failed', 'upstream_failed'];
export const ACTIVE_TASK_STATES: readonly TaskState[] = ['queued', 'running', 'up_for_retry'];

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

/** What creating a run needs of a pipeline: its name and tasks. */
export interface PipelineShape {
  name: string;
  tasks: readonly { name: string; retries: number }[];
}

export interface NewPipelineRun {
  trigger: RunTrigger;
  runKey: string;
  interval: { start: Date; end: Date };
  params?: Record<string, string>;
}

export interface AttemptOutcome {
  state: 'succeeded' | 'failed' | 'up_for_retry';
  rows?: number | undefined;
  error?: string | undefined;
}

export type PipelineRunsTables = ReturnType<typeof pipelineRunsTables>;

export function pipelineRunsTables(schema: string) {
  const runs = qualifiedPg(schema, 'pipeline_runs');
  const tasks = qualifiedPg(schema, 'task_instances');

  return {
    /** Creates a run and its pending task instances; undefined when a run with this key exists already. */
    async createRun(
      db: Queryable,
      pipeline: PipelineShape,
      run: NewPipelineRun,
    ): Promise<string | undefined> {
      const { rows } = await db.query<{ run_id: string }>(
        `WITH run AS (
           INSERT INTO ${runs} (pipeline, run_key, trigger, interval_start, interval_end, params)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, run_key) DO NOTHING RETURNING run_id)
         INSERT INTO ${tasks} (run_id, task, max_attempts)
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
    },

    async lastScheduledEnd(db: Queryable, pipeline: string): Promise<Date | undefined> {
      const { rows } = await db.query<{ end: Date | null }>(
        `SELECT max(interval_end) AS end FROM ${runs} WHERE pipeline = $1 AND trigger = 'schedule'`,
        [pipeline],
      );
      return rows[0]?.end ?? undefined;
    },

    async readRun(db: Queryable, runId: string): Promise<RunRow | undefined> {
      const { rows } = await db.query<RunRow>(`SELECT * FROM ${runs} WHERE run_id = $1`, [runId]);
      return rows[0];
    },

    async readRunByKey(db: Queryable, pipeline: string, runKey: string): Promise<RunRow | undefined> {
      const { rows } = await db.query<RunRow>(`SELECT * FROM ${runs} WHERE pipeline = $1 AND run_key = $2`, [
        pipeline,
        runKey,
      ]);
      return rows[0];
    },

    async readRuns(db: Queryable, runIds: readonly string[]): Promise<RunRow[]> {
      const { rows } = await db.query<RunRow>(`SELECT * FROM ${runs} WHERE run_id = ANY($1::bigint[])`, [
        runIds,
      ]);
      return rows;
    },

    /** The latest runs (of one pipeline, or all), oldest first. */
    async recentRuns(db: Queryable, pipeline: string | undefined, limit: number): Promise<RunRow[]> {
      const { rows } = await db.query<RunRow>(
        `SELECT * FROM (SELECT * FROM ${runs} WHERE $1::text IS NULL OR pipeline = $1
           ORDER BY interval_end DESC, run_id DESC LIMIT $2) r ORDER BY interval_end, run_id`,
        [pipeline ?? null, limit],
      );
      return rows;
    },

    /** Runs a worker or scheduler may move forward (queued or running, not driven by Airflow), in order. */
    async activeRuns(db: Queryable, pipeline: string): Promise<RunRow[]> {
      const { rows } = await db.query<RunRow>(
        `SELECT * FROM ${runs} WHERE pipeline = $1 AND state IN ('queued', 'running') AND trigger <> 'airflow'
          ORDER BY interval_end, run_id`,
        [pipeline],
      );
      return rows;
    },

    async readTasks(db: Queryable, runIds: readonly string[]): Promise<TaskRow[]> {
      const { rows } = await db.query<TaskRow>(
        `SELECT run_id, task, state, attempts, max_attempts, job_id, started_at, finished_at, rows_moved, error
           FROM ${tasks} WHERE run_id = ANY($1::bigint[])`,
        [runIds],
      );
      return rows;
    },

    async markRunRunning(db: Queryable, runId: string): Promise<void> {
      await db.query(
        `UPDATE ${runs} SET state = 'running', started_at = coalesce(started_at, now()) WHERE run_id = $1`,
        [runId],
      );
    },

    async finishRun(db: Queryable, runId: string, state: 'succeeded' | 'failed'): Promise<void> {
      await db.query(`UPDATE ${runs} SET state = $2, finished_at = now() WHERE run_id = $1`, [runId, state]);
    },

    /** A run started outside ferry's queue (`ferry task run`): its state follows its task instances. */
    async settleExternalRun(db: Queryable, runId: string): Promise<void> {
      await db.query(
        `UPDATE ${runs} r SET
           state = CASE WHEN any_failed THEN 'failed' WHEN all_ok THEN 'succeeded' ELSE 'running' END,
           started_at = coalesce(r.started_at, now()),
           finished_at = CASE WHEN any_failed OR all_ok THEN now() END
          FROM (SELECT bool_or(state IN ('failed', 'upstream_failed')) AS any_failed, bool_and(state = 'succeeded') AS all_ok
                  FROM ${tasks} WHERE run_id = $1) t
         WHERE r.run_id = $1`,
        [runId],
      );
    },

    async failTask(db: Queryable, runId: string, task: string, error: string): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'failed', finished_at = now(), error = $3 WHERE run_id = $1 AND task = $2`,
        [runId, task, error],
      );
    },

    async markUpstreamFailed(db: Queryable, runId: string, task: string): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'upstream_failed', finished_at = now() WHERE run_id = $1 AND task = $2`,
        [runId, task],
      );
    },

    async markQueued(db: Queryable, runId: string, task: string, jobId: string | null): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'queued', queued_at = now(), job_id = $3 WHERE run_id = $1 AND task = $2`,
        [runId, task, jobId],
      );
    },

    /** The caller (Airflow) decides when a task runs again: reopen it for one more attempt. */
    async reopenTask(db: Queryable, runId: string, task: string): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'queued', max_attempts = greatest(max_attempts, attempts + 1) WHERE run_id = $1 AND task = $2`,
        [runId, task],
      );
    },

    async unfinishedTasks(db: Queryable, runId: string): Promise<string[]> {
      const { rows } = await db.query<{ task: string }>(
        `SELECT task FROM ${tasks} WHERE run_id = $1 AND state <> 'succeeded'`,
        [runId],
      );
      return rows.map((r) => r.task);
    },

    /** Of these tasks, those still active, locked for the caller's transaction. */
    async activeTasksForUpdate(db: Queryable, runId: string, names: readonly string[]): Promise<string[]> {
      const { rows } = await db.query<{ task: string }>(
        `SELECT task FROM ${tasks} WHERE run_id = $1 AND task = ANY($2) AND state IN ('queued', 'running', 'up_for_retry') FOR UPDATE`,
        [runId, names],
      );
      return rows.map((r) => r.task);
    },

    /** Clears a task instance to run again with `attempts` more attempts. */
    async clearTask(db: Queryable, runId: string, task: string, attempts: number): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'pending', max_attempts = attempts + $3, started_at = NULL, finished_at = NULL, error = NULL, rows_moved = NULL
          WHERE run_id = $1 AND task = $2`,
        [runId, task, attempts],
      );
    },

    async requeueRun(db: Queryable, runId: string): Promise<void> {
      await db.query(`UPDATE ${runs} SET state = 'queued', finished_at = NULL WHERE run_id = $1`, [runId]);
    },

    /** Task instances of a pipeline still marked active (the scheduler checks their jobs). */
    async activeTaskJobs(
      db: Queryable,
      pipeline: string,
    ): Promise<{ run_id: string; task: string; job_id: string | null }[]> {
      const { rows } = await db.query<{ run_id: string; task: string; job_id: string | null }>(
        `SELECT t.run_id, t.task, t.job_id FROM ${tasks} t JOIN ${runs} r USING (run_id)
          WHERE r.pipeline = $1 AND r.trigger <> 'airflow' AND t.state IN ('queued', 'running', 'up_for_retry')`,
        [pipeline],
      );
      return rows;
    },

    /** Fails a task whose job the queue gave up on, if it is still that job's and still active. */
    async failAbandonedTask(
      db: Queryable,
      runId: string,
      task: string,
      jobId: string,
      why: string,
    ): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = 'failed', finished_at = now(), error = coalesce(error || '; ', '') || $4
          WHERE run_id = $1 AND task = $2 AND job_id = $3 AND state IN ('queued', 'running', 'up_for_retry')`,
        [runId, task, jobId, why],
      );
    },

    async readLog(
      db: Queryable,
      runId: string,
      task: string,
    ): Promise<{ log: string; state: TaskState } | undefined> {
      const { rows } = await db.query<{ log: string; state: TaskState }>(
        `SELECT log, state FROM ${tasks} WHERE run_id = $1 AND task = $2`,
        [runId, task],
      );
      return rows[0];
    },

    async appendLog(db: Queryable, runId: string, task: string, text: string): Promise<void> {
      if (text.length === 0) return;
      await db.query(`UPDATE ${tasks} SET log = log || $3 WHERE run_id = $1 AND task = $2`, [
        runId,
        task,
        text,
      ]);
    },

    /**
     * Claims a task instance for an attempt: queued, waiting for a retry, or left running by a worker
     * that died. Returns the attempt number, or undefined if the task is finished or was cleared.
     */
    async startAttempt(
      db: Queryable,
      runId: string,
      task: string,
      jobId: string | null,
    ): Promise<number | undefined> {
      const { rows } = await db.query<{ attempts: number }>(
        `UPDATE ${tasks}
            SET state = 'running', attempts = attempts + 1, started_at = now(), finished_at = NULL, error = NULL,
                job_id = coalesce($3, job_id),
                log = log || format(E'--- attempt %s at %s ---\\n', attempts + 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
          WHERE run_id = $1 AND task = $2 AND state IN ('pending', 'queued', 'running', 'up_for_retry')
          RETURNING attempts`,
        [runId, task, jobId],
      );
      if (rows[0]) {
        await db.query(
          `UPDATE ${runs} SET state = 'running', started_at = coalesce(started_at, now()) WHERE run_id = $1 AND state = 'queued'`,
          [runId],
        );
      }
      return rows[0]?.attempts;
    },

    async finishAttempt(db: Queryable, runId: string, task: string, outcome: AttemptOutcome): Promise<void> {
      await db.query(
        `UPDATE ${tasks} SET state = $3, finished_at = now(), rows_moved = $4, error = $5
          WHERE run_id = $1 AND task = $2 AND state = 'running'`,
        [runId, task, outcome.state, outcome.rows ?? null, outcome.error ?? null],
      );
    },

    // What the web UI and /metrics read.

    /** A page of a pipeline's runs, newest first: the latest, or those before a run (the grid's paging). */
    async runsPage(
      db: Queryable,
      pipeline: string,
      limit: number,
      before?: { intervalEnd: Date; runId: string },
    ): Promise<{ runs: RunRow[]; older: boolean }> {
      const { rows } = await db.query<RunRow>(
        `SELECT * FROM ${runs} WHERE pipeline = $1
            AND ($2::timestamptz IS NULL OR (interval_end, run_id) < ($2::timestamptz, $3::bigint))
          ORDER BY interval_end DESC, run_id DESC LIMIT $4`,
        [pipeline, before?.intervalEnd ?? null, before?.runId ?? null, limit + 1],
      );
      return { runs: rows.slice(0, limit), older: rows.length > limit };
    },

    /** The latest `limit` runs of each of these pipelines, newest first. */
    async latestRunsOf(db: Queryable, pipelines: readonly string[], limit: number): Promise<RunRow[]> {
      const { rows } = await db.query<RunRow>(
        `SELECT r.* FROM unnest($1::text[]) AS p(name)
           CROSS JOIN LATERAL (SELECT * FROM ${runs} WHERE pipeline = p.name
                                ORDER BY interval_end DESC, run_id DESC LIMIT $2) r`,
        [pipelines, limit],
      );
      return rows;
    },

    /** One task instance with its log: from character `from` on (a live tail), and the log's length. */
    async readTaskLog(
      db: Queryable,
      runId: string,
      task: string,
      from = 0,
    ): Promise<(TaskRow & { log: string; logLength: number }) | undefined> {
      const { rows } = await db.query<TaskRow & { log: string; log_length: number }>(
        `SELECT run_id, task, state, attempts, max_attempts, job_id, started_at, finished_at, rows_moved, error,
                substr(log, $3::int + 1) AS log, length(log) AS log_length
           FROM ${tasks} WHERE run_id = $1 AND task = $2`,
        [runId, task, from],
      );
      const row = rows[0];
      if (!row) return undefined;
      const { log_length, ...rest } = row;
      return { ...rest, logLength: log_length };
    },

    /**
     * Changes when anything a page of the history shows changes: a run created, a run's or task's
     * state, attempts or rows while the run is in progress, a run finishing or cleared again.
     */
    async changeMark(db: Queryable): Promise<string> {
      const { rows } = await db.query<{ mark: string }>(
        // The newest finish moves even when a run starts and finishes between two reads (the set of
        // active runs is then the same before and after).
        `SELECT coalesce((SELECT max(run_id) FROM ${runs}), 0) || '/' ||
           coalesce((SELECT max(finished_at) FROM ${runs})::text, '') || '/' || md5(coalesce(
           (SELECT string_agg(r.run_id || r.state || coalesce(t.s, ''), ',' ORDER BY r.run_id)
              FROM ${runs} r LEFT JOIN LATERAL (
                SELECT string_agg(task || ':' || state || ':' || attempts || ':' || coalesce(rows_moved, -1), ';' ORDER BY task) AS s
                  FROM ${tasks} WHERE run_id = r.run_id) t ON true
             WHERE r.state IN ('queued', 'running')), '')) AS mark`,
      );
      return rows[0]!.mark;
    },

    /** Runs per pipeline and state. */
    async runCounts(db: Queryable): Promise<{ pipeline: string; state: RunState; runs: number }[]> {
      const { rows } = await db.query<{ pipeline: string; state: RunState; n: string }>(
        `SELECT pipeline, state, count(*) AS n FROM ${runs} GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      return rows.map((r) => ({ pipeline: r.pipeline, state: r.state, runs: Number(r.n) }));
    },

    /** Finished task instances per pipeline, task and state: how many, their seconds, the latest one's. */
    async taskTotals(db: Queryable): Promise<
      {
        pipeline: string;
        task: string;
        state: TaskState;
        count: number;
        seconds: number;
        lastSeconds: number;
        lastFinishedAt: Date;
      }[]
    > {
      const { rows } = await db.query<{
        pipeline: string;
        task: string;
        state: TaskState;
        n: string;
        seconds: number;
        last_seconds: number;
        last_finished_at: Date;
      }>(
        `SELECT r.pipeline, t.task, t.state, count(*) AS n,
                sum(extract(epoch FROM t.finished_at - t.started_at))::float8 AS seconds,
                (array_agg(extract(epoch FROM t.finished_at - t.started_at)::float8 ORDER BY t.finished_at DESC))[1] AS last_seconds,
                max(t.finished_at) AS last_finished_at
           FROM ${tasks} t JOIN ${runs} r USING (run_id)
          WHERE t.state IN ('succeeded', 'failed') AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      return rows.map((r) => ({
        pipeline: r.pipeline,
        task: r.task,
        state: r.state,
        count: Number(r.n),
        seconds: r.seconds,
        lastSeconds: r.last_seconds,
        lastFinishedAt: r.last_finished_at,
      }));
    },
  };
}
