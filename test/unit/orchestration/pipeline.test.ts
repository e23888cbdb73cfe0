import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { readiness } from '../../../src/orchestration/advance.js';
import { allPipelines, downstreamOf, pipelineNamed } from '../../../src/orchestration/pipeline.js';
import type { TaskState } from '../../../src/state/pipeline-runs.js';

const config = (pipelines: string) =>
  parseConfig(
    `source: { url: "mysql://u@127.0.0.1/shop" }\ntarget: { url: "postgres://u@127.0.0.1/w" }\npipelines:\n${pipelines}`,
    'ferry.yaml',
    { env: {} },
  );

function problemsOf(pipelines: string): string[] {
  try {
    allPipelines(config(pipelines));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [(error as ConfigError).message, ...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('pipelines from ferry.yaml', () => {
  it('infers dependencies: transform after every sync, verify after the syncs of its streams', () => {
    const p = pipelineNamed(
      config(`  p:
    tasks:
      models: { kind: transform, select: [marts] }
      check_orders: { kind: verify, streams: [orders] }
      sync_orders: { kind: sync, streams: [orders, order_items] }
      sync_rest: { kind: sync, streams: [customers] }
      notify: { kind: shell, command: 'true', depends_on: [models, check_orders], trigger_rule: all_done }
`),
      'p',
    );
    const byName = Object.fromEntries(p.tasks.map((t) => [t.name, t]));
    expect(byName.models?.upstream).toEqual(['sync_orders', 'sync_rest']);
    expect(byName.check_orders?.upstream).toEqual(['sync_orders']);
    expect(byName.sync_orders?.upstream).toEqual([]);
    expect(byName.notify?.triggerRule).toBe('all_done');
    // Dependency order: each task after its upstream tasks.
    const order = p.tasks.map((t) => t.name);
    for (const t of p.tasks)
      for (const u of t.upstream) expect(order.indexOf(u)).toBeLessThan(order.indexOf(t.name));
    expect([...downstreamOf(p, 'sync_rest')].sort()).toEqual(['models', 'notify', 'sync_rest']);
  });

  it('resolves retries, delays and timeouts from the task, the pipeline defaults, then ferry defaults', () => {
    const p = pipelineNamed(
      config(`  p:
    defaults: { retries: 5, timeout: 10m }
    tasks:
      a: { kind: sync, retry_delay: 2s }
      b: { kind: shell, command: 'true', retries: 0, timeout: 90s }
`),
      'p',
    );
    expect(p.tasks.map((t) => [t.name, t.retries, t.retryDelaySeconds, t.timeoutSeconds])).toEqual([
      ['a', 5, 2, 600],
      ['b', 0, 30, 90],
    ]);
    expect(p).toMatchObject({ timezone: 'UTC', catchup: false, maxActiveRuns: 1, concurrency: 4 });
  });

  it('names a dependency cycle', () => {
    expect(
      problemsOf(`  p:
    tasks:
      a: { kind: shell, command: 'true', depends_on: [c] }
      b: { kind: shell, command: 'true', depends_on: [a] }
      c: { kind: shell, command: 'true', depends_on: [b] }
`),
    ).toEqual(['pipeline p has a dependency cycle', 'pipelines.p.tasks: a -> c -> b -> a']);
  });

  it('lists unknown upstream tasks with the tasks there are, and catch-up without a start', () => {
    expect(
      problemsOf(`  p:
    catchup: true
    tasks:
      a: { kind: sync }
      b: { kind: verify, depends_on: [sink] }
`),
    ).toEqual([
      'pipeline p is not valid',
      'pipelines.p.tasks.b.depends_on: no task named "sink" (tasks: a, b)',
      'pipelines.p.start: required when catchup is true (the first interval to run)',
    ]);
  });

  it('says which pipelines exist when asked for another', () => {
    try {
      pipelineNamed(config(`  shop: { tasks: { a: { kind: sync } } }\n`), 'shp');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).message).toBe('no pipeline named "shp"');
      expect((error as ConfigError).hint).toBe('pipelines in the config: shop');
    }
  });

  it('rejects an unknown task kind and names that Airflow could not use', () => {
    expect(() => config(`  p: { tasks: { a: { kind: notify } } }\n`)).toThrow(ConfigError);
    expect(() => config(`  p: { tasks: { "a b": { kind: sync } } }\n`)).toThrow(ConfigError);
  });
});

it('runs a quality task after the syncs covering its streams, with max_quarantined 0 by default', () => {
  const p = pipelineNamed(
    config(`  p:
    tasks:
      s1: { kind: sync, streams: [a] }
      s2: { kind: sync, streams: [b] }
      gate: { kind: quality, streams: [b] }
`),
    'p',
  );
  const gate = p.tasks.find((t) => t.name === 'gate')!;
  expect(gate.upstream).toEqual(['s2']);
  expect(gate.spec).toMatchObject({ kind: 'quality', max_quarantined: 0 });
});

describe('readiness of a task', () => {
  const p = pipelineNamed(
    config(`  p:
    tasks:
      a: { kind: sync }
      b: { kind: shell, command: 'true', depends_on: [a] }
      c: { kind: shell, command: 'true', depends_on: [a], trigger_rule: all_done }
`),
    'p',
  );
  const [, b, c] = p.tasks;
  const states = (a: TaskState) => new Map<string, TaskState>([['a', a]]);

  it('waits while an upstream task is not finished', () => {
    for (const s of ['pending', 'queued', 'running', 'up_for_retry'] as const) {
      expect(readiness(b!, states(s))).toBe('wait');
      expect(readiness(c!, states(s))).toBe('wait');
    }
  });

  it('runs all_success tasks only after success, all_done tasks after any end', () => {
    expect(readiness(b!, states('succeeded'))).toBe('ready');
    expect(readiness(b!, states('failed'))).toBe('upstream_failed');
    expect(readiness(b!, states('upstream_failed'))).toBe('upstream_failed');
    expect(readiness(c!, states('failed'))).toBe('ready');
    expect(readiness(c!, states('succeeded'))).toBe('ready');
  });
});
