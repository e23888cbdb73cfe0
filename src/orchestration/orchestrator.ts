// What every orchestration command works with: the config and its pipelines, a pool on the
// database that holds run history (the target's, or orchestration.database), and the job queue.
import type { PgBoss } from 'pg-boss';
import type { Project } from '../config/project.js';
import type { FerryConfig } from '../config/schema.js';
import { connectPostgres, postgresPool, type PgPool } from '../connectors/postgres/connect.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { FerryState } from '../state/ferry-state.js';
import { openQueue } from './queue.js';

export interface Orchestrator {
  project: Project;
  state: FerryState;
  config: FerryConfig;
  configPath: string;
  logger: Logger;
  pool: PgPool;
  boss: PgBoss;
  close(): Promise<void>;
}

/** A pool on the run history, its tables created or upgraded if needed. */
export async function openHistory(
  project: Pick<Project, 'history'>,
  state: FerryState,
  logger: Logger,
  size = 6,
): Promise<PgPool> {
  const spec = project.history;
  const setup = await connectPostgres(spec);
  try {
    await state.migrate(setup, 'history');
  } finally {
    await setup.end().catch(() => undefined);
  }
  const pool = postgresPool(spec, size);
  pool.on('error', (error) =>
    logger.warn({ err: error }, `run history connection lost: ${messageOf(error)}`),
  );
  return pool;
}

export async function openOrchestrator(
  project: Project,
  state: FerryState,
  logger: Logger,
): Promise<Orchestrator> {
  const pool = await openHistory(project, state, logger);
  let boss: PgBoss;
  try {
    boss = await openQueue(project.history, project.queueSchema, logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    project,
    state,
    config: project.config,
    configPath: project.configPath,
    logger,
    pool,
    boss,
    async close() {
      await boss.stop({ graceful: true, timeout: 10_000 }).catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
