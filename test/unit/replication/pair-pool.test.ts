// The run's connection pairs: streams wait for a pair, full refreshes borrow only idle ones that no
// stream is waiting for, and retired pairs are never handed out again.
import { describe, expect, it } from 'vitest';
import { type ConnectionPair, createPairPool } from '../../../src/replication/pair-pool.js';

const pair = (name: string) => ({ source: name, target: name }) as unknown as ConnectionPair;

describe('the pair pool', () => {
  it('hands out idle pairs, then makes acquirers wait for a release', async () => {
    const a = pair('a');
    const b = pair('b');
    const pool = createPairPool([a, b]);
    expect(await pool.acquire()).toBe(a);
    expect(pool.borrow()).toBe(b);
    let got: ConnectionPair | undefined;
    const waiting = pool.acquire().then((p) => (got = p));
    await Promise.resolve();
    expect(got).toBeUndefined();
    pool.release(b);
    await waiting;
    expect(got).toBe(b);
  });

  it('lends nothing while a stream waits for a pair', async () => {
    const a = pair('a');
    const pool = createPairPool([a]);
    await pool.acquire();
    const waiting = pool.acquire();
    expect(pool.borrow()).toBeUndefined();
    pool.release(a);
    expect(await waiting).toBe(a);
  });

  it('answers undefined to waiters once every pair is retired', async () => {
    const a = pair('a');
    const pool = createPairPool([a]);
    await pool.acquire();
    const waiting = pool.acquire();
    pool.retire(a);
    expect(await waiting).toBeUndefined();
    expect(await pool.acquire()).toBeUndefined();
    expect(pool.borrow()).toBeUndefined();
  });
});
