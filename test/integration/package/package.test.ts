// ferry as a user installs it: `npm pack` of this checkout installed into an empty directory, then
// `npx ferry init`, seed, sync and transform (a SQL and a DataFrame model loaded by Node from that
// directory), all run from there by the installed bin against this file's databases.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let db: TestDatabases;
let work: string;
let project: string;
let tarball: string;
let packed: string[];

/** The installed tools on PATH first: this Node (>= 22.18) for the bin's `#!/usr/bin/env node`. */
const PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd,
        env: { ...process.env, PATH, NO_COLOR: '1', FERRY_LOG_FORMAT: 'json', ...env },
        timeout: 120_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The installed ferry, as a user runs it; the connections come from the environment. */
const ferry = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('npx', ['--no', '--', 'ferry', ...args], project, {
    FERRY_SOURCE_URL: db.mysqlUrl,
    FERRY_TARGET_URL: db.postgresUrl,
    ...env,
  });

/** npm from the local cache; packages the cache lacks metadata for are fetched once, then cached. */
async function npmInstall(args: string[]): Promise<Run> {
  const offline = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...args], project);
  if (offline.code === 0 || !/ENOTCACHED/.test(offline.stderr)) return offline;
  return run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], project);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  db = await createTestDatabases('pkg');
  work = mkdtempSync(join(tmpdir(), 'ferry-package-'));
  project = join(work, 'shop-analytics');
  // `make test` builds first; pack what the build made (prepack would build it again).
  const pack = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
    REPO_ROOT,
  );
  expect(pack.stderr).not.toMatch(/npm error/);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  packed = info!.files.map((f) => f.path);
  await run('mkdir', ['-p', project], work);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds everything npm run build makes, and no sources or tests', () => {
    const built = filesUnder(join(REPO_ROOT, 'dist')).map((f) => relative(REPO_ROOT, f));
    expect(built.filter((f) => !packed.includes(f))).toEqual([]);
    for (const needed of [
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/web/assets/app.js',
      'dist/state/migrations/replication/0001-baseline.sql',
      'dist/spark/proto/spark/connect/base.proto',
      'dist/init/templates/gitignore',
      'dist/init/templates/models/customer_revenue.ts',
      'ferry.schema.json',
      'package.json',
      'README.md',
    ])
      expect(packed).toContain(needed);
    expect(packed.filter((f) => /^(src|test|bench|scripts|models)\//.test(f))).toEqual([]);
  });

  it('installs into an empty directory from the tarball', async () => {
    const installed = await npmInstall([tarball]);
    expect(installed.stderr).not.toMatch(/npm error/);
    expect(installed.code).toBe(0);
    const version = await ferry(['--version']);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('ferry init scaffolds the project and refuses to overwrite it', async () => {
    const init = await ferry(['init']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    for (const file of ['ferry.yaml', 'models/paid_orders.sql', 'models/customer_revenue.ts', '.gitignore'])
      expect(init.stdout).toMatch(new RegExp(`created\\s+${file.replace('.', '\\.')}`));
    // npm install wrote a package.json without "type": the models folder gets one of its own
    expect(init.stdout).toMatch(/unchanged\s+package\.json/);
    expect(JSON.parse(readFileSync(join(project, 'models/package.json'), 'utf8'))).toEqual({
      type: 'module',
    });
    // the schema reference points at the installed package
    const yaml = readFileSync(join(project, 'ferry.yaml'), 'utf8');
    const schemaRef = /^\$schema: (.+)$/m.exec(yaml)?.[1];
    expect(schemaRef).toBe('./node_modules/ferry/ferry.schema.json');
    expect(existsSync(join(project, schemaRef!))).toBe(true);

    const again = await ferry(['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/files exist in .*: ferry\.yaml, .*; nothing was written\nhint: .*--force/);
    writeFileSync(join(project, 'models/paid_orders.sql'), 'select 1 as broken\n');
    const forced = await ferry(['init', '--force', '--json']);
    expect(forced.code).toBe(0);
    const report = JSON.parse(forced.stdout) as { files: { path: string; action: string }[] };
    expect(report.files).toContainEqual({ path: 'models/paid_orders.sql', action: 'overwritten' });
    expect(readFileSync(join(project, 'models/paid_orders.sql'), 'utf8')).toMatch(
      /source\('shop', 'orders'\)/,
    );
  });

  it('type-checks the DataFrame model against the types the package exports', async () => {
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], project);
    expect(checked.stdout).toMatch(/node_modules\/ferry\/dist\/index\.d\.ts/);
    expect(checked.code).toBe(0);
  });

  it('seeds, syncs and transforms from the project directory', async () => {
    const seed = await ferry(['seed', '--scale', '0.01', '--json']);
    expect(seed.code).toBe(0);
    const seeded = JSON.parse(seed.stdout) as { rows: Record<string, number> };
    const sync = await ferry(['sync', '--json']);
    expect(sync.code).toBe(0);
    const synced = JSON.parse(sync.stdout) as {
      status: string;
      streams: { stream: string; rowsLoaded: number }[];
    };
    expect(synced.status).toBe('succeeded');
    expect(synced.streams.find((s) => s.stream === 'customers')?.rowsLoaded).toBe(seeded.rows.customers);

    const transform = await ferry(['transform', '--json']);
    expect(transform.stderr).not.toMatch(/"level":50/);
    expect(transform.code).toBe(0);
    const summary = JSON.parse(transform.stdout) as {
      models: { model: string; status: string }[];
      tests: { status: string }[];
    };
    expect(summary.models.map((m) => [m.model, m.status])).toEqual([
      ['paid_orders', 'built'],
      ['customer_revenue', 'built'],
    ]);
    expect(summary.tests.every((t) => t.status === 'pass')).toBe(true);
    // the DataFrame model's rows: every customer once, with the revenue of their paid orders
    const { rows } = await db.target.query<{ customers: string; revenue: string; expected: string }>(
      `SELECT (SELECT count(*) FROM analytics.customer_revenue) AS customers,
              (SELECT sum(revenue) FROM analytics.customer_revenue) AS revenue,
              (SELECT sum(total) FROM raw_shop.orders WHERE status IN ('paid', 'shipped', 'delivered')) AS expected`,
    );
    expect(Number(rows[0]!.customers)).toBe(seeded.rows.customers);
    expect(rows[0]!.revenue).toBe(rows[0]!.expected);
  });

  it('plans with an override, repairs and resets from the project directory', async () => {
    // an override in the user's ferry.yaml: customers.email lands as email_address
    const configFile = join(project, 'ferry.yaml');
    const original = readFileSync(configFile, 'utf8');
    writeFileSync(
      configFile,
      original.replace(
        /^streams:\n/m,
        'streams:\n  - { table: customers, mode: full_refresh, overrides: { email: { rename: email_address } } }\n',
      ),
    );
    try {
      await plansRepairsAndResets();
    } finally {
      writeFileSync(configFile, original);
    }
  });

  async function plansRepairsAndResets(): Promise<void> {
    const plan = await ferry(['plan', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      streams: {
        stream: string;
        mode: string;
        columns: { source: string; target: string; pgType: string; key: boolean }[];
      }[];
    };
    const customers = planned.streams.find((s) => s.stream === 'customers');
    expect(customers?.mode).toBe('full_refresh');
    expect(customers?.columns.find((c) => c.key)).toMatchObject({ source: 'id', pgType: 'bigint' });
    expect(customers?.columns.find((c) => c.source === 'email')).toMatchObject({ target: 'email_address' });
    const first = await ferry(['sync', '--streams', 'customers', '--json']);
    expect(first.code, first.stderr).toBe(0);

    // three rows lost in the replica: repair re-copies exactly those and compares them again
    await db.target.query(
      'DELETE FROM raw_shop.customers WHERE id IN (SELECT id FROM raw_shop.customers ORDER BY id LIMIT 3)',
    );
    const repair = await ferry(['repair', '--streams', 'customers', '--json']);
    expect(repair.code, repair.stderr).toBe(0);
    const repaired = JSON.parse(repair.stdout) as { streams: Record<string, unknown>[] };
    expect(repaired.streams[0]).toMatchObject({
      stream: 'customers',
      status: 'repaired',
      found: { missing: 3 },
      remaining: { missing: 0 },
    });

    // reset forgets the stream: the next sync copies it again from a new snapshot
    const reset = await ferry(['reset', 'customers', '--yes']);
    expect(reset.code, reset.stderr).toBe(0);
    const [[count]] = (await db.source.query('SELECT count(*) AS n FROM customers')) as unknown as [
      { n: number }[],
    ];
    const again = await ferry(['sync', '--streams', 'customers', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const synced = JSON.parse(again.stdout) as { streams: { stream: string; rowsLoaded: number }[] };
    expect(synced.streams.find((s) => s.stream === 'customers')?.rowsLoaded).toBe(Number(count!.n));
    const { rows: renamed } = await db.target.query<{ n: string }>(
      'SELECT count(email_address)::text AS n FROM raw_shop.customers',
    );
    expect(Number(renamed[0]!.n)).toBe(Number(count!.n));
  }

  it('says what to do when Node cannot strip a model’s TypeScript', async () => {
    writeFileSync(
      join(project, 'models/with_enum.ts'),
      "enum Status { Paid = 'paid' }\nexport default ({ source }) => source('shop', 'orders');\nexport { Status };\n",
    );
    try {
      const listed = await ferry(['models', 'list']);
      expect(listed.code).toBe(2);
      expect(listed.stderr).toMatch(/with_enum\.ts: cannot load the DataFrame model: TypeScript enum/);
      expect(listed.stderr).toMatch(/hint: models may use only erasable TypeScript/);
    } finally {
      rmSync(join(project, 'models/with_enum.ts'));
    }
  });

  it('lets a model import the API’s functions from the package as values too', async () => {
    writeFileSync(
      join(project, 'models/big_orders.ts'),
      "import { col, source } from 'ferry';\nexport default () => source('shop', 'orders').filter(col('total').gt(100));\n",
    );
    try {
      const compiled = await ferry(['models', 'compile', 'big_orders']);
      expect(compiled.stderr).toBe('');
      expect(compiled.stdout).toMatch(/FROM "raw_shop"\."orders"[\s\S]*"total" > 100/i);
    } finally {
      rmSync(join(project, 'models/big_orders.ts'));
    }
  });
});
