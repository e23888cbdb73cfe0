// The web UI's JSON endpoints (docs/ui.md) and /metrics against a history ferry made, and its
// security: the Host allow-list, same-origin JSON POSTs, the token (sign-in cookie or bearer) on
// every request, a refused start off loopback without a token, and no password in any answer.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  GridJson,
  ModelsJson,
  OverviewJson,
  QuarantineDetailJson,
  QuarantineJson,
  RunDetailJson,
  StreamDetailJson,
  StreamSummaryJson,
  TaskDetailJson,
  VerifyDetailJson,
  VerifyJson,
} from '../../../src/web/api-types.js';
import { runFerry } from '../../support/cli.js';
import { eventually } from '../orchestration/fixture.js';
import { startFerryUi, webFixture, PASSWORD, XSS, type RunningUi, type WebFixture } from './fixture.js';
import { events, http, json } from './http.js';
import { parsePrometheusText, valueOf } from './prometheus-text.js';

describe('the web UI over HTTP', () => {
  let f: WebFixture;
  let ui: RunningUi;
  const at = (path: string) => new URL(path, ui.url).toString();
  const origin = () => new URL(ui.url).origin;

  beforeAll(async () => {
    f = await webFixture('web_api');
    ui = await startFerryUi(f, 'server');
  });
  afterAll(async () => {
    await ui?.stop();
    await f?.cleanup();
  });

  it('answers the overview with every pipeline and stream', async () => {
    const o = await json<OverviewJson>(at('/api/overview'));
    expect(o.targetSchema).toBe('raw');
    expect(o.pipelines.map((p) => p.name)).toEqual(['shop', 'nightly', 'hello']);
    const shop = o.pipelines[0]!;
    expect(shop.tasks.map((t) => [t.name, t.kind, t.upstream])).toEqual([
      ['sync', 'sync', []],
      ['quality', 'quality', ['sync']],
      ['report', 'shell', ['quality']],
    ]);
    expect(shop.last?.state).toBe('failed');
    expect(shop.recent.map((r) => r.runId)).toEqual(f.runs.shop);
    const nightly = o.pipelines[1]!;
    expect(nightly.schedule).toBe('30 2 * * *');
    expect(Date.parse(nightly.nextRunAt!)).toBeGreaterThan(Date.now());
    expect(o.streams.map((s) => s.table).sort()).toEqual([XSS, 'items'].sort());
    const items = o.streams.find((s) => s.table === 'items')!;
    expect(items).toMatchObject({ mode: 'incremental', rowsTotal: 28, quarantined: 2, lag: null, runs: 2 });
    expect(items.lastRun).toMatchObject({
      status: 'succeeded',
      rowsRead: 30,
      rowsLoaded: 28,
      rowsQuarantined: 2,
    });
    expect(o.samplesRecorded).toBe(false);
  });

  it('answers the grid a page at a time, oldest run left', async () => {
    const all = await json<GridJson>(at('/api/pipelines/shop/grid'));
    expect(all.runs.map((r) => r.runId)).toEqual(f.runs.shop);
    expect(all.older).toBeNull();
    expect(all.runs[0]!.tasks.sync).toMatchObject({ state: 'succeeded', rows: 30, attempts: 1 });
    expect(all.runs[0]!.tasks.quality).toMatchObject({ state: 'failed' });
    expect(all.runs[0]!.tasks.report).toMatchObject({ state: 'upstream_failed', seconds: null });
    const newest = await json<GridJson>(at('/api/pipelines/shop/grid?limit=1'));
    expect(newest.runs.map((r) => r.runId)).toEqual([f.runs.shop[1]]);
    expect(newest.older).toBe(f.runs.shop[1]);
    const older = await json<GridJson>(at(`/api/pipelines/shop/grid?limit=1&before=${newest.older}`));
    expect(older.runs.map((r) => r.runId)).toEqual([f.runs.shop[0]]);
    expect(older.older).toBeNull();
  });

  it('answers a run with its tasks in order, and a task with the log of each attempt', async () => {
    const run = await json<RunDetailJson>(at(`/api/runs/${f.runs.shop[0]}`));
    expect(run.run).toMatchObject({ pipeline: 'shop', trigger: 'manual', state: 'failed' });
    expect(run.tasks.map((t) => t.task)).toEqual(['sync', 'quality', 'report']);
    expect(run.tasks[1]!.error).toContain('2 row(s) in quarantine');
    expect(run.retryable).toBe(true);
    const task = await json<TaskDetailJson>(at(`/api/runs/${f.runs.hello[0]}/tasks/greet`));
    expect(task.task.state).toBe('succeeded');
    expect(task.attempts.map((a) => a.attempt)).toEqual([1]);
    expect(task.attempts[0]!.text).toMatch(/line 1[\s\S]*line 5/);
    expect(task.logLength).toBeGreaterThan(task.attempts[0]!.text.length - 1);
  });

  it('streams a finished task log to its end, and history changes as they happen', async () => {
    const log = await events(at(`/api/runs/${f.runs.hello[0]}/tasks/greet/log?from=0`), { count: 3 });
    expect(log.events.map((e) => e.event)).toEqual(['log', 'task', 'end']);
    expect((JSON.parse(log.events[0]!.data) as { text: string }).text).toContain('line 5');
    const history = await events(at('/api/events'), { count: 1 });
    expect(history.status).toBe(200);
    expect(history.events[0]?.event).toBe('history');
  });

  it('answers streams, the quarantine, verify history and the models', async () => {
    const stream = await json<StreamDetailJson>(at('/api/streams/items'));
    expect(stream.history.map((h) => h.rowsLoaded)).toEqual([28, 28]);
    expect(stream.samples).toBeNull();
    const q = await json<QuarantineJson>(at('/api/quarantine?stream=items&check=qty.min'));
    expect(q.total).toBe(2);
    expect(q.entries.map((e) => e.id)).toEqual(f.quarantined);
    expect(q.choices).toMatchObject({ streams: ['items'], checks: ['qty.min'], codes: ['min'] });
    expect((await json<QuarantineJson>(at('/api/quarantine?check=not_null'))).total).toBe(0);
    const entry = await json<QuarantineDetailJson>(at(`/api/quarantine/${f.quarantined[0]}`));
    expect(entry.row).toMatchObject({ id: '7', qty: '0' });
    expect(entry.failures[0]).toMatchObject({ check: 'qty.min', column: 'qty' });
    const verify = await json<VerifyJson>(at('/api/verify'));
    expect(verify.runs).toHaveLength(1);
    expect(verify.runs[0]!.streams.items).toMatchObject({ status: 'different', different: 1, expected: 2 });
    const detail = await json<VerifyDetailJson>(at(`/api/verify/${verify.runs[0]!.runId}`));
    expect(detail.streams.find((s) => s.stream === 'items')!.samples.different).toEqual([
      { key: '3', columns: [{ column: 'name', source: 'item 3', target: 'changed in the target' }] },
    ]);
    const models = await json<ModelsJson>(at('/api/models'));
    const byName = new Map(models.nodes.map((n) => [n.name, n]));
    expect(byName.get('shop.items')).toMatchObject({ kind: 'source', layer: 0 });
    expect(byName.get('stg_items')).toMatchObject({ layer: 1, build: { status: 'built' } });
    expect(byName.get(XSS)).toMatchObject({ layer: 2, build: { status: 'built' } });
    expect(byName.get('item_totals')?.build?.rows).toBe(3);
    expect(byName.get('stg_items')!.tests.map((t) => [t.test, t.status])).toEqual([
      ['accepted_values(qty)', 'pass'],
      ['not_null(id)', 'pass'],
      ['small_quantities', 'fail'],
      ['unique(id)', 'pass'],
    ]);
    expect(byName.get('stg_items')!.tests.find((t) => t.test === 'small_quantities')?.failures).toBe(9);
    expect(models.otherTests).toEqual([]);
    expect(models.lastRun?.status).toBe('failed');
    expect(models.edges).toContainEqual({ from: 'model:stg_items', to: `model:${XSS}` });
  });

  it('says what is wrong with a request, with the status that fits', async () => {
    const unknown = await http(at('/api/pipelines/nope/grid'));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'no pipeline named nope' });
    expect((await http(at('/api/runs/abc'))).status).toBe(400);
    expect((await http(at('/api/runs/999999'))).status).toBe(404);
    expect((await http(at('/api/nothing'))).status).toBe(404);
    // GET never changes anything: the actions answer POST only.
    expect((await http(at('/api/pipelines/hello/trigger'))).status).toBe(404);
    expect((await http(at('/api/runs/1/retry'))).status).toBe(404);
    expect((await http(at('/api/runs/1/tasks/sync/log?from=x'))).status).toBe(400);
    const noFilter = await http(at('/api/quarantine/discard'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin() },
      body: '{}',
    });
    expect(noFilter.status).toBe(400);
  });

  it('serves /metrics in the Prometheus text format, and its numbers move when a run finishes', async () => {
    const scrape = async () => {
      const answer = await http(at('/metrics'));
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toContain('text/plain; version=0.0.4');
      return parsePrometheusText(answer.body).samples;
    };
    const before = await scrape();
    expect(valueOf(before, 'ferry_stream_rows', { stream: 'items' })).toBe(28);
    expect(valueOf(before, 'ferry_stream_quarantined_rows', { stream: 'items' })).toBe(2);
    expect(valueOf(before, 'ferry_stream_rows_loaded_total', { stream: XSS })).toBe(4);
    expect(valueOf(before, 'ferry_stream_lag_seconds')).toBeUndefined();
    expect(valueOf(before, 'ferry_pipeline_runs', { pipeline: 'shop', state: 'failed' })).toBe(2);
    const ok = (s: typeof before) =>
      valueOf(s, 'ferry_task_runs_total', { pipeline: 'hello', task: 'greet', state: 'succeeded' }) ?? 0;
    const runsOk = (s: typeof before) =>
      valueOf(s, 'ferry_pipeline_runs', { pipeline: 'hello', state: 'succeeded' }) ?? 0;

    const triggered = await http(at('/api/pipelines/hello/trigger'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin() },
      body: '{"params":{"region":"eu"}}',
    });
    expect(triggered.status).toBe(200);
    const { runId } = JSON.parse(triggered.body) as { runId: string };
    await eventually(async () => {
      const r = await json<RunDetailJson>(at(`/api/runs/${runId}`));
      return r.run.state === 'succeeded' ? r : undefined;
    }, `run ${runId} to succeed`);
    const after = await scrape();
    expect(runsOk(after)).toBe(runsOk(before) + 1);
    expect(ok(after)).toBe(ok(before) + 1);
    expect(
      valueOf(after, 'ferry_task_duration_seconds_total', { pipeline: 'hello', task: 'greet' }),
    ).toBeGreaterThan(
      valueOf(before, 'ferry_task_duration_seconds_total', { pipeline: 'hello', task: 'greet' }) ?? 0,
    );
    expect(
      valueOf(after, 'ferry_task_last_duration_seconds', { pipeline: 'hello', task: 'greet' }),
    ).toBeGreaterThan(4);
  });

  it('refuses a Host it does not know (DNS rebinding), a foreign origin, and a form body', async () => {
    const rebound = await http(at('/api/overview'), {
      headers: { Host: `evil.example:${new URL(ui.url).port}` },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('pipelines');
    expect((await http(at('/'), { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect(
      (await http(at('/api/overview'), { headers: { Host: `localhost:${new URL(ui.url).port}` } })).status,
    ).toBe(200);
    const body = JSON.stringify({ all: true });
    const foreign = await http(at('/api/quarantine/discard'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const crossSite = await http(at('/api/quarantine/discard'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' },
      body,
    });
    expect(crossSite.status).toBe(403);
    const form = await http(at('/api/quarantine/discard'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin() },
      body: 'all=true',
    });
    expect(form.status).toBe(415);
    expect((await json<QuarantineJson>(at('/api/quarantine'))).total).toBe(2);
  });

  it('sends security headers that keep other origins and inline script out', async () => {
    const page = await http(at('/'));
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toMatch(/<script>/);
  });

  it('never answers with a password, even one a stored error or log holds', async () => {
    const url = `postgres://ferry:${PASSWORD}@127.0.0.1:5432/warehouse`;
    await f.db.target.query(
      `UPDATE _ferry.task_instances SET error = $2, log = log || $3 WHERE run_id = $1 AND task = 'quality'`,
      [f.runs.shop[0], `could not connect to ${url}`, `connecting with password=${PASSWORD}\n`],
    );
    const paths = [
      '/',
      '/api/overview',
      '/api/pipelines/shop/grid',
      `/api/runs/${f.runs.shop[0]}`,
      `/api/runs/${f.runs.shop[0]}/tasks/quality`,
      '/api/streams',
      '/api/streams/items',
      '/api/quarantine',
      `/api/quarantine/${f.quarantined[0]}`,
      '/api/verify',
      '/api/verify/1',
      '/api/models',
      '/metrics',
      '/assets/app.js',
    ];
    for (const path of paths) {
      const answer = await http(at(path));
      expect(answer.status, path).toBe(200);
      expect(answer.body, path).not.toContain(PASSWORD);
    }
    const task = await json<TaskDetailJson>(at(`/api/runs/${f.runs.shop[0]}/tasks/quality`));
    expect(task.task.error).toContain('postgres://ferry:***@127.0.0.1');
    const tail = await events(at(`/api/runs/${f.runs.shop[0]}/tasks/quality/log`), { count: 3 });
    expect(tail.events.map((e) => e.data).join('')).not.toContain(PASSWORD);
  });

  it('discards an entry with its note into the quarantine log, like ferry quarantine discard', async () => {
    const [, other] = f.quarantined as [number, number];
    const answer = await http(at('/api/quarantine/discard'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin() },
      body: JSON.stringify({ ids: [other], note: 'a test row' }),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ discarded: 1 });
    const { rows } = await f.db.target.query<{ resolution: string; note: string }>(
      'SELECT resolution, note FROM _ferry.quarantine_log WHERE id = $1',
      [other],
    );
    expect(rows).toEqual([{ resolution: 'discarded', note: 'a test row' }]);
    expect((await json<QuarantineJson>(at('/api/quarantine'))).entries.map((e) => e.id)).toEqual([
      f.quarantined[0],
    ]);
  });

  it('lists a stream with a target schema of its own, with its rows, history and quarantine', async () => {
    await f.db.source.query('CREATE TABLE ledger_x (id INT PRIMARY KEY, v INT)');
    await f.db.source.query('INSERT INTO ledger_x VALUES (1, 1), (2, 2), (3, 3)');
    const configPath = join(f.dir, 'books.yaml');
    writeFileSync(
      configPath,
      `source: { url: "${f.db.mysqlUrl}" }\ntarget: { url: "${f.db.postgresUrl}", schema: raw }\n` +
        'streams:\n  - { table: ledger_x, target_schema: books, checks: [{ column: v, min: 2 }] }\n  - { table: items, mode: incremental, cursor: updated_at }\n',
    );
    const synced = await runFerry(['--config', configPath, 'sync', '--streams', 'ledger_x']);
    expect(synced.code, synced.stderr).toBe(0);
    const books = await startFerryUi({ configPath }, 'ui');
    try {
      const listed = await json<{ streams: StreamSummaryJson[] }>(
        new URL('/api/streams', books.url).toString(),
      );
      expect(listed.streams.find((s) => s.table === 'ledger_x')).toMatchObject({
        rowsTotal: 2,
        runs: 1,
        quarantined: 1,
        lastRun: { status: 'succeeded', rowsLoaded: 2 },
      });
      expect(listed.streams.find((s) => s.table === 'items')).toMatchObject({ rowsTotal: 28 });
      const detail = await json<StreamDetailJson>(new URL('/api/streams/ledger_x', books.url).toString());
      expect(detail.history.map((h) => h.rowsLoaded)).toEqual([2]);
      // its quarantine entry is on the quarantine page, with the stream among the choices
      const q = await json<QuarantineJson>(new URL('/api/quarantine?stream=ledger_x', books.url).toString());
      expect(q.total).toBe(1);
      expect(q.choices.streams).toContain('ledger_x');
      const entry = await json<QuarantineDetailJson>(
        new URL(`/api/quarantine/${q.entries[0]!.id}`, books.url).toString(),
      );
      expect(entry.row).toMatchObject({ id: '1', v: '1' });
    } finally {
      await books.stop();
    }
  });
});

describe('the web UI with a token', () => {
  let f: WebFixture;
  let ui: RunningUi;
  const token = randomBytes(24).toString('hex');
  const at = (path: string) => new URL(path, ui.url).toString();

  beforeAll(async () => {
    f = await webFixture('web_token');
    ui = await startFerryUi(f, 'ui', { env: { FERRY_UI_TOKEN: token } });
  });
  afterAll(async () => {
    await ui?.stop();
    await f?.cleanup();
  });

  it('answers 401 to every request without it: pages, JSON, event streams, /metrics, assets', async () => {
    for (const path of ['/api/overview', '/metrics', '/assets/app.js', '/api/runs/1/tasks/sync/log', '/'])
      expect((await http(at(path))).status, path).toBe(401);
    expect((await events(at('/api/events'), { count: 1, timeoutMs: 5000 })).status).toBe(401);
    const page = await http(at('/pipelines/shop'), { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.body).toContain('<form method="post" action="/login">');
    expect(
      (await http(at('/api/overview'), { headers: { Authorization: 'Bearer not-the-token-at-all' } })).status,
    ).toBe(401);
  });

  it('lets a scraper in with the bearer token, and a browser with the cookie its sign-in sets', async () => {
    const metrics = await http(at('/metrics'), { headers: { Authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(parsePrometheusText(metrics.body).samples.length).toBeGreaterThan(0);

    const origin = new URL(ui.url).origin;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin };
    const wrong = await http(at('/login'), { method: 'POST', headers: form, body: 'token=guess&next=%2F' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await http(at('/login'), {
      method: 'POST',
      headers: form,
      body: `token=${token}&next=${encodeURIComponent('/pipelines/shop')}`,
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/pipelines/shop');
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(/^ferry_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(token);
    const session = cookie.split(';')[0]!;
    expect((await http(at('/api/overview'), { headers: { Cookie: session } })).status).toBe(200);
    const stream = await events(at('/api/events'), { count: 1, headers: { Cookie: session } });
    expect(stream.status).toBe(200);
    expect(stream.events[0]?.event).toBe('history');
    expect((await http(at('/api/overview'), { headers: { Cookie: 'ferry_session=1.forged' } })).status).toBe(
      401,
    );
    // A sign-in form another site posts is refused like any other foreign POST.
    expect(
      (
        await http(at('/login'), {
          method: 'POST',
          headers: { ...form, Origin: 'http://evil.example' },
          body: `token=${token}`,
        })
      ).status,
    ).toBe(403);
    for (const path of ['/', '/api/overview', '/metrics'])
      expect((await http(at(path), { headers: { Cookie: session } })).body).not.toContain(token);
  });

  it('refuses to listen off loopback without a token, before connecting to anything', async () => {
    const refused = await runFerry(['-c', f.configPath, 'ui', '--host', '0.0.0.0', '--port', '0'], {
      env: { FERRY_UI_TOKEN: '' },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('without a token');
    expect(refused.stderr).toContain('FERRY_UI_TOKEN');
    const short = await runFerry(['-c', f.configPath, 'ui', '--host', '0.0.0.0', '--port', '0'], {
      env: { FERRY_UI_TOKEN: 'short' },
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16 characters');
  });
});
