// Runs work inside one PostgreSQL transaction on a client: committed when it returns, rolled back
// when it throws (a failed COPY, a check that says fail, a cancel).
import type pg from 'pg';

/** A client or a pool's client: anything that runs queries on one connection. */
export async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
