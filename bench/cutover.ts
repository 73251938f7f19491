/**
 * Cutover figures (issue 4, SPEC §4.4):
 *
 * 1. The no-lost-write proof (test/helpers/cutover-workload.ts, the workload of
 *    test/dispatcher/no-lost-writes*.test.ts): 20 clients keep writing to a customer and its
 *    account while it moves source → target → source …; prints writes sent, acknowledged, retried,
 *    lost, misrouted and the longest hold, on one node (SQLite directory) and on two nodes sharing
 *    PostgreSQL + Redis (begin/commit sent to one node only; skipped when either is unreachable).
 * 2. Hold time added by a cutover: two simulators and `webdispatcher start` each in their own
 *    process; an open-loop generator (bench/open-loop.ts, its own process) sends get_customer_info
 *    on many customers at a fixed rate while this process runs cutovers (begin → commit, no data
 *    copy) of other customers, with a few calls for the moving customer sent between begin and
 *    commit (the held calls). Prints begin, commit and begin → commit wall times, the held calls'
 *    latency, and the background latency with and without cutovers running. It also times, directly
 *    against the source simulator, what `begin` asks of it (service login, get_customer_info,
 *    get_account_list), and runs the same phases against a dispatcher without `ops.serviceLogin`
 *    (begin then reads nothing from the backend), to show how much of `begin` that read is.
 *
 *   node --import tsx bench/cutover.ts [--cutovers 50] [--rates 0,1000] [--held 3] [--service-login both|on|off] [--skip-proof] [--skip-hold]
 * (one hold-time phase per background rate; 0 = no background traffic, the cutover's own cost).
 * Every phase is bounded in count and time; everything listens on 127.0.0.1 ports chosen by the OS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createSimulator } from '../src/sim/simulator.ts';
import type { SimulatorInstance } from '../src/sim/simulator.ts';
import { startDispatcher as startInProcess } from '../src/app/create-dispatcher.ts';
import type { RunningDispatcher } from '../src/app/create-dispatcher.ts';
import { demoConfig, DEMO_OPS_TOKEN } from '../src/app/demo-config.ts';
import { SqliteDirectory } from '../src/directory/sqlite-directory.ts';
import { PostgresDirectory } from '../src/directory/postgres-directory.ts';
import { RedisSessionStore } from '../src/sessions/redis-session-store.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../src/sim/demo-fixtures.ts';
import { runCutoverWorkload } from '../test/helpers/cutover-workload.ts';
import type { CutoverFigures } from '../test/helpers/cutover-workload.ts';
import { BENCH_ADMIN, repoRoot, restLogin, simBackend } from './backends.ts';
import type { Backend } from './backends.ts';
import { startReadyProcess } from './ready-process.ts';
import { OpenLoopGenerator, percentiles } from './open-loop.ts';
import type { OpenLoopResult, Percentiles } from './open-loop.ts';
import type { RequestSpec } from './request-spec.ts';

const { values: args } = parseArgs({
  options: {
    cutovers: { type: 'string', default: '50' },
    rates: { type: 'string', default: '0,1000' },
    held: { type: 'string', default: '3' },
    customers: { type: 'string', default: '2000' },
    'skip-proof': { type: 'boolean', default: false },
    'skip-hold': { type: 'boolean', default: false },
    'service-login': { type: 'string', default: 'both' },
  },
});
const CUTOVERS = Math.min(Number(args.cutovers), 500);
const RATES = args.rates.split(',').map((r) => Math.min(Number(r), 5000));
const HELD = Math.min(Number(args.held), 20);
const CUSTOMERS = Math.min(Number(args.customers), 100_000);
const SERVICE_LOGIN = args['service-login'];
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const round = (v: number, d = 2): number => Number(v.toFixed(d));
const pct = (p: Percentiles) => ({ p50: round(p.p50), p99: round(p.p99), max: round(p.max), mean: round(p.mean) });
const print = (o: Record<string, unknown>): void => { console.log(JSON.stringify(o)); };

async function reachable(what: 'postgres' | 'redis'): Promise<boolean> {
  try {
    if (what === 'postgres') {
      const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
      await c.connect();
      await c.end();
      return true;
    }
    const s = await RedisSessionStore.connect(REDIS_URL, `wd:bench:probe:${randomBytes(3).toString('hex')}:`);
    await s.close();
    return true;
  } catch {
    return false;
  }
}

/** Same workload parameters as the tests, with a longer bound so the figures have more writes. */
function workload(apiUrls: string[], opsUrl: string, source: SimulatorInstance, target: SimulatorInstance) {
  return runCutoverWorkload({
    apiUrls, opsUrl, opsToken: DEMO_OPS_TOKEN, source, target,
    iCustomer: DEMO_CUSTOMER.iCustomer, accounts: [DEMO_ACCOUNT.iAccount],
    clients: 20, moves: 6, maxWritesPerClient: 600, maxMs: 15_000,
  });
}

