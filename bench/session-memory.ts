/**
 * S6, sessions half, at the store level: heap and RSS per live session in the in-memory session
 * store, filled through its real API (`put`) with sessions shaped like the ones a login leaves:
 * dispatcher id and refresh secret from SessionTokens, and for every system a backend session as
 * the simulator (PortaBilling's shape) issues it — 32-hex session id and refresh token, an HS256
 * access token whose payload carries iat/exp/jti/login/realm/i_env/aud/i_user. Every token is
 * distinct, so nothing is shared between sessions that would not be in production. The heap figure
 * is exact (gc() before each reading); RSS also holds what V8 keeps for growth.
 *
 *   node --expose-gc --import tsx bench/session-memory.ts [--sessions 1000000] [--shape admin|customer]
 *
 * Prints one JSON line per level (heap and RSS per session after gc(), get/put cost).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemorySessionStore } from '../src/sessions/memory-session-store.ts';
import { SessionTokens } from '../src/sessions/session-tokens.ts';
import type { BackendSession, DispatcherSession } from '../src/sessions/session.ts';

/** One level of a store-level fill. */
export interface StoreLevel {
  sessions: number;
  shape: 'admin' | 'customer';
  heapBytesPerSession: number;
  rssBytesPerSession: number;
  rssMiB: number;
  heapMiB: number;
  /** Mean cost of one `get` of a random live session, ns (process CPU time): the decoding path. */
  getNs: number;
  /** Mean cost of one `get` of the session read just before (a client calling again). */
  hotGetNs: number;
  /** Mean cost of one `put` while filling, ns (includes building the session, so an upper bound). */
  putNs: number;
}

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Random bytes drawn in bulk (one call per 64 KiB instead of three per backend session). */
let pool = Buffer.alloc(0);
let poolAt = 0;
function random(n: number): Buffer {
  if (poolAt + n > pool.length) { pool = randomBytes(65_536); poolAt = 0; }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/**
 * A backend session as the simulator's login reply turns into one (src/backends/backend-sessions.ts):
 * its token is shaped like the simulator's (src/sim/auth/jwt.ts) with 32 random bytes standing in for
 * the HMAC (same length and entropy, a fraction of the cost at a million sessions).
 */
function backendSession(env: number, realm: string, login: string, now: number, ttl: number, ids: Record<string, number>): BackendSession {
  const sessionId = random(16).toString('hex');
  const payload: Record<string, string | number> = { iat: now, exp: now + ttl, jti: sessionId, login, realm, i_env: env, aud: `porta-billing-${realm}`, ...ids };
  const accessToken = `${JWT_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${random(32).toString('base64url')}`;
  return { sessionId, accessToken, refreshToken: random(16).toString('hex'), expiresAt: now + ttl };
}

/** A dispatcher session as SessionOps.login builds it. */
export function loginShapedSession(tokens: SessionTokens, shape: 'admin' | 'customer', n: number): DispatcherSession {
  const now = Math.floor(Date.now() / 1000);
  const ttl = 3600;
  if (shape === 'admin') {
    return {
      id: tokens.newSessionId(), realm: 'admin', login: 'admin', refreshSecret: tokens.newRefreshSecret(), createdAt: now, expiresAt: now + ttl,
      context: 'source',
      backends: { source: backendSession(3, 'admin', 'admin', now, ttl, { i_user: 1 }), target: backendSession(8, 'admin', 'admin', now, ttl, { i_user: 1 }) },
      missing: [], userId: 1, clientIp: '127.0.0.1',
    };
  }
  const iCustomer = 1000 + n;
  const login = `customer${iCustomer}`;
  return {
    id: tokens.newSessionId(), realm: 'customer', login, refreshSecret: tokens.newRefreshSecret(), createdAt: now, expiresAt: now + ttl,
    context: 'source', pinned: 'source', iCustomer,
    backends: { source: backendSession(3, 'customer', login, now, ttl, { i_customer: iCustomer }) },
    missing: [], userId: iCustomer, clientIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  };
}

function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
}

