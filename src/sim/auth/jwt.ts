import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JsonObject } from '../../core/api-call.ts';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Signs an HS256 JWT. */
export function signJwt(payload: JsonObject, secret: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url');
  return `${HEADER}.${body}.${sig}`;
}

/** Verifies an HS256 JWT; undefined when it is malformed or its signature is wrong (exp is not checked here). */
export function verifyJwt(token: string, secret: Buffer): JsonObject | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, b, s] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${h}.${b}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') return undefined;
    const payload: unknown = JSON.parse(Buffer.from(b, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    return payload as JsonObject;
  } catch {
    return undefined;
  }
}