function proofLine(mode: string, f: CutoverFigures): Record<string, unknown> {
  return {
    bench: 'cutover-proof', mode, writesSent: f.sent, acknowledged: f.acknowledged, retried: f.retried, lost: f.lost, misrouted: f.misrouted,
    otherFaults: f.otherFaults, moves: f.moves, longestHoldMs: f.longestCallMs, longestCutoverMs: f.longestCutoverMs,
    finalSystem: f.finalSystem, finalValueMatches: f.finalValueMatches,
    verdict: f.lost === 0 && f.misrouted === 0 && Object.keys(f.otherFaults).length === 0 && f.finalValueMatches ? 'PASS' : 'FAIL',
  };
}

async function proofOneNode(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-cutover-'));
  const closers: Array<() => Promise<void>> = [];
  try {
    const source = await createSimulator({ role: 'source', env: 3, customers: 50, seed: 1 });
    closers.push(() => source.close());
    const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1 });
    closers.push(() => target.close());
    const directory = await SqliteDirectory.open({ path: join(dir, 'directory.sqlite') });
    const node = await startInProcess(demoConfig(source, target, { cutover: { holdTimeoutMs: 4000 } }), { directory });
    closers.push(() => node.close());
    print(proofLine('one node, SQLite directory, memory sessions', await workload([node.urls.admin!], node.urls.ops!, source, target)));
  } finally {
    for (const c of closers.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function proofTwoNodes(): Promise<void> {
  if (!(await reachable('postgres')) || !(await reachable('redis'))) {
    print({ bench: 'cutover-proof', mode: 'two nodes', skipped: `PostgreSQL (${DATABASE_URL}) or Redis (${REDIS_URL}) unreachable` });
    return;
  }
  const run = randomBytes(4).toString('hex');
  const schema = `wd_bench_cutover_${run}`;
  const closers: Array<() => Promise<void>> = [];
  try {
    const source = await createSimulator({ role: 'source', env: 3, customers: 50, seed: 1 });
    closers.push(() => source.close());
    const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1 });
    closers.push(() => target.close());
    const config = demoConfig(source, target, { cutover: { holdTimeoutMs: 4000 } });
    const nodes: RunningDispatcher[] = [];
    for (let i = 0; i < 2; i++) {
      const directory = await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, nodeId: `bench-${i}-${run}`, leaseMs: 1000, poolSize: 4 });
      const sessions = await RedisSessionStore.connect(REDIS_URL, `wd:bench:${run}:`);
      const node = await startInProcess(config, { directory, sessions });
      closers.push(() => node.close());
      nodes.push(node);
    }
    const f = await workload(nodes.map((n) => n.urls.admin!), nodes[0]!.urls.ops!, source, target);
    print(proofLine('two nodes, PostgreSQL directory + Redis sessions, begin/commit to node 0 only', f));
  } finally {
    for (const c of closers.reverse()) await c();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

interface DispatcherProcess { admin: string; ops: string; command: string; close(): Promise<void> }

/** `webdispatcher start` in its own process: one worker, SQLite directory, memory sessions. */
async function dispatcherProcess(backend: Backend, serviceLogin: boolean): Promise<DispatcherProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-cutover-'));
  const config = join(dir, 'dispatcher.yaml');
  const urls = (s: Backend['source']) => `{ env: ${s.env}, urls: { admin: "${s.urls.admin}", reseller: "${s.urls.reseller}", customer: "${s.urls.customer}", account: "${s.urls.account}", portasip: "${s.urls.portasip}" } }`;
  writeFileSync(config, `systems:
  source: ${urls(backend.source)}
  target: ${urls(backend.target)}
listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }
workers: 1
sessions: { store: memory, secret: "bench-secret-0123456789abcdef" }
directory: { store: sqlite, sqlitePath: "${join(dir, 'directory.sqlite')}" }
ops: { token: "${DEMO_OPS_TOKEN}"${serviceLogin ? `, serviceLogin: { login: "${DEMO_ADMIN.login}", token: "${DEMO_ADMIN.token}" }` : ''} }
cutover: { holdTimeoutMs: 5000 }
log: { level: warn }
`);
  const proc = await startReadyProcess<{ ready: true; dispatcher: Record<string, string> }>(
    process.execPath, [join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', config],
    { cwd: repoRoot, env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeoutMs: 60_000 },
  );
  const { admin, ops } = proc.ready.dispatcher;
  if (admin === undefined || ops === undefined) { await proc.close(); throw new Error(`ready line without admin/ops: ${JSON.stringify(proc.ready)}`); }
  return {
    admin, ops, command: `${proc.command.replace(repoRoot + '/', '').replace(config, '<dispatcher.yaml>')}   # workers: 1, sessions: memory, directory: sqlite, ops.serviceLogin: ${serviceLogin ? 'set' : 'unset'}`,
    async close() { await proc.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  try { return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }; } catch { return { status: res.status, json: { nonJson: text } }; }
}

/** What `begin` asks of the system the customer leaves (create-dispatcher's serviceCustomerReader), timed directly. */
async function serviceReadDirect(sourceAdmin: string, iCustomer: number): Promise<number> {
  const t0 = performance.now();
  const login = await post(`${sourceAdmin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } }, {});
  const auth = { authorization: `Bearer ${String(login.json.access_token)}` };
  await post(`${sourceAdmin}/rest/Customer/get_customer_info`, { params: { i_customer: iCustomer } }, auth);
  await post(`${sourceAdmin}/rest/Account/get_account_list`, { params: { i_customer: iCustomer, limit: 1000, offset: 0 } }, auth);
  return performance.now() - t0;
}

/**
 * One dispatcher process, every rate phase. Without `ops.serviceLogin`, begin does not read the
 * customer's keys and accounts from the system it leaves: the difference is what that read costs.
 */
async function holdTime(backend: Backend, serviceLogin: boolean, firstCustomer: number): Promise<void> {
  let dispatcher: DispatcherProcess | undefined;
  const generator = new OpenLoopGenerator();
  try {
    dispatcher = await dispatcherProcess(backend, serviceLogin);
    const auth = await restLogin(dispatcher.admin, BENCH_ADMIN.login, BENCH_ADMIN.password);
    const bearer = { authorization: `Bearer ${auth.accessToken}` };
    const opsAuth = { authorization: `Bearer ${DEMO_OPS_TOKEN}` };
    // Background: odd customers 1..999 (they live on the source); cutovers: odd customers from 1001 up.
    const background: RequestSpec[] = [];
    for (let c = 1; c < 1000; c += 2) {
      background.push({ path: '/rest/Customer/get_customer_info', headers: { 'content-type': 'application/json', ...bearer }, body: JSON.stringify({ params: { i_customer: c } }) });
    }
    const p = (xs: number[]) => pct(percentiles(Float64Array.from(xs)));
    // Warm the dispatcher (JIT, backend sessions, directory) before measuring anything.
    await generator.run({ url: dispatcher.admin, requests: background, rate: 300, durationS: 2, warmupS: 1, connections: 64 });
    let nextCustomer = firstCustomer;
    let command = '';
    for (const rate of RATES) {
      const moving = Array.from({ length: CUTOVERS }, (_, i) => nextCustomer + 2 * i);
      nextCustomer += 2 * CUTOVERS;
      if (moving.at(-1)! > CUSTOMERS) throw new Error(`--customers ${CUSTOMERS} is too few for the cutovers of every phase`);
      // 3 s at the phase's rate first (not counted), so the quiet figures are not the JIT warming up.
      const quiet = rate > 0 ? await generator.run({ url: dispatcher.admin, requests: background, rate, durationS: 5, warmupS: 3, connections: 64 }) : undefined;
      command = quiet?.command ?? command;

      const begins: number[] = [];
      const commits: number[] = [];
      const windows: number[] = [];
      const helds: number[] = [];
      const heldStatus: Record<string, number> = {};
      const reported: number[] = [];
      // The background run covers the cutovers (bounded: at most 0.6 s per cutover, 40 s in all);
      // cutovers that do not fit in it are not run.
      const durationS = Math.min(40, Math.ceil(CUTOVERS * 0.6) + 2);
      const busyRun = rate > 0 ? generator.run({ url: dispatcher.admin, requests: background, rate, durationS, warmupS: 1, connections: 64 }) : undefined;
      if (busyRun !== undefined) await sleep(1500);
      const started = performance.now();
      for (const c of moving) {
        if (busyRun !== undefined && performance.now() - started > (durationS - 1) * 1000) break;
        const t0 = performance.now();
        const begin = await post(`${dispatcher.ops}/v1/migrations/${c}/begin`, {}, opsAuth);
        const t1 = performance.now();
        if (begin.status !== 200) throw new Error(`begin ${c}: ${begin.status} ${JSON.stringify(begin.json)}`);
        if (typeof begin.json.drained_ms === 'number') reported.push(begin.json.drained_ms);
        // Calls for the moving customer: the dispatcher holds them until commit.
        const held = Array.from({ length: HELD }, async () => {
          const s = performance.now();
          const r = await post(`${dispatcher!.admin}/rest/Customer/get_customer_info`, { params: { i_customer: c } }, bearer);
          helds.push(performance.now() - s);
          const key = r.status === 200 ? '200' : `${r.status} ${String(r.json.faultcode)}`;
          heldStatus[key] = (heldStatus[key] ?? 0) + 1;
        });
        await sleep(2);
        const t2 = performance.now();
        const commit = await post(`${dispatcher.ops}/v1/migrations/${c}/commit`, { system: 'target' }, opsAuth);
        const t3 = performance.now();
        if (commit.status !== 200) throw new Error(`commit ${c}: ${commit.status} ${JSON.stringify(commit.json)}`);
        begins.push(t1 - t0);
        commits.push(t3 - t2);
        windows.push(t3 - t0);
        await Promise.all(held);
        await sleep(20);
      }
      const busy = busyRun === undefined ? undefined : await busyRun;

      // What begin asks of the source system, timed directly right after (same machine state).
      const direct: number[] = [];
      for (let i = 0; i < Math.min(begins.length, 50); i++) direct.push(await serviceReadDirect(backend.source.urls.admin, moving[i]!));

      const bg = (r: OpenLoopResult | undefined) => r === undefined ? undefined
        : { achieved: round(r.achievedRate, 0), errors: r.errors, latencyMs: pct(r.latencyMs), serviceMs: pct(r.serviceMs) };
      print({
        bench: 'cutover-hold', serviceLogin, backgroundRate: rate, cutovers: begins.length, heldCallsPerCutover: HELD,
        beginMs: p(begins), commitMs: p(commits), beginToCommitMs: p(windows), heldCallMs: p(helds), heldCallStatus: heldStatus,
        beginServerSideMs: p(reported), serviceReadDirectMs: p(direct),
        backgroundQuiet: bg(quiet), backgroundDuringCutovers: bg(busy), loadavg1: round(loadavg()[0]!),
      });
    }
    print({ bench: 'cutover-hold', commands: [...backend.commands, dispatcher.command, command] });
  } finally {
    await generator.close();
    await dispatcher?.close();
  }
}

print({ bench: 'cutover', node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, loadavg1: round(loadavg()[0]!), at: new Date().toISOString() });
if (!args['skip-proof']) {
  await proofOneNode();
  await proofTwoNodes();
}
if (!args['skip-hold']) {
  const backend = await simBackend(CUSTOMERS);
  try {
    // Each dispatcher moves its own customers (odd ids from 1001 up, then the next block).
    if (SERVICE_LOGIN !== 'off') await holdTime(backend, true, 1001);
    if (SERVICE_LOGIN !== 'on') await holdTime(backend, false, 1001 + 2 * CUTOVERS * RATES.length);
  } finally {
    await backend.close();
  }
}
print({ bench: 'cutover', done: true, loadavg1: round(loadavg()[0]!) });
