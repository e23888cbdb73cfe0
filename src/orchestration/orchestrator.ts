// What every orchestration command works with: the config and its pipelines, a pool on the
// database that holds run history (the target's, or orchestration.database), and the job queue.
import type { PgBoss } from 'pg-boss';
import { targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { connectPostgres, postgresPool, type PgPool } from '../connectors/postgres/connect.js';
import type { Logger } from '../observability/logger.js';
import { openQueue } from './queue.js';
import { ensureRunTables } from './store.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';

export interface Orchestrator {
  config: FerryConfig;
  configPath: string;
  logger: Logger;
  pool: PgPool;
  boss: PgBoss;
  close(): Promise<void>;
}

export function historyConnection(config: FerryConfig): ConnectionSpec {
  const url = config.orchestration.database;
  if (!url) return targetConnection(config.target);
  return targetConnection({
    url,
    schema: 'public',
    connect_timeout: config.target.connect_timeout,
    stall_timeout: config.target.stall_timeout,
  });
}

/** A pool on the run history, its tables created if missing. */
export async function openHistory(config: FerryConfig, logger: Logger, size = 6): Promise<PgPool> {
  const spec = historyConnection(config);
  const setup = await connectPostgres(spec);
  try {
    await ensureRunTables(setup);
  } finally {
    await setup.end().catch(() => undefined);
  }
  const pool = postgresPool(spec, size);
  pool.on('error', (error) => logger.warn({ err: error }, 'run history connection lost'));
  return pool;
}

export async function openOrchestrator(
  config: FerryConfig,
  configPath: string,
  logger: Logger,
): Promise<Orchestrator> {
  const pool = await openHistory(config, logger);
  let boss: PgBoss;
  try {
    boss = await openQueue(historyConnection(config), config.orchestration.queue_schema, logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    config,
    configPath,
    logger,
    pool,
    boss,
    async close() {
      await boss.stop({ graceful: true, timeout: 10_000 }).catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
