/**
 * Soak (issue 15): a mixed workload against the demo topology for a given time, with the
 * dispatcher's resources read every few seconds and reported per minute.
 *
 *   node --import tsx bench/soak.ts [--minutes 30] [--warmup 5] [--clients 8] [--customers 2000]
 *                                   [--cutover-every 5] [--fault-every 60] [--fault-for 3] [--seed 1]
 *
 * Topology: a source and a target simulator, each in its own process (bench/sim-backend.ts), and
 * `webdispatcher start` in its own process (one worker, SQLite directory, memory sessions, every
 * listener including the portal and provisioning). This process is the load: `--clients` closed
 * loops, each picking the next call from a weighted mix — admin logins (the old session logged
 * out first, so live sessions stay bounded as with real clients), routed reads and writes of
 * customers on both systems, merged customer lists, PortaSIP broadcasts, SOAP calls, portal pages,
 * provisioning files — plus a cutover (begin → the simulator's transfer → commit) every
 * `--cutover-every` seconds, and a backend fault window (one system answers 30 % of API calls
 * with an error) of `--fault-for` seconds every `--fault-every` seconds.
 *
 * Expected errors are those of calls that began inside a fault window (from 2 s before it to 1 s after);
 * every other non-2xx/3xx answer, transport error or wrong body is unexpected and printed (the
 * first 20). Per minute: calls, expected and unexpected errors, cutovers, and the dispatcher's RSS
 * (also split into anonymous, file-backed and shared), V8 heap in use and reserved, external memory,
 * the directory's size on disk, open fds and event-loop delay (p99 since start, as /metrics gives it). The summary
 * compares the first minute after warm-up with the last minute. Bounded: --minutes ≤ 180.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_OPS_TOKEN } from '../src/app/demo-config.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';
import { DEMO_PHONE_MAC } from '../src/sim/provisioning/device-registry.ts';
import type { SimulatorUrls } from '../src/sim/contract.ts';
import { repoRoot } from './backends.ts';
import { startReadyProcess } from './ready-process.ts';
import type { ReadyProcess } from './ready-process.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    warmup: { type: 'string' },
    clients: { type: 'string', default: '8' },
    customers: { type: 'string', default: '2000' },
    'cutover-every': { type: 'string', default: '5' },
    'fault-every': { type: 'string', default: '60' },
    'fault-for': { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
  },
});
const MINUTES = Math.min(Math.max(Number(args.minutes), 1), 180);
const WARMUP = Math.min(Number(args.warmup ?? Math.min(5, Math.floor(MINUTES / 3))), MINUTES - 1);
const CLIENTS = Math.min(Math.max(Number(args.clients), 1), 64);
const CUSTOMERS = Math.min(Math.max(Number(args.customers), 200), 20_000);
const CUTOVER_EVERY_S = Math.max(Number(args['cutover-every']), 1);
const FAULT_EVERY_S = Math.max(Number(args['fault-every']), 10);
const FAULT_FOR_S = Math.min(Math.max(Number(args['fault-for']), 1), FAULT_EVERY_S / 2);
let seed = Number(args.seed) >>> 0 || 1;

/** xorshift32: the same mix for the same seed. */
function random(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x1_0000_0000;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

interface SimReady { ready: true; role: string; env: number; urls: SimulatorUrls }

async function simulator(role: 'source' | 'target', env: number): Promise<ReadyProcess<SimReady>> {
  return startReadyProcess<SimReady>(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'sim-backend.ts'), '--role', role, '--env', String(env), '--customers', String(CUSTOMERS)], { cwd: repoRoot, timeoutMs: 120_000 });
}

interface DispatcherReady { ready: true; pid: number; dispatcher: Record<string, string> }

async function dispatcher(source: SimReady, target: SimReady, dir: string): Promise<ReadyProcess<DispatcherReady>> {
  const config = {
    systems: { source: { env: source.env, urls: source.urls }, target: { env: target.env, urls: target.urls } },
    listen: { host: '127.0.0.1', admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0, portal: 0, provisioning: 0 },
    workers: 1,
    sessions: { store: 'memory', secret: 'soak-secret-0123456789abcdef' },
    directory: { store: 'sqlite', sqlitePath: join(dir, 'directory.sqlite') },
    ops: { token: DEMO_OPS_TOKEN, serviceLogin: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } },
    cutover: { holdTimeoutMs: 5000 },
    envCheck: { atStart: false },
    log: { level: 'warn' },
  };
  const file = join(dir, 'dispatcher.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config, null, 2));
  return startReadyProcess<DispatcherReady>(process.execPath, [join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', file], {
    cwd: repoRoot, env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeoutMs: 60_000,
  });
}

