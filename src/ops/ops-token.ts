import type { IncomingMessage } from 'node:http';
import type { OpsRoute } from './ops-route.ts';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The console's session cookie (set by `POST /v1/console/login`). */
export const CONSOLE_COOKIE = 'wd_ops';

function cookieMac(token: string, expires: number): Buffer {
  return createHmac('sha256', token).update(`webdispatcher-console:${expires}`).digest();
}

/**
 * A console cookie value valid until `expires` (epoch ms): the expiry and an HMAC of it keyed by
 * the ops token. Stateless, so every node that shares the ops token accepts it, and changing the
 * token ends every console session.
 */
export function consoleCookieValue(token: string, expires: number): string {
  return `${expires}.${cookieMac(token, expires).toString('base64url')}`;
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function validConsoleCookie(req: IncomingMessage, token: string): boolean {
  const m = /^([0-9]{1,15})\.([A-Za-z0-9_-]{43})$/.exec(cookieOf(req, CONSOLE_COOKIE) ?? '');
  if (m === null) return false;
  const expires = Number(m[1]);
  return expires > Date.now() && timingSafeEqual(Buffer.from(m[2]!, 'base64url'), cookieMac(token, expires));
}

/**
 * Whether a request carries `Authorization: Bearer <token>` for the operator APIs, or a valid
 * console cookie. Compared as fixed-length digests in constant time, so neither the token nor its
 * length leaks through timing.
 */
export function hasOpsToken(req: IncomingMessage, token: string): boolean {
  if (token.length === 0) return false;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (m !== null) return timingSafeEqual(digest(m[1]!.trim()), digest(token));
  return validConsoleCookie(req, token);
}

/** True when `candidate` is the ops token (constant time). */
export function isOpsToken(candidate: string, token: string): boolean {
  return token.length > 0 && timingSafeEqual(digest(candidate), digest(token));
}

/** Operator endpoints need the ops bearer token. */
export function withOpsToken(token: string, route: OpsRoute): OpsRoute {
  return async (req, res) => {
    if (!(req.url ?? '').startsWith('/v1/')) return false;
    if (!hasOpsToken(req, token)) {
      const body = JSON.stringify({ faultcode: 'Server.Dispatcher.forbidden', faultstring: 'The ops API needs Authorization: Bearer <ops token> (or the console\'s session cookie)' });
      res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    return route(req, res);
  };
}
