// The sign-in page and its form: the one page served without a session. Plain HTML with every value
// escaped; its only style is inline under a per-response nonce, so it loads nothing else.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { policy } from './headers.js';
import { SESSION_COOKIE, SESSION_SECONDS, type Sessions } from './session.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/** A path to go back to after signing in: only a path of this server. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function signInPage(
  c: Context,
  options: { next: string; status: 401 | 200; problem?: string },
): Response {
  const nonce = randomBytes(16).toString('base64');
  c.header('Content-Security-Policy', policy(nonce));
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ferry: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${nonce}">body{font:15px system-ui,sans-serif;background:#f6f7f9;color:#1d2430;display:grid;place-items:center;min-height:90vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;display:grid;gap:.8rem;min-width:20rem}
input{font:inherit;padding:.5rem}button{font:inherit;padding:.5rem;background:#2457c5;color:#fff;border:0;border-radius:4px}
.problem{color:#b42318}</style></head><body>
<form method="post" action="/login"><h1>ferry</h1>
<label>UI token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<input type="hidden" name="next" value="${escapeHtml(safeNext(options.next))}">
${options.problem ? `<p class="problem">${escapeHtml(options.problem)}</p>` : ''}
<button type="submit">Sign in</button>
<small>The token is FERRY_UI_TOKEN (or ui.token) of the machine running ferry.</small></form></body></html>`,
    options.status,
  );
}

export async function signIn(c: Context, sessions: Sessions): Promise<Response> {
  const form = await c.req.parseBody();
  const token = typeof form.token === 'string' ? form.token : '';
  const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
  if (!sessions.tokenMatches(token)) {
    // A wrong token costs a moment, so guessing is slow as well as hopeless.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return signInPage(c, { next, status: 401, problem: 'That is not the token of this server.' });
  }
  setCookie(c, SESSION_COOKIE, sessions.issue(), {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_SECONDS,
    secure: c.req.header('x-forwarded-proto') === 'https' || new URL(c.req.url).protocol === 'https:',
  });
  return c.redirect(next, 303);
}

export function signOut(c: Context): Response {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  return c.redirect('/login', 303);
}
