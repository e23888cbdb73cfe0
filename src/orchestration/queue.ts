// The job queue under ferry's workers: pg-boss in its own schema beside `_ferry` (see
// docs/decisions/0004-orchestration-queue.md). One queue; a job is one attempt-series of one task
// instance, with the task's retries, backoff, timeout and a heartbeat so that the job of a worker
// that died is handed to another worker.
import { PgBoss, type Db as IDatabase } from 'pg-boss';
import type { Logger } from '../observability/logger.js';
import { messageOf } from '../errors.js';
import type { PipelineTask } from './pipeline.js';
import { describeConnection, type ConnectionSpec } from '../connectors/connection-spec.js';
import { postgresClientConfig, type Queryable } from '../connectors/postgres/connect.js';
import { postgresConnectError } from '../connectors/postgres/postgres-errors.js';

export const TASK_QUEUE = 'ferry-task';

/** A worker that stops sending heartbeats for this long is taken for dead and its job retried. */
export const HEARTBEAT_SECONDS = 10;

export interface TaskJob {
  runId: string;
  task: string;
}

export async function openQueue(spec: ConnectionSpec, schema: string, logger: Logger): Promise<PgBoss> {
  // The same connection options as every other PostgreSQL connection (TLS CA, client certificate
  // and key included): a history database behind a private CA works for the queue too.
  const boss = new PgBoss({
    ...postgresClientConfig(spec),
    schema,
    max: 4,
    schedule: false, // ferry reads schedules itself (croner), to the second and in any time zone
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    registerInstance: false,
  });
  boss.on('error', (error: unknown) => logger.warn({ err: error }, `job queue: ${messageOf(error)}`));
  try {
    await boss.start();
  } catch (error) {
    throw postgresConnectError(error, describeConnection(spec));
  }
  await boss.createQueue(TASK_QUEUE, { heartbeatSeconds: HEARTBEAT_SECONDS });
  return boss;
}

/** pg-boss statements on the caller's connection, so a job commits with the state that queued it. */
export function inTransaction(client: Queryable): IDatabase {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await client.query(text, values);
      return { rows: result.rows as unknown[] };
    },
  };
}

export async function enqueueTask(
  boss: PgBoss,
  client: Queryable,
  job: TaskJob,
  task: PipelineTask,
  attemptsLeft: number,
): Promise<string | null> {
  return boss.send(
    TASK_QUEUE,
    { ...job },
    {
      db: inTransaction(client),
      retryLimit: Math.max(0, attemptsLeft - 1),
      retryDelay: Math.max(1, Math.round(task.retryDelaySeconds)),
      retryBackoff: true,
      retryDelayMax: 3600,
      // A little longer than the task's own timeout, which stops the attempt first and records why.
      expireInSeconds: Math.ceil(task.timeoutSeconds) + 30,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    },
  );
}
