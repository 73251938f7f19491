/**
 * Migration campaign figures (issue 12): customers moved per minute at several concurrencies, on
 * the simulators, and the latency of calls held by the campaign's cutovers.
 *
 * Per concurrency level: a fresh pair of simulators (bench/sim-backend.ts, one process each) and
 * `webdispatcher start` (its own process, SQLite directory and campaign store, memory sessions);
 * a campaign over every source customer with the `sim` copy step. While it runs, `--clients`
 * clients in this process write (Customer/update_customer notes) through the dispatcher: each
 * call goes to a customer the dispatcher lists as moving (GET /v1/migrations, polled every 20 ms)
 * when there is one — those are the held calls — else to a random customer of the campaign.
 *
 *   node --import tsx bench/campaign.ts [--customers 200] [--levels 1,4,16] [--clients 8] [--batch 100]
 *
 * Bounded: each level ends when the campaign is done or after --max-seconds (default 120).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { simBackend, repoRoot, type Backend } from './backends.ts';
import { startReadyProcess } from './ready-process.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';

const OPS_TOKEN = 'bench-campaign-ops-token';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '200' }, levels: { type: 'string', default: '1,4,16' }, clients: { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' }, 'max-seconds': { type: 'string', default: '120' },
  },
});
const customers = Number(values.customers);
const levels = values.levels.split(',').map(Number);
const clients = Number(values.clients);
const maxMs = Number(values['max-seconds']) * 1000;

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });
  const text = await res.text();
  try { return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }; } catch { return { status: res.status, json: { nonJson: text } }; }
}

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

async function dispatcher(backend: Backend, dir: string) {
  const config = join(dir, 'dispatcher.yaml');
  const urls = (s: Backend['source']) => `{ env: ${s.env}, urls: { admin: "${s.urls.admin}", reseller: "${s.urls.reseller}", customer: "${s.urls.customer}", account: "${s.urls.account}", portasip: "${s.urls.portasip}" } }`;
  writeFileSync(config, `systems:
  source: ${urls(backend.source)}
  target: ${urls(backend.target)}
listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }
sessions: { store: memory, secret: "bench-secret-0123456789abcdef" }
directory: { store: sqlite, sqlitePath: "${join(dir, 'directory.sqlite')}" }
ops: { token: "${OPS_TOKEN}", serviceLogin: { login: "${DEMO_ADMIN.login}", token: "${DEMO_ADMIN.token}" } }
campaigns: { defaultCopy: sim }
cutover: { holdTimeoutMs: 10000 }
log: { level: warn }
`);
  return startReadyProcess<{ ready: true; dispatcher: Record<string, string> }>(
    process.execPath, [join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', config],
    { cwd: repoRoot, env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeoutMs: 60_000 },
  );
}

interface LevelResult { steps: Record<string, number>; concurrency: number; moved: number; failed: number; seconds: number; perMinute: number; held: number[]; all: number[]; faults: number }

async function level(concurrency: number): Promise<LevelResult> {
  const backend = await simBackend(customers);
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-campaign-'));
  const proc = await dispatcher(backend, dir);
  try {
    const { admin, ops } = proc.ready.dispatcher as { admin: string; ops: string };
    const made = await post(`${ops}/v1/campaigns`, { name: `c${concurrency}`, select: { all: true }, batchSize: Number(values.batch), concurrency }, OPS_TOKEN);
    if (made.status !== 201) throw new Error(`create: ${JSON.stringify(made.json)}`);
    const total = made.json.total as number;
    const ids = ((await post(`${backend.source.urls.admin}/rest/Customer/get_customer_list`, { params: { limit: 100_000 } }, (await post(`${backend.source.urls.admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } })).json.access_token as string)).json.customer_list as Array<{ i_customer: number }>).map((c) => c.i_customer);
    const token = (await post(`${admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } })).json.access_token as string;
    let moving: number[] = [];
    let done = false;
    const held: number[] = [];
    const all: number[] = [];
    let faults = 0;
    const started = performance.now();
    await post(`${ops}/v1/campaigns/c${concurrency}/start`, {}, OPS_TOKEN);
    const watcher = (async () => {
      while (!done) {
        const r = await fetch(`${ops}/v1/migrations`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
        moving = ((await r.json()) as { migrations: Array<{ i_customer: number }> }).migrations.map((m) => m.i_customer);
        await sleep(20);
      }
    })();
    const client = async (k: number) => {
      for (let seq = 0; !done && seq < 1_000_000; seq++) {
        const target = moving.length > 0 ? moving[seq % moving.length]! : ids[(k * 31 + seq) % ids.length]!;
        const wasMoving = moving.includes(target);
        const t0 = performance.now();
        const r = await post(`${admin}/rest/Customer/update_customer`, { params: { customer_info: { i_customer: target, notes: `b-${k}-${seq}` } } }, token);
        const ms = performance.now() - t0;
        if (r.status !== 200) faults++;
        all.push(ms);
        if (wasMoving) held.push(ms);
      }
    };
    const clientsDone = Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
    let status: Record<string, unknown> = {};
    while (performance.now() - started < maxMs) {
      status = (await (await fetch(`${ops}/v1/campaigns/c${concurrency}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json()) as Record<string, unknown>;
      if (status.state !== 'running') break;
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await Promise.all([watcher, clientsDone]);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    const steps: Record<string, number> = {};
    for (const step of ['precheck', 'begin', 'copy', 'verify', 'commit']) {
      const sum = new RegExp(`^webdispatcher_campaign_step_seconds_sum\\{campaign="c${concurrency}",step="${step}"\\} (\\S+)$`, 'm').exec(metrics)?.[1];
      const count = new RegExp(`^webdispatcher_campaign_step_seconds_count\\{campaign="c${concurrency}",step="${step}"\\} (\\S+)$`, 'm').exec(metrics)?.[1];
      steps[step] = (Number(sum) / Number(count)) * 1000;
    }
    const moved = status.committed as number;
    if (moved + (status.failed as number) !== total) console.error(`level ${concurrency}: the campaign did not finish in time (${JSON.stringify(status)})`);
    return { steps, concurrency, moved, failed: status.failed as number, seconds, perMinute: (moved / seconds) * 60, held: held.sort((a, b) => a - b), all: all.sort((a, b) => a - b), faults };
  } finally {
    await proc.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: LevelResult[] = [];
for (const c of levels) results.push(await level(c));
console.log(`# node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${customers} source customers per level, ${clients} writing clients`);
console.log('| concurrency | moved / failed | wall s | **customers / min** | held calls (n) p50 / p99 ms | all calls (n) p50 / p99 ms | non-200 |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.concurrency} | ${r.moved} / ${r.failed} | ${r.seconds.toFixed(1)} | **${Math.round(r.perMinute).toLocaleString('en-US')}** | (${r.held.length}) ${pct(r.held, 50).toFixed(1)} / ${pct(r.held, 99).toFixed(1)} | (${r.all.length}) ${pct(r.all, 50).toFixed(1)} / ${pct(r.all, 99).toFixed(1)} | ${r.faults} |`);
}
console.log('');
console.log('Mean time per step of one customer (ms, the dispatcher\'s webdispatcher_campaign_step_seconds):');
console.log('| concurrency | precheck | begin (hold + drain) | copy (sim transfer) | verify | commit |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.concurrency} | ${['precheck', 'begin', 'copy', 'verify', 'commit'].map((k) => (r.steps[k] ?? NaN).toFixed(1)).join(' | ')} |`);
