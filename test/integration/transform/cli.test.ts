// ferry transform and ferry models from the command line: summaries, lineage, and errors that name
// the model file, the engine's message and what to do.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferryState } from '../../../src/state/ferry-state.js';
import { lockNames } from '../../../src/state/locks.js';
import type { TransformSummary } from '../../../src/transform/run.js';
import { runFerry } from '../../support/cli.js';
import type { TestDatabases } from '../../support/databases.js';
import { EXAMPLE_MODELS, seededShop } from './shop-project.js';

let db: TestDatabases;
let dir: string;

function configFile(name: string, models: string, engine = 'postgres'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw_shop }
transform: { models: "${models}", schema: ${name}, engine: ${engine}, sources: { shop: raw_shop }, threads: 2 }
`,
  );
  return file;
}

function modelsFolder(files: Record<string, string>): string {
  const folder = mkdtempSync(join(dir, 'models-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-transform-cli-'));
  db = await seededShop('tfcli');
}, 300_000);

afterAll(async () => {
  await db?.drop();
});

describe('ferry transform', () => {
  it('builds the selected models and their descendants, runs their tests and prints a summary', async () => {
    const config = configFile('cli_pg', EXAMPLE_MODELS);
    const result = await runFerry(['--config', config, 'transform', '--select', '+fct_orders']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.stdout).toMatch(/skipped: needs dim_customers, which is not built/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/fct_orders\s+│ incremental\s+│ built/);
    expect(result.stdout).toMatch(/unique\(order_id\)\s+│ fct_orders\s+│ pass/);
    expect(result.stdout).toMatch(
      /transform on postgres into schema cli_pg succeeded: 4\/4 models built, 6\/7 tests passed, 1 skipped/,
    );
    expect(result.stdout).not.toMatch(/dim_customers\s+│ table/);
  });

  it('reports failing data tests with their failing row count and exit code 1', async () => {
    const folder = modelsFolder({
      'orders.sql': "select id, status from {{ source('shop', 'orders') }}",
      'schema.yml':
        'models:\n  - name: orders\n    columns:\n      - name: status\n        tests:\n          - accepted_values: { values: [paid] }\n',
      'tests/no_orders.sql': "select * from {{ ref('orders') }} where id > 0",
    });
    const result = await runFerry(['--config', configFile('cli_tests', folder), 'transform', '--json']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as TransformSummary;
    const { rows } = await db.target.query(
      "SELECT count(*)::int AS n FROM raw_shop.orders WHERE status <> 'paid'",
    );
    const accepted = summary.tests.find((t) => t.test === 'accepted_values(status)')!;
    expect(accepted).toMatchObject({ model: 'orders', status: 'fail', failures: rows[0].n });
    // Three failing rows as examples, as JSON.
    expect(accepted.sample).toHaveLength(3);
    for (const row of accepted.sample!)
      expect((JSON.parse(row) as { status: string }).status).not.toBe('paid');
    expect(summary.tests.find((t) => t.test === 'no_orders')?.status).toBe('fail');
    const text = await runFerry(['--config', configFile('cli_tests', folder), 'transform']);
    expect(text.stdout).toMatch(
      /accepted_values\(status\) on orders: \d+ failing row\(s\), e\.g\.\n {2}\{"id":/,
    );
  });

  it('names the model file and the engine message of a SQL error, and skips its descendants', async () => {
    const folder = modelsFolder({
      'staging/bad.sql': "select no_such_column from {{ source('shop', 'orders') }}",
      'marts/after_bad.sql': "select * from {{ ref('bad') }}",
      'marts/fine.sql': "select count(*) as n from {{ source('shop', 'orders') }}",
    });
    for (const engine of ['postgres', 'duckdb']) {
      const result = await runFerry([
        '--config',
        configFile(`cli_err_${engine}`, folder, engine),
        'transform',
        '--json',
      ]);
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout) as TransformSummary;
      const bad = summary.models.find((m) => m.model === 'bad')!;
      expect(bad.status).toBe('failed');
      expect(bad.error).toMatch(new RegExp(`^staging/bad.sql failed on ${engine}: .*no_such_column`));
      expect(summary.models.find((m) => m.model === 'after_bad')).toMatchObject({
        status: 'skipped',
        error: 'not built: bad failed or was skipped',
      });
      expect(summary.models.find((m) => m.model === 'fine')?.status).toBe('built');
    }
  });

  it('refuses unknown refs and cycles before running anything (exit 2)', async () => {
    const unknown = modelsFolder({
      'a.sql': "select * from {{ ref('stg_ordrs') }}",
      'stg_orders.sql': 'select 1 as x',
    });
    const r1 = await runFerry(['--config', configFile('cli_unknown', unknown), 'transform']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain("a.sql: ref('stg_ordrs') names no model (did you mean 'stg_orders'?)");
    const cycle = modelsFolder({
      'a.sql': "select * from {{ ref('b') }}",
      'b.sql': "select * from {{ ref('a') }}",
    });
    const r2 = await runFerry(['--config', configFile('cli_cycle', cycle), 'transform']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/error: the models form a cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('stops before building when a source table is missing, saying where it looked (exit 1)', async () => {
    const folder = modelsFolder({ 'm.sql': "select * from {{ source('shop', 'no_such_table') }}" });
    const pg = await runFerry(['--config', configFile('cli_missing', folder), 'transform']);
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain(
      "error: the models read tables that are not in the target: raw_shop.no_such_table (source('shop', 'no_such_table'))",
    );
    expect(pg.stderr).toContain('hint: run `ferry sync` first, or fix transform.sources in ferry.yaml');
    const duck = await runFerry(['--config', configFile('cli_missing_d', folder, 'duckdb'), 'transform']);
    expect(duck.code).toBe(1);
    expect(duck.stderr).toContain('error: the models read tables the source lacks: no_such_table');
  });

  it('explains SQL that an engine lacks, with the alternative', async () => {
    const folder = modelsFolder({
      'latest.sql':
        "select * from {{ source('shop', 'orders') }} qualify row_number() over (partition by customer_id order by id desc) = 1",
    });
    const result = await runFerry(['--config', configFile('cli_port', folder), 'transform', '--json']);
    expect(result.code).toBe(1);
    const model = (JSON.parse(result.stdout) as TransformSummary).models[0]!;
    expect(model.error).toBe('latest.sql: uses QUALIFY, which the postgres engine lacks');
    expect(model.hint).toMatch(/filter a window column in an outer SELECT/);
  });
});

describe('ferry models', () => {
  it('prints the lineage as text and as Mermaid', async () => {
    const config = configFile('cli_graph', EXAMPLE_MODELS);
    const text = await runFerry(['--config', config, 'models', 'graph']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /dim_customers \(table, SQL: marts\/dim_customers.sql\)\n\s+├─ ref fct_orders\n\s+└─ ref stg_customers/,
    );
    const mermaid = await runFerry(['--config', config, 'models', 'graph', '--format', 'mermaid']);
    expect(mermaid.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.stdout).toContain('src_shop_orders --> stg_orders');
    expect(mermaid.stdout).toContain('fct_orders --> dim_customers');
  });

  it('prints the SQL a DataFrame model compiles to on each engine', async () => {
    const config = configFile('cli_compile', EXAMPLE_MODELS);
    const pg = await runFerry([
      '--config',
      config,
      'models',
      'compile',
      'product_performance',
      '--engine',
      'postgres',
    ]);
    const duck = await runFerry([
      '--config',
      config,
      'models',
      'compile',
      'product_performance',
      '--engine',
      'duckdb',
    ]);
    expect(pg.code).toBe(0);
    expect(pg.stdout).toContain(
      'row_number() OVER (ORDER BY "revenue" DESC NULLS FIRST, "product_id" ASC NULLS LAST)',
    );
    expect(pg.stdout).toContain('FROM "cli_compile"."fct_order_items"');
    expect(duck.stdout).toContain('FROM "cli_compile"."fct_order_items"');
  });
});

describe('two transforms', () => {
  it('do not build the same schema at once: the second names the first and exits 7', async () => {
    const config = configFile('cli_lock', EXAMPLE_MODELS);
    const holder = new pg.Client({ connectionString: db.postgresUrl });
    await holder.connect();
    try {
      const state = ferryState();
      await state.migrate(holder);
      await state.locks.acquire(holder, [lockNames.transform('cli_lock')], 'ferry transform');
      const result = await runFerry(['--config', config, 'transform']);
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(
        /transform cli_lock is in use by another ferry process \(ferry transform, pid \d+ on /,
      );
    } finally {
      await holder.end();
    }
  });
});
