// The run's reader/writer connection pairs, shared by the streams: a stream takes one for its
// whole run, and a full refresh borrows the idle ones to copy several primary-key ranges at once.
// Every reader belongs to the run's one consistent snapshot, so any pair may read any range.
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { PgClient } from '../connectors/postgres/connect.js';

/** One reader connection (inside the run's snapshot) and one writer connection. */
export interface ConnectionPair {
  source: MysqlConnection;
  target: PgClient;
}

export interface PairPool {
  /** Waits for a pair; undefined when every pair has been retired. */
  acquire(): Promise<ConnectionPair | undefined>;
  /** A pair that is idle now and that no stream is waiting for, or undefined. */
  borrow(): ConnectionPair | undefined;
  release(pair: ConnectionPair): void;
  /** Takes a pair out of service (its session may be in an unknown state after a failure). */
  retire(pair: ConnectionPair): void;
}

export function createPairPool(pairs: readonly ConnectionPair[]): PairPool {
  const idle = [...pairs];
  let live = pairs.length;
  const waiting: ((pair: ConnectionPair | undefined) => void)[] = [];
  return {
    acquire() {
      const pair = idle.shift();
      if (pair) return Promise.resolve(pair);
      if (live === 0) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
    borrow() {
      return waiting.length === 0 ? idle.shift() : undefined;
    },
    release(pair) {
      const next = waiting.shift();
      if (next) next(pair);
      else idle.push(pair);
    },
    retire() {
      live--;
      if (live === 0) for (const w of waiting.splice(0)) w(undefined);
    },
  };
}
