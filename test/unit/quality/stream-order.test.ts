import { describe, expect, it } from 'vitest';
import { orderByRelationships } from '../../../src/quality/stream-order.js';
import type { CheckRule } from '../../../src/quality/check-rules.js';

const ref = (stream: string): CheckRule => ({
  column: 'x',
  severity: 'quarantine',
  relationship: { stream, column: 'id' },
});
const s = (name: string, ...parents: string[]) => ({ name, checks: parents.map(ref) });

describe('stream order for relationship checks', () => {
  it('puts parents before their children and keeps the given order otherwise', () => {
    const order = orderByRelationships(
      [s('items', 'orders'), s('big'), s('orders', 'customers'), s('customers')],
      (x) => x,
    );
    expect(order.queue.map((x) => x.name)).toEqual(['customers', 'orders', 'items', 'big']);
  });

  it('ignores self references and parents outside the run, and survives cycles', () => {
    const order = orderByRelationships([s('a', 'b', 'a'), s('b', 'a'), s('c', 'elsewhere')], (x) => x);
    expect(order.queue.map((x) => x.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('starts a child only after its parent finished, even when the parent fails', async () => {
    const order = orderByRelationships([s('parent'), s('child', 'parent')], (x) => x);
    const events: string[] = [];
    let release!: () => void;
    const parent = order
      .run('parent', async () => {
        await new Promise<void>((r) => (release = r));
        events.push('parent done');
        throw new Error('parent failed');
      })
      .catch(() => undefined);
    const child = order.run('child', () => {
      events.push('child ran');
      return Promise.resolve();
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([]);
    release();
    await Promise.all([parent, child]);
    expect(events).toEqual(['parent done', 'child ran']);
  });
});
