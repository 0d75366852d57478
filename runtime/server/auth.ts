// Token sessions, the way Jupyter does them: API clients send `Authorization: Bearer <token>`;
// a browser opens `/?token=<token>` once, gets an HttpOnly SameSite=Strict cookie and is redirected
// to the same URL without the token, so it never stays in the address bar, history or logs.
// `?token=` is taken only there and on the WebSocket (for clients that cannot set headers).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { errorBody } from './errors';

export interface TokenAuthOptions {
  token: string;
  /** Cookies are not port-specific: the cookie name carries the port, so two servers on one host do not clash. */
  cookieName: () => string;
  webSocketPath: string;
}

/** Equal in constant time: both sides are hashed first, so not even the length leaks. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie holds a value derived from the token, not the token itself. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('atelier-session/1').digest('base64url');
}

export function tokenAuth(options: TokenAuthOptions): MiddlewareHandler {
  const session = sessionValue(options.token);
  return async (c, next) => {
    const queryToken = c.req.query('token');
    if (c.req.path === '/' && queryToken !== undefined && c.req.method === 'GET') {
      if (!sameSecret(queryToken, options.token)) return refuse(c, 'the token in the address is not this server\'s ATELIER_TOKEN');
      setCookie(c, options.cookieName(), session, { httpOnly: true, sameSite: 'Strict', path: '/', secure: new URL(c.req.url).protocol === 'https:' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      c.header('cache-control', 'no-store');
      return c.redirect(`${url.pathname}${url.search}`, 302);
    }
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const cookie = getCookie(c, options.cookieName());
    const ok =
      (bearer !== undefined && sameSecret(bearer, options.token)) ||
      (cookie !== undefined && sameSecret(cookie, session)) ||
      (c.req.path === options.webSocketPath && queryToken !== undefined && sameSecret(queryToken, options.token));
    if (!ok) return refuse(c, 'this server requires Authorization: Bearer <ATELIER_TOKEN> (browsers: open /?token=<ATELIER_TOKEN> once)');
    await next();
    // What a token protects is nobody's shared cache's business.
    const cacheControl = c.res.headers.get('cache-control');
    if (cacheControl?.includes('public')) c.res.headers.set('cache-control', cacheControl.replace('public', 'private'));
  };
}

function refuse(c: Context, message: string) {
  if (c.req.path.startsWith('/api/')) return c.json(errorBody('unauthorized', message), 401);
  return c.html(
    `<!doctype html><meta charset="utf-8"><title>Atelier: token required</title><h1>Token required</h1><p>This Atelier server requires its token. Open the address <code>atelier serve</code> printed (it ends in <code>/?token=…</code>), or ask whoever runs it.</p>`,
    401,
  );
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
