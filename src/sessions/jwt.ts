import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtPayload = Record<string, string | number | boolean | null>;

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Signs an HS256 JWT. Clients decode its payload (`exp`, `login`) without checking the signature. */
export function signJwt(payload: JwtPayload, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url');
  return `${HEADER}.${body}.${sig}`;
}

/** Returns the payload of a token signed with `secret`, or undefined when it is malformed or forged. */
export function verifyJwt(token: string, secret: string): JwtPayload | undefined {
  if (token.length > 4096) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, sig] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as JwtPayload) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a JWT payload without verifying it (to learn a backend token's `exp`). */
export function decodeJwtUnverified(token: string): JwtPayload | undefined {
  const body = token.split('.')[1];
  if (body === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as JwtPayload) : undefined;
  } catch {
    return undefined;
  }
}
