// Who may write what at once (table family locks): session advisory locks in the target database,
// keyed by what they guard (one stream of a target schema, one transform schema), with a row saying
// who holds each so that a second process can tell the user. Advisory locks live in one database,
// so two spellings of the server's address (localhost, 127.0.0.1) still exclude each other.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable } from '../connectors/postgres/connect.js';
import { LockError } from '../errors.js';
import { qualifiedPg } from '../schema/identifiers.js';

export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

/** Lock names, built in one place: if two of them drifted, two writers would stop excluding each other. */
export const lockNames = {
  /** Writing one stream's target table and its state (sync, replay, repair, a CDC stream). */
  stream: (targetSchema: string, table: string) => `stream ${targetSchema}.${table}`,
  /** Building the models of one schema (their _ferry_new_ tables would collide). */
  transform: (modelSchema: string) => `transform ${modelSchema}`,
  /** Moving the runs of one pipeline forward (a transaction lock). */
  pipeline: (pipeline: string) => `ferry pipeline ${pipeline}`,
};

export interface HeldLocks {
  readonly names: readonly string[];
  release(): Promise<void>;
}

export type LocksTable = ReturnType<typeof locksTable>;

export function locksTable(schema: string) {
  const locks = qualifiedPg(schema, 'locks');

  async function holderOf(db: Queryable, key: string): Promise<string | undefined> {
    const { rows } = await db.query<{ holder: string; acquired_at: Date }>(
      `SELECT holder, acquired_at FROM ${locks} WHERE lock_key = $1::bigint`,
      [key],
    );
    const h = rows[0];
    return h ? `${h.holder}, since ${h.acquired_at.toISOString()}` : undefined;
  }

  return {
    /**
     * Takes every named lock on this session, or none: when one is held elsewhere the ones taken are
     * let go and a LockError names the holder. `what` says what the caller is ("ferry sync").
     */
    async acquire(db: Queryable, names: readonly string[], what: string): Promise<HeldLocks> {
      const taken: string[] = [];
      const release = async () => {
        for (const key of taken.splice(0).reverse()) {
          await db.query(`DELETE FROM ${locks} WHERE lock_key = $1::bigint`, [key]).catch(() => undefined);
          await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        }
      };
      const holder = `${what}, pid ${process.pid} on ${hostname()}`;
      for (const name of [...new Set(names)].sort()) {
        const key = lockKey(name).toString();
        const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
          key,
        ]);
        if (!rows[0]?.ok) {
          const by = await holderOf(db, key);
          await release();
          throw new LockError(`${name} is in use by another ferry process${by ? ` (${by})` : ''}`, {
            hint: 'wait for it to finish, or stop it; a lock is released when its process ends',
            transient: true,
          });
        }
        taken.push(key);
        await db.query(
          `INSERT INTO ${locks} (lock_key, holder) VALUES ($1::bigint, $2)
           ON CONFLICT (lock_key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now()`,
          [key, holder],
        );
      }
      return { names: [...names], release };
    },

    /** Of these locks, the ones another session holds now (this session must hold none of them). */
    async heldElsewhere(db: Queryable, names: readonly string[]): Promise<string[]> {
      const held: string[] = [];
      for (const name of names) {
        const key = lockKey(name).toString();
        const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
          key,
        ]);
        if (rows[0]?.ok) await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        else held.push(name);
      }
      return held;
    },

    /** A transaction lock: held until the caller's transaction ends (run inside one). */
    async inTransaction(db: Queryable, name: string): Promise<void> {
      await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(name).toString()]);
    },
  };
}
