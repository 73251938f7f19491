/**
 * The two kinds of backend a scenario runs against: the canned nginx (as cheap as a backend can
 * be, so the contender is the bottleneck) and a pair of simulators (real PortaBilling behaviour:
 * sessions, lists, PortaSIP, SOAP).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startCannedBackend } from './nginx.ts';
import { startReadyProcess } from './ready-process.ts';
import type { ReadyProcess } from './ready-process.ts';

export type Listener = 'admin' | 'reseller' | 'customer' | 'account' | 'portasip';
export type SystemUrls = Record<Listener, string>;

/** A client's credentials for one system or for the dispatcher. */
export interface Auth {
  accessToken: string;
  sessionId: string;
}

/** A running backend pair (source env 3, target env 8). */
export interface Backend {
  kind: 'canned' | 'sim';
  description: string;
  source: { env: number; urls: SystemUrls };
  target: { env: number; urls: SystemUrls };
  commands: string[];
  close(): Promise<void>;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_ADMIN = { login: 'admin', password: 'demo-admin' } as const;

function sameUrlEverywhere(url: string): SystemUrls {
  return { admin: url, reseller: url, customer: url, account: url, portasip: url };
}

/** The canned nginx backend: one worker, a server per system. */
export async function cannedBackend(): Promise<Backend> {
  const nginx = await startCannedBackend({ envs: [3, 8], workers: 1 });
  return {
    kind: 'canned',
    description: 'canned nginx (1 worker, fixed ~700-byte get_customer_info reply, login/ping replies)',
    source: { env: 3, urls: sameUrlEverywhere(nginx.urls[0]!) },
    target: { env: 8, urls: sameUrlEverywhere(nginx.urls[1]!) },
    commands: [nginx.command],
    close: () => nginx.close(),
  };
}

/** Whether the simulator exists yet in this checkout. */
export function simulatorAvailable(): boolean {
  return existsSync(join(repoRoot, 'src', 'sim', 'simulator.ts'));
}

interface SimReady { ready: true; role: string; env: number; urls: SystemUrls }

/** A source and a target simulator, each in its own process (bench/sim-backend.ts). */
export async function simBackend(customers: number): Promise<Backend> {
  const script = join(repoRoot, 'bench', 'sim-backend.ts');
  const procs: ReadyProcess<SimReady>[] = [];
  try {
    for (const [role, env] of [['source', 3], ['target', 8]] as const) {
      procs.push(await startReadyProcess<SimReady>(process.execPath, ['--import', 'tsx', script, '--role', role, '--env', String(env), '--customers', String(customers)], { cwd: repoRoot, timeoutMs: 120_000 }));
    }
  } catch (err) {
    await Promise.all(procs.map((p) => p.close()));
    throw err;
  }
  const [source, target] = procs as [ReadyProcess<SimReady>, ReadyProcess<SimReady>];
  return {
    kind: 'sim',
    description: `two simulators (source env 3, target env 8), ${customers.toLocaleString('en-US')} customers each, one process each`,
    source: { env: 3, urls: source.ready.urls },
    target: { env: 8, urls: target.ready.urls },
    commands: procs.map((p) => p.command.replace(repoRoot + '/', '')),
    async close() { await Promise.all(procs.map((p) => p.close())); },
  };
}

/** Logs in over REST (JSON style) and returns the session; throws with the fault on failure. */
export async function restLogin(url: string, login: string, password: string): Promise<Auth> {
  const pool = new Pool(new URL(url).origin, { connections: 1 });
  try {
    const res = await pool.request({
      method: 'POST', path: '/rest/Session/login', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ params: { login, password } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`login at ${url} failed: ${res.statusCode} ${text.slice(0, 300)}`);
    const reply = JSON.parse(text) as { session_id?: string; access_token?: string };
    if (typeof reply.session_id !== 'string' || typeof reply.access_token !== 'string') throw new Error(`login at ${url}: no session in ${text.slice(0, 300)}`);
    return { accessToken: reply.access_token, sessionId: reply.session_id };
  } finally {
    await pool.close();
  }
}
