import type { TestContext } from 'node:test';
import { createConnection } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a suite that needs an external service can run. In CI (CI=true) an unreachable service
 * is a failure; elsewhere the suite is skipped with one line saying why.
 */
export async function serviceAvailable(name: 'redis' | 'postgres'): Promise<{ ok: true } | { ok: false; reason: string }> {
  const url = name === 'redis' ? REDIS_URL : DATABASE_URL;
  const ok = await reachable(url, name === 'redis' ? 6379 : 5432);
  if (ok) return { ok: true };
  const reason = `${name} unreachable at ${url.replace(/\/\/[^@]*@/, '//')}`;
  if (process.env.CI === 'true') throw new Error(`CI requires ${name}: ${reason}`);
  console.log(`# skipped ${name} suites: ${reason}`);
  return { ok: false, reason };
}

/** Skips the test (outside CI) when the service is down; fails it in CI. */
export async function requireService(t: TestContext, name: 'redis' | 'postgres'): Promise<boolean> {
  const s = await serviceAvailable(name);
  if (!s.ok) t.skip(s.reason);
  return s.ok;
}
