// Relationship checks read the parent stream's target table, so within one run a parent is copied
// before its children: the queue puts parents first, and a child waits until its parents finished
// (succeeded or failed). Waiting never deadlocks, because a child is only taken after its parents.
import type { CheckRule } from './check-rules.js';

interface Ordered {
  name: string;
  checks: readonly CheckRule[];
}

export interface StreamOrder<T> {
  /** The items, parents before children, otherwise in the given order. */
  queue: T[];
  /** Runs a stream's work once its parents of this run have finished. */
  run<R>(name: string, work: () => Promise<R>): Promise<R>;
}

export function parentsOf(stream: Ordered): string[] {
  return [
    ...new Set(
      stream.checks.flatMap((c) =>
        c.relationship && c.relationship.stream !== stream.name ? [c.relationship.stream] : [],
      ),
    ),
  ];
}

export function orderByRelationships<T>(items: readonly T[], streamOf: (item: T) => Ordered): StreamOrder<T> {
  const byName = new Map(items.map((item) => [streamOf(item).name, item]));
  const queue: T[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (item: T) => {
    const name = streamOf(item).name;
    if (placed.has(name) || visiting.has(name)) return; // a cycle: no order between its members
    visiting.add(name);
    for (const parent of parentsOf(streamOf(item))) {
      const p = byName.get(parent);
      if (p) place(p);
    }
    visiting.delete(name);
    placed.add(name);
    queue.push(item);
  };
  for (const item of items) place(item);

  const position = new Map(queue.map((item, i) => [streamOf(item).name, i]));
  const finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  for (const name of position.keys()) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    finished.set(name, { promise, resolve });
  }
  return {
    queue,
    async run(name, work) {
      const mine = position.get(name) ?? -1;
      const parents = parentsOf(streamOf(byName.get(name)!)).filter(
        (p) => (position.get(p) ?? Infinity) < mine,
      );
      try {
        await Promise.all(parents.map((p) => finished.get(p)!.promise));
        return await work();
      } finally {
        finished.get(name)?.resolve();
      }
    },
  };
}
