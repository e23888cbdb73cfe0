// A real history for the web UI's tests, made by ferry itself in per-test databases: pipeline runs
// (syncs whose checks quarantine rows, a quality gate that fails on them, shell tasks), a verify run
// that finds a changed row, a transform run with data tests, and a table, a column and a model named
// like an HTML injection. Then `ferry server` (or `ferry ui`) serves it on a free port.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfigFile } from '../../../src/config/load.js';
import { compileProject, type Project } from '../../../src/config/project.js';
import { createLogger } from '../../../src/observability/logger.js';
import { runUntilDone, triggerRun } from '../../../src/orchestration/operations.js';
import { openOrchestrator } from '../../../src/orchestration/orchestrator.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { runTransform } from '../../../src/transform/run.js';
import { verify } from '../../../src/verify/verify.js';
import { spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { stopProcess } from '../orchestration/fixture.js';

/** A name that would run script if a page put it into HTML unescaped. */
export const XSS = '<img src=x onerror=alert(1)>';
export const PASSWORD = 'ferry-dev-pw';

export interface WebFixture {
  db: TestDatabases;
  dir: string;
  configPath: string;
  project: Project;
  /** Ids of the two quarantined items rows (qty 0): [first, second]. */
  quarantined: number[];
  runs: { shop: string[]; hello: string[] };
  cleanup(): Promise<void>;
}

const ITEMS = 30;

function configText(db: TestDatabases, models: string): string {
  return `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw }
streams:
  - table: items
    mode: incremental
    cursor: updated_at
    checks:
      - { column: qty, min: 1 }
  - { table: "*" }
pipelines:
  shop:
    defaults: { retries: 0 }
    tasks:
      sync: { kind: sync }
      quality: { kind: quality, max_quarantined: 1 }
      report: { kind: shell, command: 'echo "report for run $FERRY_RUN_ID"', depends_on: [quality] }
  nightly:
    schedule: '30 2 * * *'
    timezone: Europe/Berlin
    tasks:
      backup: { kind: shell, command: 'echo "backup of $FERRY_INTERVAL_END"' }
  hello:
    defaults: { retries: 0 }
    tasks:
      greet: { kind: shell, command: 'for i in 1 2 3 4 5; do echo "line $i"; sleep 1; done' }
transform:
  models: "${models}"
  schema: analytics
  sources: { shop: raw }
  threads: 2
`;
}

function writeModels(dir: string): string {
  const models = join(dir, 'models');
  mkdirSync(models, { recursive: true });
  writeFileSync(
    join(models, 'stg_items.sql'),
    `{{ config(materialized='view') }}\nselect id, name, qty from {{ source('shop', 'items') }}\n`,
  );
  writeFileSync(join(models, `${XSS}.sql`), `select id, qty from {{ ref('stg_items') }} where qty > 2\n`);
  writeFileSync(
    join(models, 'item_totals.sql'),
    `{{ config(materialized='table') }}\nselect qty, count(*) as items from {{ ref('stg_items') }} group by qty\n`,
  );
  mkdirSync(join(models, 'tests'));
  // Fails: some items have a quantity of 3.
  writeFileSync(
    join(models, 'tests', 'small_quantities.sql'),
    `select * from {{ ref('stg_items') }} where qty > 2\n`,
  );
  writeFileSync(
    join(models, 'schema.yml'),
    `version: 2
models:
  - name: stg_items
    columns:
      - name: id
        tests: [not_null, unique]
      - name: qty
        tests:
          - accepted_values: { values: [1, 2, 3] }
`,
  );
  return models;
}

export async function webFixture(label: string): Promise<WebFixture> {
  const db = await createTestDatabases(label);
  await db.source.query(
    'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(60) NOT NULL, qty INT NOT NULL, updated_at DATETIME(3) NOT NULL)',
  );
  const rows = Array.from({ length: ITEMS }, (_, i) => [
    i + 1,
    i === 4 ? '<script>alert("item")</script>' : `item ${i + 1}`,
    i === 6 || i === 11 ? 0 : (i % 3) + 1,
    '2026-01-01 00:00:00.000',
  ]);
  await db.source.query('INSERT INTO items (id, name, qty, updated_at) VALUES ?', [rows]);
  await db.source.query(`CREATE TABLE \`${XSS}\` (id INT PRIMARY KEY, \`${XSS}\` VARCHAR(40))`);
  await db.source.query(`INSERT INTO \`${XSS}\` VALUES (1, '${XSS}'), (2, 'plain')`);

  const dir = mkdtempSync(join(tmpdir(), `ferry-${label}-`));
  const configPath = join(dir, 'ferry.yaml');
  writeFileSync(configPath, configText(db, writeModels(dir)));
  const project = compileProject(loadConfigFile(configPath, { env: {} }), configPath);
  const state = ferryState();
  // At info, so the task logs of the history have their lines (the attempt logger takes this level).
  const logger = createLogger({
    level: 'info',
    format: 'json',
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const signal = new AbortController().signal;

  const orch = await openOrchestrator(project, state, logger);
  const runs = { shop: [] as string[], hello: [] as string[] };
  try {
    for (let i = 0; i < 2; i++) {
      const runId = await triggerRun(orch, 'shop', {});
      await runUntilDone(orch, [runId], signal);
      runs.shop.push(runId);
    }
    const hello = await triggerRun(orch, 'hello', { who: XSS });
    await runUntilDone(orch, [hello], signal);
    runs.hello.push(hello);
  } finally {
    await orch.close();
  }
  // A row changed in the target behind ferry's back: verify finds it, with both values.
  await db.target.query(`UPDATE raw.items SET name = 'changed in the target' WHERE id = 3`);
  await verify({ project, state, logger, signal });
  await runTransform({ project, state, logger, signal });

  const { rows: entries } = await db.target.query<{ id: string }>(
    `SELECT id FROM _ferry.quarantine WHERE stream = 'items' ORDER BY id`,
  );
  return {
    db,
    dir,
    configPath,
    project,
    quarantined: entries.map((e) => Number(e.id)),
    runs,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

export interface RunningUi {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `ferry <command> --port 0` on the fixture and waits for the address it prints. */
export async function startFerryUi(
  f: Pick<WebFixture, 'configPath'>,
  command: 'server' | 'ui',
  options: { env?: NodeJS.ProcessEnv; args?: string[] } = {},
): Promise<RunningUi> {
  const args = ['-c', f.configPath, command, '--port', '0', ...(command === 'server' ? ['--tick', '1'] : [])];
  const child = spawnFerry([...args, ...(options.args ?? [])], {
    env: { FERRY_UI_TOKEN: '', ...options.env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ferry ${command} did not start in 60 s:\n${out}`)),
      60_000,
    );
    const check = () => {
      const m = /ferry UI: (http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry ${command} exited with ${code}:\n${out}`));
    });
  });
  return { url, process: child, output: () => out, stop: () => stopProcess(child) };
}