// ---- what the run counts ----

interface Minute {
  calls: number; expected: number; unexpected: number; cutovers: number; cutoverFailures: number;
  byKind: Record<string, number>;
  rss: number[]; heap: number[]; fds: number[]; lagP99: number[];
  /** Where the resident memory is: anonymous (V8 heap, malloc, SQLite's page cache), file-backed (code), shared (SQLite's WAL index). */
  rssAnon: number[]; rssFile: number[]; rssShmem: number[];
  heapTotal: number[]; external: number[]; directoryBytes: number[];
}
const minutes: Minute[] = [];
const started = performance.now();
const minuteIndex = () => Math.floor((performance.now() - started) / 60_000);
function minute(): Minute {
  const i = minuteIndex();
  while (minutes.length <= i) minutes.push({ calls: 0, expected: 0, unexpected: 0, cutovers: 0, cutoverFailures: 0, byKind: {}, rss: [], heap: [], fds: [], lagP99: [], rssAnon: [], rssFile: [], rssShmem: [], heapTotal: [], external: [], directoryBytes: [] });
  return minutes[i]!;
}
const unexpectedSamples: string[] = [];

/** Fault windows [start, end) in ms since `started`; a call that began in one (or 1 s after) may fail. */
const faultWindows: Array<[number, number]> = [];
// A call that began up to 2 s before the fault was set may reach the backend inside it.
const inFaultWindow = (t: number) => faultWindows.some(([a, b]) => t >= a - 2000 && t < b + 1000);

/**
 * `sessionAt`: when the session the call used was made. A login inside a fault window may get a
 * session without the faulted system; its calls there are told to log in again, by design.
 */
function count(kind: string, at: number, ok: boolean, detail: () => string, sessionAt?: number): void {
  const m = minute();
  m.calls++;
  m.byKind[kind] = (m.byKind[kind] ?? 0) + 1;
  if (ok) return;
  if (inFaultWindow(at) || (sessionAt !== undefined && inFaultWindow(sessionAt) && /log in again/.test(detail()))) { m.expected++; return; }
  m.unexpected++;
  if (unexpectedSamples.length < 20) unexpectedSamples.push(`${new Date().toISOString()} ${kind}: ${detail()}`);
}

// ---- the calls ----

interface Urls { admin: string; portasip: string; portal: string; provisioning: string; ops: string }

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

