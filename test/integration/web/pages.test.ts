// The web UI in a real browser (Debian's chromium through playwright-core) against a history ferry
// made: every page opens without a console error (each saved as a screenshot in test-results/ui/),
// grid -> cell -> log, a triggered run watched to success without reloading, a quarantined row
// replayed out of the list, a run retried from a task, names that look like HTML shown as text, and a
// form on another site that cannot change anything.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../../../scripts/build-web.js';
import { launchBrowser, screenshot, type TestBrowser } from '../../support/browser.js';
import { startFerryUi, webFixture, XSS, type RunningUi, type WebFixture } from './fixture.js';

/** A time as the UI shows every time: date, time with seconds, zone. */
const TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z][A-Za-z0-9+:-]+$/;

describe('the web UI in a browser', () => {
  let f: WebFixture;
  let ui: RunningUi;
  let browser: TestBrowser;
  let page: Page;
  /** Opens a page of the UI and waits for what shows it loaded (a Playwright selector). */
  const open = async (path: string, wait: string) => {
    await page.goto(new URL(path, ui.url).toString());
    await page.locator(wait).first().waitFor({ timeout: 20_000 });
  };

  beforeAll(async () => {
    await buildPage(); // the page as the source has it now
    f = await webFixture('web_pages');
    ui = await startFerryUi(f, 'server');
    browser = await launchBrowser({ timezone: 'Europe/Berlin' });
    page = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await f?.cleanup();
  });

  it('opens every page without a console error, every time with seconds and its zone', async () => {
    const pages: [string, string, string][] = [
      ['overview', '/', 'text=Recent durations'],
      ['pipeline', '/pipelines/shop', 'button.cell'],
      ['run', `/runs/${f.runs.shop[0]}`, 'text=Timeline'],
      ['streams', '/streams', 'text=Quarantined'],
      ['stream', '/streams/items', 'text=Rows per run'],
      ['quarantine', '/quarantine', 'tr[data-entry]'],
      ['verify', '/verify', 'text=Newest: run'],
      ['verify-run', '/verify/1', 'text=changed in the target'],
      ['models', '/models?node=model%3Astg_items', 'text=Data tests'],
    ];
    for (const [name, path, wait] of pages) {
      await open(path, wait);
      await page.waitForLoadState('networkidle');
      const times = await page.locator('main time').allTextContents();
      expect(times.length, `times on ${path}`).toBeGreaterThan(0);
      for (const t of times) expect(t, `a time on ${path}`).toMatch(TIME);
      await screenshot(page, name);
    }
    expect(await page.locator('main time').first().textContent()).toMatch(/ CES?T$/);
    expect(browser.problems).toEqual([]);
  });

  it('shows names that look like HTML as text, never as markup', async () => {
    await open('/', 'text=Recent durations');
    await expect.poll(() => page.getByText(XSS, { exact: true }).count()).toBeGreaterThan(0);
    await open('/models', '.lineage .node');
    expect(await page.locator(`[data-node="${XSS}"]`).count()).toBe(1);
    await open(`/runs/${f.runs.hello[0]}`, 'text=Timeline');
    await expect.poll(() => page.getByText(`who=${XSS}`).count()).toBe(1);
    await open(`/streams/${encodeURIComponent(XSS)}`, 'text=Rows per run');
    expect(await page.locator('img').count()).toBe(0);
    await open('/quarantine', 'tr[data-entry]');
    await page.locator(`tr[data-entry="${f.quarantined[0]}"] button`).click();
    await page.getByText('Failed checks').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(browser.problems).toEqual([]);
  });

  it('goes from the grid to a cell to its log', async () => {
    await open('/pipelines/hello', 'button.cell');
    await page.locator(`button.cell[data-run="${f.runs.hello[0]}"][data-task="greet"]`).click();
    const log = page.getByLabel('log');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('line 5');
    expect(new URL(page.url()).searchParams.get('task')).toBe('greet');
    await screenshot(page, 'pipeline-task-log');
    expect(browser.problems).toEqual([]);
  });

  it('triggers a run and watches it reach succeeded without reloading, its log tailing live', async () => {
    await open('/pipelines/hello', 'button.cell');
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.getByRole('button', { name: 'Trigger run' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Trigger' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    const runId = new URL(page.url()).pathname.split('/').pop()!;
    // Open the task while it runs: its log grows line by line in the page.
    await page.getByRole('link', { name: 'greet', exact: true }).click();
    const log = page.getByLabel('log');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('line 2');
    expect(await log.textContent()).not.toContain('line 5');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('line 5');
    const heading = page.locator('.page-head h1');
    await expect.poll(() => heading.textContent(), { timeout: 30_000 }).toContain('succeeded');
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    const { rows } = await f.db.target.query<{ state: string }>(
      'SELECT state FROM _ferry.pipeline_runs WHERE run_id = $1',
      [runId],
    );
    expect(rows[0]?.state).toBe('succeeded');
    await screenshot(page, 'run-triggered');
    expect(browser.problems).toEqual([]);
  });

  it('replays a fixed quarantined row, which leaves the list and lands in the table', async () => {
    const [fixed, other] = f.quarantined as [number, number];
    // The fix `ferry quarantine show` suggests: correct the stored value, then replay.
    await f.db.target.query(
      `UPDATE _ferry.quarantine SET "row" = jsonb_set("row", '{qty}', '"5"') WHERE id = $1`,
      [fixed],
    );
    await open('/quarantine', 'tr[data-entry]');
    await page.getByLabel(`select entry ${fixed}`).check();
    await page.getByRole('button', { name: 'Replay…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 30_000 })
      .toContain('1 row(s) loaded');
    await expect.poll(() => page.locator(`tr[data-entry="${fixed}"]`).count()).toBe(0);
    expect(await page.locator(`tr[data-entry="${other}"]`).count()).toBe(1);
    const { rows } = await f.db.target.query<{ resolution: string }>(
      'SELECT resolution FROM _ferry.quarantine_log WHERE id = $1',
      [fixed],
    );
    expect(rows).toEqual([{ resolution: 'replayed' }]);
    const { rows: loaded } = await f.db.target.query<{ qty: number }>(
      'SELECT qty FROM raw.items WHERE id = 7',
    );
    expect(loaded).toEqual([{ qty: 5 }]);
    await screenshot(page, 'quarantine-replayed');
    expect(browser.problems).toEqual([]);
  });

  it('retries a failed run from a task, and shows it succeed', async () => {
    // One row waits in quarantine now, which the quality task allows: from quality on, the run passes.
    const runId = f.runs.shop[1]!;
    await open(`/runs/${runId}`, 'text=Timeline');
    await page.getByLabel('retry from task').selectOption('quality');
    await page.getByRole('button', { name: 'Retry from task' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Cleared quality, report').waitFor({ timeout: 10_000 });
    const heading = page.locator('.page-head h1');
    const taskRows = async () =>
      (
        await f.db.target.query<{ task: string; state: string; attempts: number }>(
          'SELECT task, state, attempts FROM _ferry.task_instances WHERE run_id = $1 ORDER BY task',
          [runId],
        )
      ).rows;
    // The whole suite shares two cores: a bound that holds under its load, and what the server said
    // if it does not (the retried tasks wait on the server's scheduler tick and a worker's poll).
    try {
      await expect.poll(() => heading.textContent(), { timeout: 90_000 }).toContain('succeeded');
    } catch (error) {
      const { rows: sessions } = await f.db.target.query(
        `SELECT pid, state, wait_event_type, wait_event, left(query, 200) AS query, now() - xact_start AS xact_age
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      const { rows: runState } = await f.db.target.query(
        'SELECT state, finished_at FROM _ferry.pipeline_runs WHERE run_id = $1',
        [runId],
      );
      throw new Error(
        `the retried run did not succeed: run ${JSON.stringify(runState)}, tasks ${JSON.stringify(await taskRows())}\nsessions ${JSON.stringify(sessions)}\nferry server said:\n${ui.output().slice(-6000)}`,
        { cause: error },
      );
    }
    const rows = await taskRows();
    expect(rows).toEqual([
      { task: 'quality', state: 'succeeded', attempts: 2 },
      { task: 'report', state: 'succeeded', attempts: 1 },
      { task: 'sync', state: 'succeeded', attempts: 1 },
    ]);
    await screenshot(page, 'run-retried');
    expect(browser.problems).toEqual([]);
  });

  it('shows every time in UTC when asked', async () => {
    await open('/', 'text=Recent durations');
    await page.getByLabel('time zone').selectOption('UTC');
    await expect.poll(() => page.locator('main time').first().textContent()).toMatch(/ UTC$/);
    expect(browser.problems).toEqual([]);
  });

  it('refuses a form that a page on another site posts to it', async () => {
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="post" enctype="text/plain" action="${new URL('/api/quarantine/discard', ui.url).href}">
<input name='{"all":true,"x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const before = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM _ferry.quarantine');
    const attack = await browser.context.newPage();
    try {
      const answer = attack.waitForResponse((r) => r.url().endsWith('/api/quarantine/discard'));
      // localhost and 127.0.0.1 are different sites to the browser.
      await attack.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      expect((await answer).status()).toBe(403);
    } finally {
      await attack.close();
      evil.close();
    }
    const after = await f.db.target.query<{ n: string }>('SELECT count(*) AS n FROM _ferry.quarantine');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    expect(Number(after.rows[0]?.n)).toBeGreaterThan(0);
    // The refused navigation itself is logged by the browser; nothing else may be.
    expect(browser.problems.filter((p) => !p.includes('403'))).toEqual([]);
  });
});
