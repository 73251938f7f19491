/**
 * The contenders measured on the same backend, cores and load: the direct path (no proxy), nginx
 * `proxy_pass`, the naive Node proxy and the dispatcher (1 worker and all cores). Each runs in its
 * own process(es), never in the harness's or the load generator's.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxProxy } from './nginx.ts';
import { startReadyProcess } from './ready-process.ts';
import { BENCH_ADMIN, repoRoot, restLogin } from './backends.ts';
import type { Auth, Backend, Listener, SystemUrls } from './backends.ts';
import type { Scenario } from './scenarios.ts';
import type { RequestSpec } from './request-spec.ts';

/** A contender ready to take load. */
export interface Contender {
  name: string;
  /** Where a client sends calls of this listener. */
  urls: Partial<SystemUrls>;
  /** The session a client of this contender uses. */
  auth: Auth;
  /** How it was started (for the results). */
  commands: string[];
  /** Root process of the contender (its CPU use is this process tree's); none for direct. */
  pid?: number;
  /** A second destination every open-loop request is also sent to at the same instant (direct-both). */
  pair?: { urls: Partial<SystemUrls>; auth: Auth };
  /** Seconds the dispatcher's routing index took to load after its ready line (waited for before measuring). */
  indexLoadS?: number;
  close(): Promise<void>;
}

export type ContenderName = 'direct' | 'direct-target' | 'direct-both' | 'nginx-proxy' | 'nginx-proxy-1w' | 'naive-node' | 'raw-node' | 'dispatcher-1w' | 'dispatcher-all';

/** Whether the dispatcher's `start` command exists yet in this checkout. */
export function dispatcherAvailable(): boolean {
  return existsSync(join(repoRoot, 'src', 'cli', 'start-command.ts'));
}