const SOAP_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer">';
const soapBody = (header: string, op: string) => `${SOAP_OPEN}${header}<SOAP-ENV:Body>${op}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

async function soapPost(url: string, body: string, action: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: action }, body, signal: AbortSignal.timeout(20_000) });
  return { status: res.status, text: await res.text() };
}

/** One closed-loop client: its own admin session, SOAP session and portal cookie. */
class Client {
  private bearer = '';
  private bearerAt = 0;
  private soapSession = '';
  private soapAt = 0;
  private portalCookie = '';

  private readonly urls: Urls;
  private readonly customers: { odd: number[]; even: number[] };

  constructor(urls: Urls, customers: { odd: number[]; even: number[] }) {
    this.urls = urls;
    this.customers = customers;
  }

  /** Logs in again; the session it had is logged out first, as a well-behaved client does. */
  async login(): Promise<boolean> {
    if (this.bearer !== '') await postJson(`${this.urls.admin}/rest/Session/logout`, { params: {} }, this.auth()).catch(() => undefined);
    this.bearerAt = performance.now() - started;
    const r = await postJson(`${this.urls.admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } });
    if (typeof r.json.access_token === 'string') this.bearer = r.json.access_token;
    return r.status === 200 && typeof r.json.access_token === 'string';
  }

  private auth() { return { authorization: `Bearer ${this.bearer}` }; }
  private anyCustomer(): number { return random() < 0.8 ? pick(this.customers.odd) : pick(this.customers.even); }

  async step(): Promise<void> {
    const r = random();
    const at = performance.now() - started;
    try {
      if (r < 0.05) {
        const ok = await this.login();
        count('login', at, ok, () => 'login refused');
      } else if (r < 0.45) {
        const c = this.anyCustomer();
        const res = await postJson(`${this.urls.admin}/rest/Customer/get_customer_info`, { params: { i_customer: c } }, this.auth());
        const info = res.json.customer_info as { i_customer?: number } | undefined;
        count('read', at, res.status === 200 && info?.i_customer === c, () => `i_customer ${c}: ${res.status} ${res.text.slice(0, 200)}`, this.bearerAt);
        if (res.json.faultcode === 'Server.Session.check_auth.auth_failed' || /log in again/.test(String(res.json.faultstring))) await this.login();
      } else if (r < 0.55) {
        const c = this.anyCustomer();
        const res = await postJson(`${this.urls.admin}/rest/Customer/update_customer`, { params: { customer_info: { i_customer: c, notes: `soak ${Date.now()}` } } }, this.auth());
        count('write', at, res.status === 200, () => `i_customer ${c}: ${res.status} ${res.text.slice(0, 200)}`, this.bearerAt);
        if (/log in again/.test(String(res.json.faultstring))) await this.login();
      } else if (r < 0.65) {
        const res = await postJson(`${this.urls.admin}/rest/Customer/get_customer_list`, { params: { limit: 50, offset: Math.floor(random() * 100) * 10 } }, this.auth());
        count('merge', at, res.status === 200 && Array.isArray(res.json.customer_list), () => `${res.status} ${res.text.slice(0, 200)}`, this.bearerAt);
      } else if (r < 0.73) {
        const res = await postJson(`${this.urls.portasip}/portasip/Voicemail/get_settings`, { params: { i_account: 1 } }, this.auth());
        count('broadcast', at, res.status === 200, () => `${res.status} ${res.text.slice(0, 200)}`, this.bearerAt);
      } else if (r < 0.83) {
        await this.soap(at);
      } else if (r < 0.92) {
        await this.portal(at);
      } else {
        const res = await fetch(`${this.urls.provisioning}/${DEMO_PHONE_MAC}.cfg`, { signal: AbortSignal.timeout(20_000) });
        const text = await res.text();
        count('provisioning', at, res.status === 200 && text.length > 0, () => `${res.status} ${text.slice(0, 200)}`);
      }
    } catch (err) {
      count('transport', at, false, () => (err as Error).message);
    }
  }

  private async soap(at: number): Promise<void> {
    if (this.soapSession === '') {
      this.soapAt = at;
      const login = await soapPost(`${this.urls.admin}/soap/SessionAdminService`, soapBody('', `<ns1:login><login>${DEMO_ADMIN.login}</login><password>${DEMO_ADMIN.password}</password></ns1:login>`), '"https://pb.example.com/Porta/SOAP/Session#login"');
      this.soapSession = /<session_id[^>]*>([^<]+)</.exec(login.text)?.[1] ?? '';
      count('soap-login', at, login.status === 200 && this.soapSession !== '', () => `${login.status} ${login.text.slice(0, 200)}`);
      return;
    }
    const c = pick(this.customers.odd);
    const res = await soapPost(`${this.urls.admin}/soap/Customer/get_customer_info`,
      soapBody(`<SOAP-ENV:Header><auth_info><session_id>${this.soapSession}</session_id></auth_info></SOAP-ENV:Header>`, `<ns1:get_customer_info><i_customer>${c}</i_customer></ns1:get_customer_info>`), '"https://pb.example.com/Porta/SOAP/Customer#get_customer_info"');
    const ok = res.status === 200 && res.text.includes(`<i_customer`) && !res.text.includes('Fault>');
    count('soap', at, ok, () => `i_customer ${c}: ${res.status} ${res.text.slice(res.text.indexOf('<SOAP-ENV:Body>'), res.text.indexOf('<SOAP-ENV:Body>') + 400)}`, this.soapAt);
    if (!ok) this.soapSession = '';
  }

  private async portal(at: number): Promise<void> {
    if (this.portalCookie === '') {
      const res = await fetch(`${this.urls.portal}/login`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'login=john.doe&password=demo-john&realm=customer', signal: AbortSignal.timeout(20_000),
      });
      await res.arrayBuffer();
      this.portalCookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      count('portal-login', at, res.status === 303 && this.portalCookie !== '', () => `${res.status}`);
      return;
    }
    const res = await fetch(`${this.urls.portal}/home`, { headers: { cookie: this.portalCookie }, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    const ok = res.status === 200 && text.includes('balance');
    count('portal', at, ok, () => `${res.status} ${text.slice(0, 200)}`);
    if (!ok) this.portalCookie = '';
  }
}

// ---- cutovers, faults, resource samples ----

