// Runs work inside one PostgreSQL transaction on a client: committed when it returns, rolled back
// when it throws (a failed COPY, a check that says fail, a cancel). retryTransaction runs the whole
// transaction again after a deadlock or a serialization failure, for work that is safe to repeat.
//
// Retries are per transaction, never per statement: after 40001 or 40P01 PostgreSQL has aborted
// the whole transaction, so only running it again from BEGIN can succeed. A connection lost while
// COMMIT was on its way leaves the outcome unknown (CommitUnknownError): the caller reads back what
// the transaction wrote, on a new connection, before it decides to run the work again.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { CommitUnknownError, FerryError, messageOf } from '../../errors.js';
import { lostReason, postgresErrorOf } from './connect.js';

/** A client or a pool's client: anything that runs queries on one connection. */
export async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  // A connection already known broken never sent COMMIT: the server rolled the transaction back.
  const lost = lostReason(client);
  if (lost) throw lost;
  try {
    await client.query('COMMIT');
  } catch (raw) {
    const error = postgresErrorOf(client, raw);
    if (serverRefused(error)) throw error;
    throw new CommitUnknownError(
      `the connection was lost while COMMIT was on its way, so the transaction may or may not have committed (${messageOf(error)})`,
      {
        cause: error,
        hint: 'running the command again is safe: ferry reads back its state before it goes on',
        ...(error instanceof FerryError && error.code ? { code: error.code } : {}),
      },
    );
  }
  return result;
}

/** The server answered COMMIT with an ERROR (a deferred constraint, a serialization failure): nothing was committed. */
function serverRefused(error: unknown): boolean {
  const cause = error instanceof FerryError ? error.cause : error;
  return (cause as { severity?: unknown } | undefined)?.severity === 'ERROR';
}

/** SQLSTATEs after which PostgreSQL rolled the whole transaction back and running it again may succeed. */
export const RERUN_TRANSACTION: ReadonlySet<string> = new Set(['40001', '40P01']);

export interface RetryTransactionOptions {
  /**
   * The work reads what it needs inside the transaction and has no effect outside it (no rows
   * already handed on, no files written), so running it again from BEGIN is correct.
   */
  safeToRepeat: boolean;
  /** Runs in all, the first included; default 3. */
  attempts?: number;
  /** The first wait; each later one doubles, with jitter; default 50 ms. */
  delayMs?: number;
  signal?: AbortSignal;
  /** Told before each new run. */
  onRetry?: (error: FerryError, attempt: number) => void;
}

/** inTransaction, run again from BEGIN after a deadlock or serialization failure when the work is safe to repeat. */
export async function retryTransaction<T>(
  client: pg.ClientBase,
  fn: () => Promise<T>,
  options: RetryTransactionOptions,
): Promise<T> {
  const attempts = options.attempts ?? 3;
  const delayMs = options.delayMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(client, fn);
    } catch (error) {
      const again =
        options.safeToRepeat &&
        attempt < attempts &&
        !options.signal?.aborted &&
        error instanceof FerryError &&
        error.code !== undefined &&
        RERUN_TRANSACTION.has(error.code);
      if (!again) throw error;
      options.onRetry?.(error, attempt + 1);
      // Equal jitter: half the doubled delay for sure, the other half at random, so that the
      // sessions of a deadlock do not meet again at the same moment.
      const wait = delayMs * 2 ** (attempt - 1);
      await sleep(
        wait / 2 + (Math.random() * wait) / 2,
        undefined,
        options.signal ? { signal: options.signal } : {},
      );
    }
  }
}