const cpuNs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };

/** Fills one store through `levels` (cumulative) and measures each. */
export async function storeFill(levels: readonly number[], shape: 'admin' | 'customer'): Promise<StoreLevel[]> {
  const tokens = new SessionTokens('bench-secret');
  const store = new MemorySessionStore();
  const ids: string[] = [];
  // Warm the code paths so JIT code is not counted as session memory.
  for (let i = 0; i < 2000; i++) { const s = loginShapedSession(tokens, shape, i); await store.put(s); await store.get(s.id); await store.delete(s.id); }
  gcNow();
  const base = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  const out: StoreLevel[] = [];
  let putCpu = 0;
  for (const level of levels) {
    const from = ids.length;
    const t0 = cpuNs();
    for (let i = from; i < level; i++) {
      const s = loginShapedSession(tokens, shape, i);
      await store.put(s);
      ids.push(s.id);
    }
    putCpu += cpuNs() - t0;
    gcNow();
    const m = process.memoryUsage();
    // The ids array is the bench's, not the store's: an 8-byte slot (Node's V8 is built without
    // pointer compression) plus the id string (16-byte header + 48 hex digits).
    const benchOwn = ids.length * (8 + 64);
    const samples = 200_000;
    let seed = 12345;
    const g0 = cpuNs();
    for (let i = 0; i < samples; i++) {
      // Math.imul: a plain multiply loses bits past 2^53 and the sequence cycles after ~10,000 ids.
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      if ((await store.get(ids[seed % ids.length]!)) === undefined) throw new Error('a live session is missing');
    }
    const getNs = (cpuNs() - g0) / samples;
    const h0 = cpuNs();
    for (let i = 0; i < samples; i++) if ((await store.get(ids[0]!)) === undefined) throw new Error('a live session is missing');
    const hotGetNs = (cpuNs() - h0) / samples;
    out.push({
      sessions: ids.length, shape,
      heapBytesPerSession: (m.heapUsed - base.heap - benchOwn) / ids.length,
      rssBytesPerSession: (m.rss - base.rss - benchOwn) / ids.length,
      rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20,
      getNs, hotGetNs, putNs: putCpu / ids.length,
    });
  }
  await store.close();
  return out;
}

/** Runs the fill in its own process (it needs --expose-gc, and its heap must not be the caller's). */
export async function storeFillInChild(max: number, shape: 'admin' | 'customer' = 'admin'): Promise<{ levels: StoreLevel[]; command: string }> {
  const script = fileURLToPath(import.meta.url);
  const args = ['--expose-gc', '--import', 'tsx', script, '--sessions', String(max), '--shape', shape];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(killer); if (code === 0) resolve(text); else reject(new Error(`session-memory exited ${String(code)}: ${err.slice(-500)}`)); });
  });
  const levels = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as StoreLevel);
  return { levels, command: `node --expose-gc --import tsx bench/session-memory.ts --sessions ${max} --shape ${shape}` };
}

/** Markdown table of a store-level fill. */
export function storeTable(levels: readonly StoreLevel[]): string[] {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = ['| live sessions (store-level fill) | shape | heap bytes per session | RSS bytes per session | process RSS, MiB | `get` of a random session, ns | `get` of the session read just before, ns |', '|---:|---|---:|---:|---:|---:|---:|'];
  for (const l of levels) lines.push(`| ${n(l.sessions)} | ${l.shape} | ${n(l.heapBytesPerSession)} | ${n(l.rssBytesPerSession)} | ${n(l.rssMiB)} | ${n(l.getNs)} | ${n(l.hotGetNs)} |`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '1000000' }, shape: { type: 'string', default: 'admin' } } });
  const max = Math.min(Number(values.sessions), 5_000_000);
  const shape = values.shape === 'customer' ? 'customer' : 'admin';
  const levels = [100_000, 1_000_000, 5_000_000].filter((l) => l < max).concat(max);
  for (const l of await storeFill(levels, shape)) console.log(JSON.stringify(l));
}
