// The web UI's pipeline page with a long history: 10,000 runs of a 5-task pipeline (each task with a
// log of a few kB, as real runs have) in a database of its own. Measures how fast the grid's data
// answers (the latest 25 runs, and pages of older runs deep in the history), and how soon the grid is
// in the page in headless Chromium (the page's `ferry:grid-cells` mark after navigation, and from a
// click on "older runs" to `ferry:grid-older-cells`). Writes the section "## Web UI" of
// docs/benchmarks.md and leaves every other section as it was.
//   npx tsx bench/ui-grid.ts      (FERRY_BENCH_UI_RUNS, FERRY_BENCH_REPEATS to change the size)
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseConfig } from '../src/config/load.js';
import { compileProject } from '../src/config/project.js';
import { silentLogger } from '../src/observability/logger.js';
import { openOrchestrator } from '../src/orchestration/orchestrator.js';
import { ferryState } from '../src/state/ferry-state.js';
import { startUiServer } from '../src/web/server.js';
import { buildPage } from '../scripts/build-web.js';
import { launchBrowser } from '../test/support/browser.js';
import { replaceSection, table } from './report.js';

const POSTGRES_URL = process.env.FERRY_TARGET_URL ?? 'postgres://ferry:ferry-dev-pw@127.0.0.1:5432/warehouse';
const MYSQL_URL = process.env.FERRY_SOURCE_URL ?? 'mysql://ferry:ferry-dev-pw@127.0.0.1:3306/shop';
const RUNS = Number(process.env.FERRY_BENCH_UI_RUNS ?? 10_000);
const REPEATS = Number(process.env.FERRY_BENCH_REPEATS ?? 30);
const OUTPUT = process.env.FERRY_BENCH_OUTPUT ?? 'docs/benchmarks.md';
const TASKS = ['extract', 'load', 'quality', 'transform', 'verify'];
const DATA_BUDGET_MS = 200;
const RENDER_BUDGET_MS = 1000;

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** 10,000 runs, one every 15 minutes back from now; about 1 in 20 failed, each task with a ~3 kB log. */
async function fill(client: pg.Client): Promise<void> {
  await client.query(
    `INSERT INTO _ferry.pipeline_runs (run_id, pipeline, run_key, trigger, state, interval_start, interval_end, created_at, started_at, finished_at)
     SELECT g, 'bench', 'scheduled__' || g, 'schedule', CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
            now() - (($1 - g + 1) * interval '15 minutes'), now() - (($1 - g) * interval '15 minutes'),
            now() - (($1 - g) * interval '15 minutes'), now() - (($1 - g) * interval '15 minutes'),
            now() - (($1 - g) * interval '15 minutes') + (60 + g % 240) * interval '1 second'
       FROM generate_series(1, $1) g`,
    [RUNS],
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('_ferry.pipeline_runs', 'run_id'), $1)`, [RUNS]);
  await client.query(
    `INSERT INTO _ferry.task_instances (run_id, task, state, attempts, max_attempts, started_at, finished_at, rows_moved, error, log)
     SELECT r.run_id, t.task,
            CASE WHEN r.state = 'failed' AND t.n = 3 THEN 'failed' WHEN r.state = 'failed' AND t.n > 3 THEN 'upstream_failed' ELSE 'succeeded' END,
            CASE WHEN r.state = 'failed' AND t.n > 3 THEN 0 ELSE 1 + (r.run_id % 7 = 0)::int END, 3,
            r.started_at + (t.n * 12) * interval '1 second', r.started_at + (t.n * 12 + 10) * interval '1 second',
            CASE WHEN t.n <= 2 THEN 1000 + r.run_id % 5000 END,
            CASE WHEN r.state = 'failed' AND t.n = 3 THEN 'orders: 3 row(s) in quarantine (at most 0 allowed)' END,
            '--- attempt 1 at ' || to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || E' ---\\n' || repeat(E'[12:00:00] INFO: copied a chunk of rows into the staging table\\n', 50)
       FROM _ferry.pipeline_runs r CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS t(task, n)`,
    [TASKS],
  );
  await client.query('ANALYZE _ferry.pipeline_runs');
  await client.query('ANALYZE _ferry.task_instances');
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function timeRequests(url: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const answer = await fetch(url);
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
    times.push(performance.now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const name = `ferry_bench_ui_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const config = parseConfig(
    `source: { url: "${withDatabase(MYSQL_URL, 'shop')}" }
target: { url: "${withDatabase(POSTGRES_URL, name)}", schema: raw }
pipelines:
  bench:
    schedule: '*/15 * * * *'
    tasks:
${TASKS.map((t, i) => `      ${t}: { kind: shell, command: 'true'${i > 0 ? `, depends_on: [${TASKS[i - 1]}]` : ''} }`).join('\n')}
`,
    'bench.yaml',
    { env: {} },
  );
  const project = compileProject(config, 'bench.yaml');
  const state = ferryState();
  const logger = silentLogger();
  const stop = new AbortController();
  const client = new pg.Client({ connectionString: withDatabase(POSTGRES_URL, name) });
  await client.connect();
  try {
    await state.migrate(client, 'history');
    await state.migrate(client);
    const filled = performance.now();
    await fill(client);
    process.stdout.write(
      `${RUNS} runs x ${TASKS.length} tasks in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`,
    );
    const { rows: size } = await client.query<{ mb: string }>(
      `SELECT round(pg_total_relation_size('_ferry.task_instances') / 1e6) AS mb`,
    );

    await buildPage();
    const orch = await openOrchestrator(project, state, logger);
    const ui = await startUiServer({
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      allowedHosts: [],
      orch,
      logger,
      signal: stop.signal,
    });
    const browser = await launchBrowser({ timezone: 'UTC' });
    try {
      const grid = new URL('/api/pipelines/bench/grid', ui.url).toString();
      await timeRequests(grid, 5); // warm-up: connections, plans, JIT
      const latest = await timeRequests(grid, REPEATS);
      const deep = await timeRequests(`${grid}?before=${Math.floor(RUNS / 2)}`, REPEATS);
      const oldest = await timeRequests(`${grid}?before=30`, REPEATS);
      const bytes = (await (await fetch(grid)).arrayBuffer()).byteLength;
      const overview = await timeRequests(new URL('/api/overview', ui.url).toString(), REPEATS);
      const metrics = await timeRequests(new URL('/metrics', ui.url).toString(), REPEATS);

      const first: number[] = [];
      const older: number[] = [];
      const page = await browser.page();
      for (let i = 0; i < Math.max(3, Math.round(REPEATS / 3)); i++) {
        await page.goto(new URL('/pipelines/bench', ui.url).toString());
        // Anonymous arrows only: tsx names declared functions with a helper the page does not have.
        await page.waitForFunction(() => performance.getEntriesByName('ferry:grid-cells').length > 0);
        first.push(await page.evaluate(() => performance.getEntriesByName('ferry:grid-cells')[0]!.startTime));
        for (let p = 0; p < 3; p++) {
          const count = await page.evaluate(
            () => performance.getEntriesByName('ferry:grid-older-cells').length,
          );
          await page.getByRole('button', { name: '← older runs' }).click();
          await page.waitForFunction(
            (n) => performance.getEntriesByName('ferry:grid-older-cells').length > n,
            count,
          );
          older.push(
            await page.evaluate(
              () =>
                performance.getEntriesByName('ferry:grid-older-cells').at(-1)!.startTime -
                performance.getEntriesByName('ferry:grid-older-start').at(-1)!.startTime,
            ),
          );
        }
      }
      // FERRY_BENCH_UI_SCREENSHOT=file.png: the grid as the last load showed it (docs/images/).
      if (process.env.FERRY_BENCH_UI_SCREENSHOT) {
        await page.goto(new URL('/pipelines/bench', ui.url).toString());
        await page.locator('button.cell').first().waitFor();
        await page.screenshot({ path: process.env.FERRY_BENCH_UI_SCREENSHOT });
      }
      if (browser.problems.length > 0) throw new Error(`the page had errors: ${browser.problems.join('; ')}`);

      const row = (what: string, xs: number[], budget?: number) => [
        what,
        ms(quantile(xs, 0.5)),
        ms(quantile(xs, 0.95)),
        ms(Math.max(...xs)),
        budget === undefined ? '–' : `${budget} ms`,
        budget === undefined ? '–' : Math.max(...xs) < budget ? 'yes' : 'no',
      ];
      const body = [
        `\`npx tsx bench/ui-grid.ts\` (not part of \`make test\`): ${RUNS.toLocaleString('en-US')} runs of a ${TASKS.length}-task pipeline in the run history (${size[0]?.mb} MB of task instances with their logs), served by \`ferry ui\`'s server in the same process; ${REPEATS} requests per data row, ${first.length} page loads with 3 pages of older runs each. Measured on the shared development machine (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end, other work running beside it): the lead reruns it on a quiet machine.`,
        '',
        table(
          ['what', 'median', 'p95', 'max', 'budget', 'within'],
          [
            row('grid data, latest 25 runs (`GET /api/pipelines/:name/grid`)', latest, DATA_BUDGET_MS),
            row(`grid data, 25 runs before run ${Math.floor(RUNS / 2)}`, deep, DATA_BUDGET_MS),
            row('grid data, the oldest 25 runs', oldest, DATA_BUDGET_MS),
            row('page load to the grid in the page (`ferry:grid-cells` mark)', first, RENDER_BUDGET_MS),
            row('"older runs" click to 25 more runs in the grid', older, RENDER_BUDGET_MS),
            row('Overview data (`GET /api/overview`, 20 runs per pipeline)', overview),
            row('`GET /metrics` (aggregates every task instance)', metrics),
          ],
        ),
        '',
        `One page of grid data is ${(bytes / 1024).toFixed(0)} kB of JSON (no logs: a cell's log is read when it is opened). The grid's runs come from the index on (pipeline, interval_end DESC, run_id DESC) of history migration 0002, so a page costs the same at any depth; its task instances by primary key.`,
      ].join('\n');
      replaceSection(OUTPUT, { title: 'Web UI', body });
      process.stdout.write(body + '\n');
    } finally {
      await browser.close();
      stop.abort();
      await ui.close();
      await orch.close();
    }
  } finally {
    await client.end();
    const drop = new pg.Client({ connectionString: POSTGRES_URL });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await drop.end();
  }
}

await main();
