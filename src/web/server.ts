// The web UI's HTTP server (Hono on Node's http): the security checks every request passes, the
// JSON endpoints the page reads (docs/ui.md), its actions, live events, /metrics and the page itself.
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { connectPostgres, postgresPool } from '../connectors/postgres/connect.js';
import { ConnectionError, isFerryError, LockError, messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { redact } from '../observability/redact.js';
import type { Orchestrator } from '../orchestration/orchestrator.js';
import type { ApiErrorJson, QuarantineSelection } from './api-types.js';
import { historyEvents, taskLogEvents, watchHistory } from './api/events.js';
import { modelsGraph } from './api/models.js';
import { overview } from './api/overview.js';
import { retry, trigger } from './api/pipeline-actions.js';
import { grid, runDetail, taskDetail } from './api/pipelines.js';
import { discard, quarantineEntry, quarantineList, replay, selectionFromQuery } from './api/quarantine.js';
import { streamDetail, streamSummaries } from './api/streams.js';
import { verifyDetail, verifyHistory } from './api/verify.js';
import { loadAssets, type PageAssets } from './assets.js';
import { createMetrics } from './metrics.js';
import { checkBinding } from './security/binding.js';
import { securityHeaders } from './security/headers.js';
import { hostAllowList } from './security/hosts.js';
import { checkHost, checkOrigin, checkSession } from './security/requests.js';
import { createSessions } from './security/session.js';
import { signIn, signInPage, signOut } from './security/sign-in.js';
import { HttpError, type UiContext } from './ui-context.js';

export interface UiServerOptions {
  host: string;
  port: number;
  /** Required off loopback; when set, every request needs the session cookie or the bearer token. */
  token: string | undefined;
  /** Host names the server answers to besides localhost and its own addresses. */
  allowedHosts: readonly string[];
  orch: Orchestrator;
  logger: Logger;
  signal: AbortSignal;
  /** The page's built files (default: dist/web/assets). */
  assets?: PageAssets;
}

export interface UiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Paths served without a session: the sign-in form itself. */
const OPEN_PATHS = new Set(['/login']);

/** JSON with every registered secret and credentialed URL taken out, whatever a stored error says. */
function json(c: Context, data: unknown, status: 200 | 400 | 404 | 409 | 500 = 200): Response {
  return c.body(redact(JSON.stringify(data)), status, { 'Content-Type': 'application/json; charset=utf-8' });
}

function errorResponse(c: Context, error: unknown, logger: Logger): Response {
  if (error instanceof HttpError)
    return json(
      c,
      { error: error.message, ...(error.hint ? { hint: error.hint } : {}) } satisfies ApiErrorJson,
      error.status,
    );
  if (isFerryError(error)) {
    const status = error.kind === 'configuration' ? 400 : error instanceof LockError ? 409 : 500;
    return json(c, { error: error.message, ...(error.hint ? { hint: error.hint } : {}) }, status);
  }
  logger.error({ err: error }, `web UI: ${messageOf(error)}`);
  return json(c, { error: `${messageOf(error)} (a bug in ferry; the server log has the details)` }, 500);
}

async function bodyOf<T>(c: Context): Promise<T> {
  try {
    const body: unknown = await c.req.json();
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body as T;
  } catch {
    throw new HttpError(400, 'the request body must be a JSON object');
  }
}

export function buildApp(
  ctx: UiContext,
  options: Omit<UiServerOptions, 'orch' | 'logger' | 'signal'> & { port: number; actualPort: () => number },
): Hono {
  const sessions = createSessions(options.token);
  const assets = options.assets ?? loadAssets();
  const watch = watchHistory(ctx);
  const metrics = createMetrics(ctx);
  const app = new Hono();

  app.use('*', securityHeaders());
  app.use(
    '*',
    checkHost(hostAllowList({ host: options.host, port: options.actualPort, allowed: options.allowedHosts })),
  );
  app.use('*', checkOrigin());
  app.use(
    '*',
    checkSession(sessions, (path) => OPEN_PATHS.has(path)),
  );
  app.onError((error, c) => errorResponse(c, error, ctx.logger));
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? json(c, { error: `no endpoint ${c.req.method} ${c.req.path}` }, 404)
      : c.text('not found\n', 404),
  );

  app.get('/login', (c) =>
    sessions.required
      ? signInPage(c, { next: c.req.query('next') ?? '/', status: 200 })
      : c.redirect('/', 303),
  );
  app.post('/login', (c) => signIn(c, sessions));
  app.post('/logout', (c) => signOut(c));

  app.get('/metrics', async (c) =>
    c.body(redact(await metrics.render()), 200, { 'Content-Type': metrics.contentType }),
  );

  app.get('/api/overview', async (c) => json(c, await overview(ctx)));
  app.get('/api/pipelines/:name/grid', async (c) => {
    const limit = c.req.query('limit');
    if (limit !== undefined && !/^\d{1,3}$/.test(limit))
      throw new HttpError(400, 'limit must be a number of runs');
    return json(
      c,
      await grid(ctx, c.req.param('name'), {
        before: c.req.query('before'),
        limit: limit === undefined ? undefined : Number(limit),
      }),
    );
  });
  app.post('/api/pipelines/:name/trigger', async (c) =>
    json(c, await trigger(ctx, c.req.param('name'), await bodyOf(c))),
  );
  app.get('/api/runs/:id', async (c) => json(c, await runDetail(ctx, c.req.param('id'))));
  app.post('/api/runs/:id/retry', async (c) => json(c, await retry(ctx, c.req.param('id'), await bodyOf(c))));
  app.get('/api/runs/:id/tasks/:task', async (c) =>
    json(c, await taskDetail(ctx, c.req.param('id'), c.req.param('task'))),
  );
  app.get('/api/runs/:id/tasks/:task/log', (c) => {
    const resume = c.req.header('last-event-id') ?? c.req.query('from') ?? '0';
    if (!/^\d{1,12}$/.test(resume)) throw new HttpError(400, 'from must be a character offset');
    if (!/^[1-9]\d{0,17}$/.test(c.req.param('id'))) throw new HttpError(400, 'a run id is a positive number');
    return streamSSE(c, (stream) =>
      taskLogEvents(ctx, c.req.param('id'), c.req.param('task'), Number(resume), stream),
    );
  });
  app.get('/api/events', (c) => streamSSE(c, (stream) => historyEvents(ctx, watch, stream)));
  app.get('/api/streams', async (c) => json(c, await streamSummaries(ctx)));
  app.get('/api/streams/:table', async (c) => json(c, await streamDetail(ctx, c.req.param('table'))));
  app.get('/api/quarantine', async (c) =>
    json(c, await quarantineList(ctx, selectionFromQuery(c.req.query()))),
  );
  app.get('/api/quarantine/:id', async (c) => json(c, await quarantineEntry(ctx, c.req.param('id'))));
  app.post('/api/quarantine/replay', async (c) =>
    json(c, await replay(ctx, await bodyOf<QuarantineSelection>(c))),
  );
  app.post('/api/quarantine/discard', async (c) =>
    json(c, await discard(ctx, await bodyOf<QuarantineSelection>(c))),
  );
  app.get('/api/verify', async (c) => json(c, await verifyHistory(ctx)));
  app.get('/api/verify/:runId', async (c) => json(c, await verifyDetail(ctx, c.req.param('runId'))));
  app.get('/api/models', async (c) => json(c, await modelsGraph(ctx)));

  app.get('/assets/:file', (c) => {
    const asset = assets.file(c.req.param('file'));
    if (!asset) return c.text('not found\n', 404);
    return c.body(new Uint8Array(asset.body), 200, {
      'Content-Type': asset.type,
      'Cache-Control': c.req.query('v') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  });
  // Every other path is a page of the UI: the same HTML, the page's router shows the right one.
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/')) return json(c, { error: `no endpoint GET ${c.req.path}` }, 404);
    if (!assets.html)
      return c.text(
        'the web UI is not built in this installation: run `npm run build` (or `make build`)\n',
        503,
      );
    return c.html(assets.html);
  });
  return app;
}

