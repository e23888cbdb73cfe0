// Request checks every route goes through: the Host allow-list, the session, and for requests that
// change state, proof they come from the UI's own page: a POST from this origin with a JSON body (a
// form on another site can send neither that Origin nor that content type). GET never changes state.
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { HostCheck } from './hosts.js';
import { SESSION_COOKIE, type Sessions } from './session.js';
import { signInPage } from './sign-in.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function checkHost(allowed: HostCheck): MiddlewareHandler {
  return async (c, next) => {
    if (!allowed(c.req.header('host')))
      return c.text(
        'refused: this server does not answer to that Host name (add it to ui.allowed_hosts if it is yours)\n',
        403,
      );
    await next();
  };
}

/** Whether a state-changing request came from a page of this very server. */
export function sameOrigin(headers: {
  origin?: string | undefined;
  host?: string | undefined;
  fetchSite?: string | undefined;
}): boolean {
  if (headers.fetchSite !== undefined && headers.fetchSite !== 'same-origin' && headers.fetchSite !== 'none')
    return false;
  if (headers.origin === undefined) return headers.fetchSite === undefined; // not a browser (curl, a script)
  try {
    return new URL(headers.origin).host === headers.host;
  } catch {
    return false;
  }
}

export function checkOrigin(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const ok = sameOrigin({
      origin: c.req.header('origin'),
      host: c.req.header('host'),
      fetchSite: c.req.header('sec-fetch-site'),
    });
    if (!ok)
      return c.json({ error: 'refused: a request from another site cannot change anything here' }, 403);
    const type = c.req.header('content-type') ?? '';
    const isLogin = c.req.path === '/login' || c.req.path === '/logout';
    if (!isLogin && !type.startsWith('application/json'))
      return c.json({ error: 'refused: send JSON (Content-Type: application/json)' }, 415);
    await next();
  };
}

export function checkSession(sessions: Sessions, open: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (!sessions.required || open(c.req.path)) return next();
    if (sessions.admits(getCookie(c, SESSION_COOKIE), c.req.header('authorization'))) return next();
    const wantsPage = c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
    if (wantsPage) return signInPage(c, { next: c.req.path, status: 401 });
    c.header('WWW-Authenticate', 'Bearer realm="ferry"');
    return c.json(
      { error: 'sign in first: open /login in a browser, or send Authorization: Bearer <token>' },
      401,
    );
  };
}