async function cutovers(urls: Urls, sourceAdmin: string, targetAdmin: string, pool: number[], moved: number[], until: number): Promise<void> {
  const ops = { authorization: `Bearer ${DEMO_OPS_TOKEN}` };
  while (performance.now() < until && pool.length > 0) {
    await sleep(CUTOVER_EVERY_S * 1000);
    const at = performance.now() - started;
    // A cutover during a fault window may fail by design; they are not mixed.
    if (inFaultWindow(at) || inFaultWindow(at + 2000)) continue;
    const c = pool.shift()!;
    const m = minute();
    try {
      const begin = await postJson(`${urls.ops}/v1/migrations/${c}/begin`, {}, ops);
      if (begin.status !== 200) throw new Error(`begin: ${begin.status} ${begin.text.slice(0, 200)}`);
      const copy = await postJson(`${sourceAdmin}/sim/transfer`, { i_customer: c, target: targetAdmin });
      if (copy.status !== 200) {
        await postJson(`${urls.ops}/v1/migrations/${c}/abort`, {}, ops);
        throw new Error(`copy: ${copy.status} ${copy.text.slice(0, 200)}`);
      }
      const commit = await postJson(`${urls.ops}/v1/migrations/${c}/commit`, { system: 'target' }, ops);
      if (commit.status !== 200) throw new Error(`commit: ${commit.status} ${commit.text.slice(0, 200)}`);
      m.cutovers++;
      moved.push(c);
    } catch (err) {
      m.cutoverFailures++;
      if (unexpectedSamples.length < 20) unexpectedSamples.push(`${new Date().toISOString()} cutover ${c}: ${(err as Error).message}`);
    }
  }
}

async function faults(targetAdmin: string, until: number): Promise<void> {
  while (performance.now() + FAULT_EVERY_S * 1000 < until) {
    await sleep((FAULT_EVERY_S - FAULT_FOR_S) * 1000);
    const from = performance.now() - started;
    // The window opens before the fault is set and closes after it is cleared: a call in flight
    // at either edge is counted as expected.
    faultWindows.push([from, from + FAULT_FOR_S * 1000 + 500]);
    await postJson(`${targetAdmin}/sim/faults`, { error_rate: 0.3 });
    await sleep(FAULT_FOR_S * 1000);
    await postJson(`${targetAdmin}/sim/faults`, { error_rate: 0 });
  }
}

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function sampler(urls: Urls, pid: number, dir: string, until: number): Promise<void> {
  while (performance.now() < until) {
    try {
      const text = await (await fetch(`${urls.ops}/metrics`, { headers: { authorization: `Bearer ${DEMO_OPS_TOKEN}` }, signal: AbortSignal.timeout(10_000) })).text();
      const m = minute();
      // RSS and fds straight from /proc (the kernel's figures), heap and loop delay from /metrics.
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]) * 1024;
      m.rss.push(kb('VmRSS'));
      m.rssAnon.push(kb('RssAnon'));
      m.rssFile.push(kb('RssFile'));
      m.rssShmem.push(kb('RssShmem'));
      m.directoryBytes.push(readdirSync(dir).filter((f) => f.startsWith('directory.sqlite')).reduce((a, f) => a + statSync(join(dir, f)).size, 0));
      m.fds.push(readdirSync(`/proc/${pid}/fd`).length);
      const heap = metric(text, 'nodejs_heap_size_used_bytes');
      if (heap !== undefined) m.heap.push(heap);
      const heapTotal = metric(text, 'nodejs_heap_size_total_bytes');
      if (heapTotal !== undefined) m.heapTotal.push(heapTotal);
      const external = metric(text, 'nodejs_external_memory_bytes');
      if (external !== undefined) m.external.push(external);
      const lag = metric(text, 'nodejs_eventloop_lag_p99_seconds');
      if (lag !== undefined) m.lagP99.push(lag);
    } catch (err) {
      if (unexpectedSamples.length < 20) unexpectedSamples.push(`${new Date().toISOString()} sample: ${(err as Error).message}`);
    }
    await sleep(5000);
  }
}

