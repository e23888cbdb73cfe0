// Sign-in with the UI token: the token is posted once from the sign-in form and answered with an
// HttpOnly, SameSite=Strict session cookie (an expiry and its HMAC under the token), which browsers
// send on every request, event streams included. Scrapers and scripts send the token as a bearer
// token instead. The token itself never appears in a URL, a page or a log.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'ferry_session';
export const SESSION_SECONDS = 12 * 3600;

export interface Sessions {
  /** Whether the token is required at all (a loopback server without one lets everyone in). */
  readonly required: boolean;
  /** Whether a request carries a valid session cookie or bearer token. */
  admits(cookie: string | undefined, authorization: string | undefined, now?: number): boolean;
  /** Whether a token typed into the sign-in form is the right one. */
  tokenMatches(candidate: string): boolean;
  /** A new session cookie's value. */
  issue(now?: number): string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createSessions(token: string | undefined): Sessions {
  const sign = (expires: number) =>
    createHmac('sha256', token ?? '')
      .update(`ferry ui session ${expires}`)
      .digest('base64url');
  const validCookie = (value: string, now: number) => {
    const [expires, mac] = value.split('.');
    if (!expires || !mac || !/^\d+$/.test(expires) || Number(expires) * 1000 < now) return false;
    return same(mac, sign(Number(expires)));
  };
  return {
    required: token !== undefined,
    admits(cookie, authorization, now = Date.now()) {
      if (token === undefined) return true;
      if (cookie && validCookie(cookie, now)) return true;
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
      return bearer !== undefined && same(bearer.trim(), token);
    },
    tokenMatches(candidate) {
      return token !== undefined && same(candidate, token);
    },
    issue(now = Date.now()) {
      const expires = Math.floor(now / 1000) + SESSION_SECONDS;
      return `${expires}.${sign(expires)}`;
    },
  };
}
