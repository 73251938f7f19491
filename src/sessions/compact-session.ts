import type { BackendSession, DispatcherSession } from './session.ts';
import type { Realm, SystemName } from '../routing/api-call.ts';

/** `{"alg":"HS256","typ":"JWT"}` base64url-encoded and its dot: the same on nearly every backend token. */
const JWT_HEADER = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.`;

const SESSION_KEYS = new Set(['id', 'realm', 'login', 'refreshSecret', 'createdAt', 'expiresAt', 'context', 'pinned', 'iCustomer', 'iAccount', 'backends', 'missing', 'userId', 'clientIp']);
const BACKEND_KEYS = new Set(['sessionId', 'accessToken', 'refreshToken', 'expiresAt']);

type Packed = string | number | null | Packed[];

function onlyKeys(o: object, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function packBackend(b: BackendSession | undefined): Packed | undefined {
  if (b === undefined) return null;
  if (!onlyKeys(b, BACKEND_KEYS)) return undefined;
  const stripped = b.accessToken.startsWith(JWT_HEADER);
  const out: Packed[] = [b.sessionId, stripped ? 1 : 0, stripped ? b.accessToken.slice(JWT_HEADER.length) : b.accessToken, b.expiresAt];
  if (b.refreshToken !== undefined) out.push(b.refreshToken);
  return out;
}

function unpackBackend(p: Packed): BackendSession | undefined {
  if (!Array.isArray(p)) return undefined;
  const b: BackendSession = { sessionId: p[0] as string, accessToken: p[1] === 1 ? JWT_HEADER + (p[2] as string) : (p[2] as string), expiresAt: p[3] as number };
  if (p.length > 4) b.refreshToken = p[4] as string;
  return b;
}

/**
 * A session as short JSON text for an in-memory store: a positional array without key names, the
 * id left out (it is the map key), and backend JWTs without their constant header. The first
 * element is always `expiresAt` (see `packedExpiresAt`). A session with fields this layout does not
 * know is kept whole, so nothing is ever lost.
 */
export function packSession(s: DispatcherSession): string {
  const source = packBackend(s.backends.source);
  const target = packBackend(s.backends.target);
  if (source === undefined || target === undefined || !onlyKeys(s, SESSION_KEYS) || !onlyKeys(s.backends, SYSTEM_KEYS)) {
    return JSON.stringify([s.expiresAt, 0, s]);
  }
  return JSON.stringify([
    s.expiresAt, s.realm, s.login, s.refreshSecret, s.createdAt, s.context,
    s.pinned ?? null, s.iCustomer ?? null, s.iAccount ?? null, source, target, s.missing, s.userId, s.clientIp,
  ]);
}

const SYSTEM_KEYS = new Set(['source', 'target']);

/** The session `packSession` packed, as a fresh object. */
export function unpackSession(id: string, text: string): DispatcherSession {
  const p = JSON.parse(text) as Packed[];
  if (p[1] === 0) return p[2] as unknown as DispatcherSession;
  const backends: DispatcherSession['backends'] = {};
  const source = unpackBackend(p[9]!);
  if (source !== undefined) backends.source = source;
  const target = unpackBackend(p[10]!);
  if (target !== undefined) backends.target = target;
  const s: DispatcherSession = {
    id, realm: p[1] as Realm, login: p[2] as string, refreshSecret: p[3] as string, createdAt: p[4] as number, expiresAt: p[0] as number,
    context: p[5] as SystemName, backends, missing: p[11] as SystemName[], userId: p[12] as number, clientIp: p[13] as string,
  };
  if (p[6] !== null) s.pinned = p[6] as SystemName;
  if (p[7] !== null) s.iCustomer = p[7] as number;
  if (p[8] !== null) s.iAccount = p[8] as number;
  return s;
}

/** `expiresAt` of a packed session, read without parsing the rest. */
export function packedExpiresAt(text: string): number {
  return Number(text.slice(1, text.indexOf(',')));
}