/** Starts the UI on its own pool of the target database; refuses an off-loopback address without a token. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  checkBinding(options); // the CLI checks first, before connecting; a library caller gets the same
  const { orch, logger } = options;
  const setup = await connectPostgres(orch.project.target);
  try {
    await orch.state.migrate(setup);
  } finally {
    await setup.end().catch(() => undefined);
  }
  const target = postgresPool(orch.project.target, 4);
  target.on('error', (error) =>
    logger.warn({ err: error }, `web UI: target connection lost: ${messageOf(error)}`),
  );
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const ctx: UiContext = { orch, target, logger, signal, now: () => new Date() };
  let port = options.port;
  const app = buildApp(ctx, { ...options, actualPort: () => port });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await target.end().catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConnectionError(
      `the web UI cannot listen on ${options.host}:${options.port}: ${code ?? messageOf(error)}`,
      {
        hint:
          code === 'EADDRINUSE'
            ? 'another process uses that port: pick another with --port (or ui.port), or --no-ui for `ferry server` without the UI'
            : 'check --host (or ui.host): it must be an address of this machine',
      },
    );
  }
  port = (server.address() as AddressInfo).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    async close() {
      stop.abort(new Error('the web UI is stopping'));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await target.end().catch(() => undefined);
    },
  };
}