// ---- the run ----

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const max = (xs: number[]) => (xs.length === 0 ? NaN : Math.max(...xs));
const mb = (b: number) => (b / 1048576).toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-soak-'));
  const procs: Array<ReadyProcess<unknown>> = [];
  try {
    const source = await simulator('source', 3);
    procs.push(source);
    const target = await simulator('target', 8);
    procs.push(target);
    const node = await dispatcher(source.ready, target.ready, dir);
    procs.push(node);
    const d = node.ready.dispatcher;
    const urls: Urls = { admin: d.admin!, portasip: d.portasip!, portal: d.portal!, provisioning: d.provisioning!, ops: d.ops! };
    // Background customers: odd ids below the cutover pool on the source, even ids on the target.
    const half = CUSTOMERS;
    const odd = Array.from({ length: Math.floor(half / 2) }, (_, i) => 2 * i + 1);
    const even = Array.from({ length: Math.floor(half / 2) }, (_, i) => 2 * i + 2);
    // The pool that moves: odd ids above the background's (they join the background once moved).
    const pool = Array.from({ length: Math.floor(half / 2) }, (_, i) => half + 2 * i + 1);
    process.stdout.write(`${JSON.stringify({ bench: 'soak', minutes: MINUTES, warmup: WARMUP, clients: CLIENTS, customers: CUSTOMERS, cutoverEveryS: CUTOVER_EVERY_S, faultEveryS: FAULT_EVERY_S, faultForS: FAULT_FOR_S, node: process.version, cores: cpus().length, dispatcherPid: node.ready.pid, at: new Date().toISOString() })}\n`);

    const until = performance.now() + MINUTES * 60_000;
    const clients = Array.from({ length: CLIENTS }, () => new Client(urls, { odd, even }));
    for (const c of clients) if (!(await c.login())) throw new Error('admin login through the dispatcher failed');
    const loops = clients.map(async (c) => { while (performance.now() < until) await c.step(); });
    let printed = 0;
    const printer = (async () => {
      while (performance.now() < until + 1000) {
        await sleep(1000);
        while (printed < minuteIndex()) {
          const m = minutes[printed];
          if (m) process.stdout.write(`${JSON.stringify({ bench: 'soak', minute: printed + 1, calls: m.calls, expectedErrors: m.expected, unexpectedErrors: m.unexpected, cutovers: m.cutovers, cutoverFailures: m.cutoverFailures, rssMB: Number(mb(max(m.rss))), rssAnonMB: Number(mb(max(m.rssAnon))), rssFileMB: Number(mb(max(m.rssFile))), rssShmemMB: Number(mb(max(m.rssShmem))), heapMB: Number(mb(max(m.heap))), heapTotalMB: Number(mb(max(m.heapTotal))), externalMB: Number(mb(max(m.external))), directoryMB: Number(mb(max(m.directoryBytes))), fds: max(m.fds), lagP99ms: Number((max(m.lagP99) * 1000).toFixed(2)) })}\n`);
          printed++;
        }
      }
    })();
    await Promise.all([...loops, cutovers(urls, source.ready.urls.admin, target.ready.urls.admin, pool, odd, until), faults(target.ready.urls.admin, until), sampler(urls, node.ready.pid, dir, until), printer]);

    const done = minutes.slice(0, MINUTES);
    const firstAfter = done[WARMUP];
    const last = done.at(-1);
    const rssFirst = mean(firstAfter?.rss ?? []);
    const rssLast = mean(last?.rss ?? []);
    const total = (f: (m: Minute) => number) => done.reduce((a, m) => a + f(m), 0);
    const byKind: Record<string, number> = {};
    for (const m of done) for (const [k, v] of Object.entries(m.byKind)) byKind[k] = (byKind[k] ?? 0) + v;
    const summary = {
      bench: 'soak', done: true, minutes: done.length,
      calls: total((m) => m.calls), byKind,
      expectedErrors: total((m) => m.expected), unexpectedErrors: total((m) => m.unexpected),
      cutovers: total((m) => m.cutovers), cutoverFailures: total((m) => m.cutoverFailures), faultWindows: faultWindows.length,
      rssAfterWarmupMB: Number(mb(rssFirst)), rssLastMB: Number(mb(rssLast)),
      rssGrowthPct: Number((((rssLast - rssFirst) / rssFirst) * 100).toFixed(2)),
      heapAfterWarmupMB: Number(mb(mean(firstAfter?.heap ?? []))), heapLastMB: Number(mb(mean(last?.heap ?? []))),
      // The same first-after-warm-up and last-minute means for each part of the resident memory.
      parts: Object.fromEntries((['rssAnon', 'rssFile', 'rssShmem', 'heapTotal', 'external', 'directoryBytes'] as const).map((k) => [k, { afterWarmupMB: Number(mb(mean(firstAfter?.[k] ?? []))), lastMB: Number(mb(mean(last?.[k] ?? []))) }])),
      fdsAfterWarmup: max(firstAfter?.fds ?? []), fdsLast: max(last?.fds ?? []), fdsMax: max(done.flatMap((m) => m.fds)),
      lagP99msAtEnd: Number((max(last?.lagP99 ?? []) * 1000).toFixed(2)),
      unexpectedSamples,
      commands: procs.map((p) => p.command.replace(repoRoot + '/', '').replace(dir, '<tmp>')),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exitCode = summary.unexpectedErrors > 0 || summary.cutoverFailures > 0 ? 1 : 0;
  } finally {
    await Promise.all(procs.reverse().map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
