import type { BackendSession, DispatcherSession } from './session.ts';
import { REALMS, type Realm, type SystemName } from '../core/api-call.ts';

/**
 * A session as a short binary record for an in-memory store, held as a one-byte (latin1) string:
 * a single heap object per session with no pointers for the GC to trace. The id is left out (it is
 * the map key), field names are positional, small enums are bits, hex and base64url strings
 * (session ids, tokens, secrets) are kept as their bytes, and a backend JWT keeps only its payload
 * and signature bytes, with the backend session id it repeats (`jti`) replaced by a marker byte.
 * Every conversion is taken only when it reproduces the original string exactly; a session with
 * fields this layout does not know is kept whole as JSON, so nothing is ever lost.
 *
 * Layout: expiresAt (float64, always first: see `packedExpiresAt`), a kind byte, then for the
 * compact kind two flag bytes and the fields in a fixed order.
 */

const JWT_HEADER = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.`;

const KIND_JSON = 0;
const KIND_COMPACT = 1;

// String encodings.
/** Code units all below 256, kept as they are (read back as a slice of the record). */
const S_LATIN1 = 7;
const S_UTF8 = 0;
const S_HEX = 1;
const S_B64URL = 2;
const S_ABSENT = 3;
/** An HS256 JWT with the standard header: payload and signature bytes. */
const S_JWT = 4;
/** As S_JWT, with the backend session id in the payload replaced by one 0x00 byte (valid JSON never has one). */
const S_JWT_JTI = 5;
/** A string UTF-8 cannot carry exactly (a lone surrogate): as JSON text. */
const S_JSON = 6;

// Number encodings.
const N_ABSENT = 0;
const N_UINT = 1;
const N_FLOAT = 2;

const SESSION_KEYS = new Set(['id', 'realm', 'login', 'refreshSecret', 'createdAt', 'expiresAt', 'context', 'pinned', 'iCustomer', 'iAccount', 'backends', 'missing', 'userId', 'clientIp']);
const BACKEND_KEYS = new Set(['sessionId', 'accessToken', 'refreshToken', 'expiresAt']);
const SYSTEM_KEYS = new Set(['source', 'target']);
const HEX = /^(?:[0-9a-f]{2})+$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

let out = Buffer.allocUnsafe(4096);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= out.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, pos + n));
  out.copy(bigger, 0, 0, pos);
  out = bigger;
}

function putByte(b: number): void {
  ensure(1);
  out[pos++] = b;
}

function putVarint(n: number): void {
  ensure(8);
  while (n >= 0x80) {
    out[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[pos++] = n;
}

function putBytes(b: Buffer): void {
  putVarint(b.length);
  ensure(b.length);
  b.copy(out, pos);
  pos += b.length;
}

function putNumber(n: number | undefined): void {
  if (n === undefined) return putByte(N_ABSENT);
  if (Number.isSafeInteger(n) && n >= 0) {
    putByte(N_UINT);
    return putVarint(n);
  }
  putByte(N_FLOAT);
  ensure(8);
  out.writeDoubleLE(n, pos);
  pos += 8;
}

/** Bytes of a base64url string, or undefined when they would not encode back to exactly it. */
function base64urlBytes(s: string): Buffer | undefined {
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

function putString(s: string | undefined): void {
  if (s === undefined) return putByte(S_ABSENT);
  if (HEX.test(s)) {
    putByte(S_HEX);
    return putBytes(Buffer.from(s, 'hex'));
  }
  const b64 = s.length >= 8 ? base64urlBytes(s) : undefined;
  if (b64 !== undefined) {
    putByte(S_B64URL);
    return putBytes(b64);
  }
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u00ff]*$/.test(s)) {
    putByte(S_LATIN1);
    putVarint(s.length);
    ensure(s.length);
    pos += out.write(s, pos, 'latin1');
    return;
  }
  const utf8 = Buffer.from(s, 'utf8');
  if (utf8.toString('utf8') !== s) {
    putByte(S_JSON);
    return putBytes(Buffer.from(JSON.stringify(s), 'utf8'));
  }
  putByte(S_UTF8);
  putBytes(utf8);
}

function putToken(token: string, sessionId: string): void {
  if (token.startsWith(JWT_HEADER)) {
    const dot = token.indexOf('.', JWT_HEADER.length);
    const payload = dot < 0 ? undefined : base64urlBytes(token.slice(JWT_HEADER.length, dot));
    const sig = dot < 0 ? undefined : base64urlBytes(token.slice(dot + 1));
    if (payload !== undefined && sig !== undefined) {
      const at = PRINTABLE_ASCII.test(sessionId) && !payload.includes(0) ? payload.indexOf(sessionId, 0, 'latin1') : -1;
      if (at >= 0) {
        putByte(S_JWT_JTI);
        putBytes(Buffer.concat([payload.subarray(0, at), Buffer.of(0), payload.subarray(at + Buffer.byteLength(sessionId))]));
      } else {
        putByte(S_JWT);
        putBytes(payload);
      }
      return putBytes(sig);
    }
  }
  putString(token);
}

function onlyKeys(o: object, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function compactBackend(b: BackendSession | undefined): boolean {
  return b === undefined || (onlyKeys(b, BACKEND_KEYS) && typeof b.sessionId === 'string' && typeof b.accessToken === 'string'
    && (b.refreshToken === undefined || typeof b.refreshToken === 'string') && typeof b.expiresAt === 'number');
}

const systemBit = (s: SystemName | undefined): number => (s === undefined ? 0 : s === 'source' ? 1 : s === 'target' ? 2 : 3);

/** Whether every field of `s` has the type and values the compact layout encodes exactly. */
function compactable(s: DispatcherSession): boolean {
  return onlyKeys(s, SESSION_KEYS) && onlyKeys(s.backends, SYSTEM_KEYS) && REALMS.includes(s.realm)
    && (s.context === 'source' || s.context === 'target') && systemBit(s.pinned) !== 3
    && typeof s.login === 'string' && typeof s.refreshSecret === 'string' && typeof s.clientIp === 'string'
    && typeof s.createdAt === 'number' && typeof s.expiresAt === 'number' && typeof s.userId === 'number'
    && (s.iCustomer === undefined || typeof s.iCustomer === 'number') && (s.iAccount === undefined || typeof s.iAccount === 'number')
    && Array.isArray(s.missing) && s.missing.length <= 2 && s.missing.every((m, i) => (m === 'source' && i === 0) || (m === 'target' && i === s.missing.length - 1))
    && compactBackend(s.backends.source) && compactBackend(s.backends.target);
}

function putBackend(b: BackendSession | undefined): void {
  if (b === undefined) return;
  putString(b.sessionId);
  putToken(b.accessToken, b.sessionId);
  putString(b.refreshToken);
  putNumber(b.expiresAt);
}

/** `session` packed into one short string (see the layout above). */
export function packSession(s: DispatcherSession): string {
  pos = 0;
  ensure(16);
  out.writeDoubleLE(s.expiresAt, 0);
  pos = 8;
  if (!compactable(s)) {
    putByte(KIND_JSON);
    const json = Buffer.from(JSON.stringify(s), 'utf8');
    ensure(json.length);
    json.copy(out, pos);
    pos += json.length;
    return out.toString('latin1', 0, pos);
  }
  putByte(KIND_COMPACT);
  putByte(REALMS.indexOf(s.realm) | (s.context === 'target' ? 4 : 0) | (systemBit(s.pinned) << 3)
    | (s.missing.includes('source') ? 32 : 0) | (s.missing.includes('target') ? 64 : 0));
  putByte((s.backends.source !== undefined ? 1 : 0) | (s.backends.target !== undefined ? 2 : 0));
  putNumber(s.createdAt);
  putNumber(s.iCustomer);
  putNumber(s.iAccount);
  putNumber(s.userId);
  putString(s.login);
  putString(s.refreshSecret);
  putString(s.clientIp);
  putBackend(s.backends.source);
  putBackend(s.backends.target);
  return out.toString('latin1', 0, pos);
}

// Decoding: `buf` and `at` are the record being read (synchronous, so module state is safe).
let buf: Buffer = out;
let text = '';
let at = 0;
let scratch = Buffer.allocUnsafe(1024);
/** The record being read, as bytes (reused: a read allocates only the strings it returns). */
let record = Buffer.allocUnsafe(4096);

function getVarint(): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at++]!;
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 0x80;
  }
}

function getNumber(): number | undefined {
  const tag = buf[at++];
  if (tag === N_ABSENT) return undefined;
  if (tag === N_UINT) return getVarint();
  const n = buf.readDoubleLE(at);
  at += 8;
  return n;
}

function getRaw(encoding: 'hex' | 'base64url' | 'utf8'): string {
  const len = getVarint();
  const s = buf.toString(encoding, at, at + len);
  at += len;
  return s;
}

function getString(sessionId = ''): string | undefined {
  const tag = buf[at++];
  switch (tag) {
    case S_LATIN1: {
      const len = getVarint();
      at += len;
      return text.slice(at - len, at);
    }
    case S_HEX: return getRaw('hex');
    case S_B64URL: return getRaw('base64url');
    case S_UTF8: return getRaw('utf8');
    case S_ABSENT: return undefined;
    case S_JSON: return JSON.parse(getRaw('utf8')) as string;
    case S_JWT: {
      const payload = getRaw('base64url');
      return `${JWT_HEADER}${payload}.${getRaw('base64url')}`;
    }
    default: {
      // S_JWT_JTI: put the session id back where the marker byte is.
      const len = getVarint();
      const end = at + len;
      const marker = text.indexOf('\u0000', at);
      const bytes = text.slice(at, marker) + sessionId + text.slice(marker + 1, end);
      if (scratch.length < bytes.length) scratch = Buffer.allocUnsafe(2 * bytes.length);
      const payload = scratch.toString('base64url', 0, scratch.write(bytes, 0, 'latin1'));
      at = end;
      return `${JWT_HEADER}${payload}.${getRaw('base64url')}`;
    }
  }
}

function getBackend(): BackendSession {
  const sessionId = getString()!;
  const accessToken = getString(sessionId)!;
  const refreshToken = getString();
  const b: BackendSession = { sessionId, accessToken, expiresAt: getNumber()! };
  if (refreshToken !== undefined) b.refreshToken = refreshToken;
  return b;
}

const SYSTEM_OF_BITS: readonly (SystemName | undefined)[] = [undefined, 'source', 'target'];
const MISSING_OF_BITS: readonly (readonly SystemName[])[] = [[], ['source'], ['target'], ['source', 'target']];

/** The session `packSession` packed, as a fresh object. */
export function unpackSession(id: string, packed: string): DispatcherSession {
  text = packed;
  if (record.length < packed.length) record = Buffer.allocUnsafe(2 * packed.length);
  buf = record;
  buf.write(packed, 0, 'latin1');
  if (buf[8] === KIND_JSON) return JSON.parse(buf.toString('utf8', 9, packed.length)) as DispatcherSession;
  const expiresAt = buf.readDoubleLE(0);
  const flags = buf[9]!;
  const present = buf[10]!;
  at = 11;
  const createdAt = getNumber()!;
  const iCustomer = getNumber();
  const iAccount = getNumber();
  const userId = getNumber()!;
  const login = getString()!;
  const refreshSecret = getString()!;
  const clientIp = getString()!;
  const backends: DispatcherSession['backends'] = {};
  if ((present & 1) !== 0) backends.source = getBackend();
  if ((present & 2) !== 0) backends.target = getBackend();
  const s: DispatcherSession = {
    id, realm: REALMS[flags & 3] as Realm, login, refreshSecret, createdAt, expiresAt,
    context: (flags & 4) !== 0 ? 'target' : 'source', backends, missing: [...MISSING_OF_BITS[(flags >> 5) & 3]!], userId, clientIp,
  };
  const pinned = SYSTEM_OF_BITS[(flags >> 3) & 3];
  if (pinned !== undefined) s.pinned = pinned;
  if (iCustomer !== undefined) s.iCustomer = iCustomer;
  if (iAccount !== undefined) s.iAccount = iAccount;
  return s;
}

const expiryBytes = new Uint8Array(8);
const expiry = new DataView(expiryBytes.buffer);

/** `expiresAt` of a packed session, read without decoding the rest. */
export function packedExpiresAt(text: string): number {
  for (let i = 0; i < 8; i++) expiryBytes[i] = text.charCodeAt(i);
  return expiry.getFloat64(0, true);
}

/** Whether `packed` is in the compact layout (a session `copySession` copies exactly). */
export function isCompact(packed: string): boolean {
  return packed.charCodeAt(8) === KIND_COMPACT;
}

/** A deep copy of a session of the compact layout's shape (flat fields, `backends`, `missing`). */
export function copySession(s: DispatcherSession): DispatcherSession {
  const backends: DispatcherSession['backends'] = {};
  if (s.backends.source !== undefined) backends.source = { ...s.backends.source };
  if (s.backends.target !== undefined) backends.target = { ...s.backends.target };
  return { ...s, backends, missing: [...s.missing] };
}
