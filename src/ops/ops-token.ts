import type { IncomingMessage } from 'node:http';
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
