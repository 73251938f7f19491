import type { IncomingMessage } from 'node:http';
import type { OpsRoute } from './ops-route.ts';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Whether a request carries `Authorization: Bearer <token>` for the operator APIs. Compared as
 * fixed-length digests in constant time, so neither the token nor its length leaks through timing.
 */
export function hasOpsToken(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return token.length > 0 && m !== null && timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

/** Operator endpoints need the ops bearer token. */
export function withOpsToken(token: string, route: OpsRoute): OpsRoute {
  return async (req, res) => {
    if (!(req.url ?? '').startsWith('/v1/')) return false;
    if (!hasOpsToken(req, token)) {
      const body = JSON.stringify({ faultcode: 'Server.Dispatcher.forbidden', faultstring: 'The ops API needs Authorization: Bearer <ops token>' });
      res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    return route(req, res);
  };
}
