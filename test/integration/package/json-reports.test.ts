// --json on every command that prints a report, as docs/cli.md#json-output promises: one JSON object
// on stdout and nothing else, camelCase keys (data-keyed maps aside), times as ISO 8601 with zone,
// and the exit code the command has without --json.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runFerry, type CliResult } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

/** Maps keyed by the user's data (table, column, operation and parameter names): their keys are not ferry's. */
const DATA_MAPS = new Set([
  'rows',
  'counts',
  'keys',
  'byOperation',
  'params',
  'row',
  'primaryKey',
  'samples',
]);
const TIME_KEY = /(At|Start|End)$|^nextRun$|^start$/;
const ISO_WITH_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const ZONELESS_TIME = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/** What breaks the conventions in a document, by path. */
function conventionProblems(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => conventionProblems(v, `${path}[${i}]`));
  if (typeof value === 'string')
    return ZONELESS_TIME.test(value) ? [`${path}: a time without its zone (${value})`] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const at = `${path}.${key}`;
    const problems = /^[a-z][a-zA-Z0-9]*$/.test(key) ? [] : [`${at}: not a camelCase key`];
    if (TIME_KEY.test(key) && !(v === null || (typeof v === 'string' && ISO_WITH_ZONE.test(v))))
      problems.push(`${at}: a time must be ISO 8601 with its zone or null, not ${JSON.stringify(v)}`);
    return DATA_MAPS.has(key) ? problems : [...problems, ...conventionProblems(v, at)];
  });
}

let db: TestDatabases;
let config: string;

/** Runs a command with --json and returns its one document, checked against the conventions. */
async function report(
  args: string[],
  exitCodes: number[] = [0],
): Promise<{ doc: Record<string, unknown>; run: CliResult }> {
  const run = await runFerry(['--config', config, ...args, '--json']);
  expect(exitCodes, `${args.join(' ')} exited ${run.code}: ${run.stderr}`).toContain(run.code);
  const doc = JSON.parse(run.stdout) as unknown; // throws on anything but one JSON document
  expect(typeof doc === 'object' && doc !== null && !Array.isArray(doc), `${args.join(' ')}: an object`).toBe(
    true,
  );
  expect(conventionProblems(doc), args.join(' ')).toEqual([]);
  return { doc: doc as Record<string, unknown>, run };
}

beforeAll(async () => {
  db = await createTestDatabases('json');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-json-'));
  config = join(dir, 'ferry.yaml');
  writeFileSync(
    config,
    `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw_shop }
streams:
  - { table: orders, mode: incremental, cursor: updated_at }
  - table: order_items
    checks: [{ column: quantity, max: 2 }]
  - { table: '*' }
transform: { models: "${REPO_ROOT}src/init/templates/models", schema: analytics, sources: { shop: raw_shop }, threads: 2 }
pipelines:
  nightly:
    schedule: '0 3 * * *'
    timezone: Europe/Berlin
    tasks:
      hello: { kind: shell, command: 'echo hello' }
      after: { kind: shell, command: 'true', depends_on: [hello] }
`,
  );
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe('--json', () => {
  it('replication: seed, doctor, sync, verify and the quarantine', async () => {
    const seed = await report(['seed', '--scale', '0.01']);
    expect(seed.doc.totalRows).toBeGreaterThan(1000);
    const doctor = await report(['doctor'], [0, 1]);
    expect(doctor.doc.ready).toBe(doctor.run.code === 0);

    const sync = await report(['sync']);
    expect(sync.doc.status).toBe('succeeded');
    const items = (sync.doc.streams as { stream: string; rowsQuarantined: number }[]).find(
      (s) => s.stream === 'order_items',
    );
    expect(items?.rowsQuarantined).toBeGreaterThan(0);
    const plan = await report(['plan'], [0, 1]);
    expect((plan.doc.streams as unknown[]).length).toBeGreaterThan(0);
    const repaired = await report(['repair', '--dry-run'], [0, 1]);
    expect(repaired.doc.dryRun).toBe(true);
    const status = await report(['status'], [0, 1]);
    expect(status.doc.healthy).toBe(status.run.code === 0);
    expect((status.doc.streams as { stream: string }[]).map((s) => s.stream)).toContain('orders');
    const verify = await report(['verify'], [0, 1]);
    expect(verify.doc.inSync).toBe(verify.run.code === 0);

    const list = await report(['quarantine', 'list', '--limit', '2']);
    const [first] = list.doc.entries as { id: number; quarantinedAt: string }[];
    expect(first?.quarantinedAt).toMatch(ISO_WITH_ZONE);
    await report(['quarantine', 'show', String(first!.id)]);
    const replay = await report(['quarantine', 'replay', '--dry-run', '--id', String(first!.id)], [1]);
    expect(replay.doc.dryRun).toBe(true);
    const discard = await report(['quarantine', 'discard', '--id', String(first!.id), '--note', 'test']);
    expect(discard.doc).toEqual({ discarded: 1 });
    const simulate = await report(['simulate', '--operations', '5']);
    expect(simulate.doc.operations).toBe(5);
  });

  it('models: models list and transform', async () => {
    const models = await report(['models', 'list']);
    expect((models.doc.models as { name: string }[]).map((m) => m.name)).toEqual([
      'paid_orders',
      'customer_revenue',
    ]);
    const transform = await report(['transform']);
    expect(transform.doc.status).toBe('succeeded');
  });

  it('pipelines: pipelines, trigger, task run, runs, runs retry and backfill', async () => {
    const pipelines = await report(['pipelines']);
    expect(pipelines.doc.pipelines).toMatchObject([
      {
        name: 'nightly',
        timezone: 'Europe/Berlin',
        tasks: [{ name: 'hello' }, { name: 'after', upstream: ['hello'] }],
      },
    ]);
    const trigger = await report(['trigger', 'nightly', '--wait']);
    const [run] = trigger.doc.runs as { runId: number; state: string; tasks: { state: string }[] }[];
    expect(run).toMatchObject({
      state: 'succeeded',
      tasks: [{ state: 'succeeded' }, { state: 'succeeded' }],
    });
    expect(typeof run!.runId).toBe('number');
    const task = await report(['task', 'run', 'nightly', 'hello', '--run-id', String(run!.runId)]);
    expect(task.doc).toMatchObject({
      pipeline: 'nightly',
      task: 'hello',
      runId: run!.runId,
      state: 'succeeded',
    });
    const retry = await report(['runs', 'retry', String(run!.runId), '--from', 'after']);
    expect(retry.doc.cleared).toEqual(['after']);
    const backfill = await report([
      'backfill',
      'nightly',
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-04T00:00:00Z',
      '--no-wait',
    ]);
    expect((backfill.doc.runs as unknown[]).length).toBe(2);
    const runs = await report(['runs', 'nightly', '--limit', '5']);
    expect((runs.doc.runs as unknown[]).length).toBe(3);
  });

  it('init', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-json-init-'));
    const init = await runFerry(['init', dir, '--json']);
    expect(init.code).toBe(0);
    expect(conventionProblems(JSON.parse(init.stdout))).toEqual([]);
  });
});
