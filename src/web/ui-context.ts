// What every handler of the UI works with: the orchestrator (config, run history, job queue), a pool
// on the target database (replication state, quarantine, verify and transform history), the logger
// and the server's stop signal.
import type { PgPool } from '../connectors/postgres/connect.js';
import type { Logger } from '../observability/logger.js';
import type { Orchestrator } from '../orchestration/orchestrator.js';

export interface UiContext {
  orch: Orchestrator;
  target: PgPool;
  logger: Logger;
  signal: AbortSignal;
  now(): Date;
}

/** An error with the HTTP status it answers with (404 for what is not there, 400 for bad input). */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
