// One `ferry sync` at a time per target schema: a session advisory lock, plus a row saying who holds it
// so that a second process can tell the user.
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { LockError } from '../../errors.js';
import type { PgClient } from './connect.js';

export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

export interface HeldLock {
  release(): Promise<void>;
}

/** Takes the lock on a dedicated session or throws a LockError naming the holder. */
export async function acquireLock(client: PgClient, name: string, what: string): Promise<HeldLock> {
  const key = lockKey(name).toString();
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
    key,
  ]);
  if (!rows[0]?.ok) {
    const holder = await client.query<{ holder: string; acquired_at: Date }>(
      `SELECT holder, acquired_at FROM "_ferry"."locks" WHERE lock_key = $1::bigint`,
      [key],
    );
    const h = holder.rows[0];
    throw new LockError(
      `another ${what} is running on ${name}${h ? ` (${h.holder}, since ${h.acquired_at.toISOString()})` : ''}`,
      {
        hint: 'wait for it to finish, or stop it; the lock is released when its process ends',
        transient: true,
      },
    );
  }
  const holder = `pid ${process.pid} on ${hostname()}`;
  await client.query(
    `INSERT INTO "_ferry"."locks" (lock_key, holder) VALUES ($1::bigint, $2) ON CONFLICT (lock_key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now()`,
    [key, holder],
  );
  return {
    async release() {
      await client
        .query(`DELETE FROM "_ferry"."locks" WHERE lock_key = $1::bigint`, [key])
        .catch(() => undefined);
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
    },
  };
}