/** Credentials the canned backend accepts (it checks none). */
const CANNED_AUTH: Auth = { accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln', sessionId: 'benchsession0000000000000000' };

async function backendAuth(backend: Backend, system: 'source' | 'target'): Promise<Auth> {
  if (backend.kind === 'canned') return CANNED_AUTH;
  return restLogin(backend[system].urls.admin, BENCH_ADMIN.login, BENCH_ADMIN.password);
}

async function direct(backend: Backend): Promise<Contender> {
  return { name: 'direct', urls: backend.source.urls, auth: await backendAuth(backend, 'source'), commands: [], close: async () => {} };
}

async function directTarget(backend: Backend): Promise<Contender> {
  return { name: 'direct-target', urls: backend.target.urls, auth: await backendAuth(backend, 'target'), commands: [], close: async () => {} };
}

async function nginxProxy(backend: Backend, workers: number, name: string): Promise<Contender> {
  const proxy = await startNginxProxy(backend.source.urls.admin, workers);
  return { name, urls: { admin: proxy.url }, auth: await backendAuth(backend, 'source'), commands: [proxy.command], pid: proxy.pid, close: () => proxy.close() };
}

/**
 * Both systems called directly at the same instant, done when both replies are read: what a merge
 * costs before the dispatcher does anything (two backends and the client sharing the cores, twice
 * the bytes to the client). Open loop only.
 */
async function directBoth(backend: Backend): Promise<Contender> {
  const [source, target] = await Promise.all([backendAuth(backend, 'source'), backendAuth(backend, 'target')]);
  return { name: 'direct-both', urls: backend.source.urls, auth: source, pair: { urls: backend.target.urls, auth: target }, commands: [], close: async () => {} };
}

interface UrlReady { ready: true; url: string }

async function naive(backend: Backend): Promise<Contender> {
  const args = ['--import', 'tsx', join(repoRoot, 'bench', 'naive-proxy.ts'), '--source', backend.source.urls.admin, '--target', backend.target.urls.admin];
  let auth = CANNED_AUTH;
  if (backend.kind === 'sim') {
    const [s, t] = await Promise.all([backendAuth(backend, 'source'), backendAuth(backend, 'target')]);
    args.push('--source-bearer', s.accessToken, '--target-bearer', t.accessToken);
    auth = s;
  }
  const proc = await startReadyProcess<UrlReady>(process.execPath, args, { cwd: repoRoot });
  return {
    name: 'naive-node', urls: { admin: proc.ready.url }, auth, pid: proc.pid,
    commands: [proc.command.replace(repoRoot + '/', '').replace(/--(source|target)-bearer \S+/g, '--$1-bearer <token>')],
    close: () => proc.close(),
  };
}

/**
 * The floor of any Node proxy: bench/io-floor.ts's raw-proxy (bare `net` sockets both ways, one
 * read and one write per message, routes by i_customer parity; no session, no checks, no log).
 * Canned backend only (it forwards the client's Authorization as is).
 */
async function rawNode(backend: Backend): Promise<Contender> {
  if (backend.kind === 'sim') throw new Error('raw-node forwards the client token as is: canned backend only');
  const args = ['--import', 'tsx', join(repoRoot, 'bench', 'io-floor.ts'), '--serve', 'raw-proxy', '--source', backend.source.urls.admin, '--target', backend.target.urls.admin];
  const proc = await startReadyProcess<UrlReady>(process.execPath, args, { cwd: repoRoot });
  return { name: 'raw-node', urls: { admin: proc.ready.url }, auth: CANNED_AUTH, pid: proc.pid, commands: [proc.command.replace(repoRoot + '/', '')], close: () => proc.close() };
}

interface DispatcherReady { ready: true; dispatcher: Partial<Record<Listener | 'ops', string>> }

/** Options for a dispatcher contender. */
export interface DispatcherOptions {
  workers: number;
  /** Directory for `--cpu-prof` output (profiles the worker processes). */
  cpuProfDir?: string;
  /** Extra top-level YAML (already indented) appended to the generated config. */
  extraYaml?: string;
  logLevel?: 'info' | 'warn' | 'silent';
  /** `listen.fastPath` (default true): false serves every call with node:http, for A/B runs. */
  fastPath?: boolean;
  /** An existing SQLite directory file (default: a fresh empty one). */
  sqlitePath?: string;
  /** `directory.cacheSize` (default: the product's default). */
  directoryCacheSize?: number;
  /** `directory.routingIndex` (default: the product's default, on). */
  routingIndex?: boolean;
}

/**
 * Waits until the dispatcher's routing index has loaded (its gauge reads 1), so a run measures the
 * steady state; returns the seconds waited, or undefined when the index is off (no gauge).
 */
async function routingIndexLoaded(opsUrl: string, timeoutMs = 300_000): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const text = await (await fetch(`${opsUrl}/metrics`)).text();
    const m = /^webdispatcher_routing_index_ready(?:\{[^}]*\})? (\d+)/m.exec(text);
    if (m === null) return undefined;
    if (m[1] === '1') return (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the routing index did not load within ${timeoutMs} ms`);
}

function systemYaml(s: Backend['source']): string {
  const u = s.urls;
  return `{ env: ${s.env}, urls: { admin: "${u.admin}", reseller: "${u.reseller}", customer: "${u.customer}", account: "${u.account}", portasip: "${u.portasip}" } }`;
}

/** Starts `webdispatcher start --config <generated yaml>` and logs in through it as the bench admin. */
export async function startDispatcher(backend: Backend, name: string, opts: DispatcherOptions): Promise<Contender> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-dispatcher-'));
  const config = join(dir, 'dispatcher.yaml');
  writeFileSync(config, `systems:
  source: ${systemYaml(backend.source)}
  target: ${systemYaml(backend.target)}
listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0, fastPath: ${opts.fastPath ?? true} }
workers: ${opts.workers}
sessions: { store: ${opts.workers > 1 ? `redis, redisUrl: "${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}"` : 'memory'}, secret: "bench-secret-0123456789abcdef" }
directory: { store: sqlite, sqlitePath: "${opts.sqlitePath ?? join(dir, 'directory.sqlite')}"${opts.directoryCacheSize !== undefined ? `, cacheSize: ${opts.directoryCacheSize}` : ''}${opts.routingIndex !== undefined ? `, routingIndex: ${opts.routingIndex}` : ''} }
log: { level: ${opts.logLevel ?? 'warn'} }
${/^ops:/m.test(opts.extraYaml ?? '') ? '' : 'ops: { token: "bench-ops-token-0123456789" }\n'}${opts.extraYaml ?? ''}`);
  const nodeFlags = opts.cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const args = [...nodeFlags, join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', config];
  // From source: a stale dist/ must not be what we measure.
  const env = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' };
  const proc = await startReadyProcess<DispatcherReady>(process.execPath, args, { cwd: repoRoot, env, timeoutMs: 60_000 });
  try {
    const admin = proc.ready.dispatcher.admin;
    if (admin === undefined) throw new Error(`dispatcher ready line has no admin URL: ${JSON.stringify(proc.ready)}`);
    const auth = await restLogin(admin, BENCH_ADMIN.login, BENCH_ADMIN.password);
    const ops = proc.ready.dispatcher.ops;
    const indexLoadS = ops === undefined ? undefined : await routingIndexLoaded(ops);
    const urls: Partial<SystemUrls> = {};
    for (const k of ['admin', 'reseller', 'customer', 'account', 'portasip'] as const) {
      const u = proc.ready.dispatcher[k];
      if (u !== undefined) urls[k] = u;
    }
    return {
      name, urls, auth, pid: proc.pid, ...(indexLoadS !== undefined ? { indexLoadS } : {}),
      commands: [`${proc.command.replace(repoRoot + '/', '').replace(config, '<dispatcher.yaml>')}   # workers: ${opts.workers}, sessions: ${opts.workers > 1 ? 'redis' : 'memory'}, directory: sqlite, log.level: ${opts.logLevel ?? 'warn'}`],
      async close() { await proc.close(); rmSync(dir, { recursive: true, force: true }); },
    };
  } catch (err) {
    await proc.close();
    throw new Error(`${(err as Error).message}; dispatcher stderr: ${proc.stderr().slice(-1500)}`);
  }
}

/** Starts one named contender in front of `backend`. */
export async function startContender(name: ContenderName, backend: Backend, opts: { cpuProfDir?: string } = {}): Promise<Contender> {
  const cores = cpus().length;
  switch (name) {
    case 'direct': return direct(backend);
    case 'direct-target': return directTarget(backend);
    case 'direct-both': return directBoth(backend);
    case 'nginx-proxy': return nginxProxy(backend, cores, name);
    case 'nginx-proxy-1w': return nginxProxy(backend, 1, name);
    case 'naive-node': return naive(backend);
    case 'raw-node': return rawNode(backend);
    case 'dispatcher-1w': return startDispatcher(backend, name, { workers: 1, ...(opts.cpuProfDir !== undefined ? { cpuProfDir: opts.cpuProfDir } : {}) });
    case 'dispatcher-all': return startDispatcher(backend, name, { workers: cores });
  }
}

/** The open-loop generator's `pair` option for a contender with a second destination (direct-both), else none. */
export function openLoopPair(c: Contender, s: Scenario): { pair?: { url: string; requests: RequestSpec[] } } {
  const url = c.pair?.urls[s.listener];
  return c.pair !== undefined && url !== undefined ? { pair: { url, requests: s.requests(c.pair.auth) } } : {};
}
