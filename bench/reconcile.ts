/**
 * Directory reconcile figures (issue 13): how long a reconcile takes and the dispatcher's peak
 * memory with N customers on the source simulator and N/10 on the target.
 *
 * Per level: two fresh simulators (bench/sim-backend.ts, one process each; seeding is lazy) and
 * `webdispatcher start` (its own process, memory directory, `ops.serviceLogin`). Before the runs,
 * `--wrong` directory entries are set to the wrong system (PUT /v1/locations/customers/{id}) and
 * as many source customers are transferred to the target on the simulators directly, so every
 * run finds 2 × `--wrong` findings. Then `--runs` report-only reconciles through the ops API
 * (POST /v1/directory/reconcile, what `webdispatcher directory reconcile` calls). Time is that
 * round trip; memory is the dispatcher's VmRSS before and VmHWM (peak RSS) after each run, from /proc.
 *
 *   node --import tsx bench/reconcile.ts [--levels 100000,1000000] [--page-size 1000] [--wrong 20] [--runs 1]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './backends.ts';
import { startReadyProcess, type ReadyProcess } from './ready-process.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';
import type { ReconcileReport } from '../src/consistency/reconcile-report.ts';

const OPS_TOKEN = 'bench-reconcile-ops-token';
const { values } = parseArgs({
  options: { levels: { type: 'string', default: '100000,1000000' }, 'page-size': { type: 'string', default: '1000' }, wrong: { type: 'string', default: '20' }, runs: { type: 'string', default: '1' } },
});
const levels = values.levels.split(',').map(Number);
const pageSize = Number(values['page-size']);
const wrong = Number(values.wrong);
const runs = Number(values.runs);

interface SimReady { ready: true; urls: Record<string, string> }

async function send(method: string, url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body), signal: AbortSignal.timeout(1_800_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** kB of a /proc/<pid>/status field (VmRSS, VmHWM). */
function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

/** Makes the kernel start the peak-RSS count again from the current RSS. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

async function startSims(n: number): Promise<Array<ReadyProcess<SimReady>>> {
  const script = join(repoRoot, 'bench', 'sim-backend.ts');
  const procs: Array<ReadyProcess<SimReady>> = [];
  for (const [role, env, customers] of [['source', 3, n], ['target', 8, Math.max(1, Math.floor(n / 10))]] as const) {
    procs.push(await startReadyProcess<SimReady>(process.execPath, ['--import', 'tsx', script, '--role', role, '--env', String(env), '--customers', String(customers)], { cwd: repoRoot, timeoutMs: 120_000 }));
  }
  return procs;
}

async function startDispatcher(source: SimReady, target: SimReady, dir: string) {
  const config = join(dir, 'dispatcher.yaml');
  const urls = (s: SimReady, env: number) => `{ env: ${env}, urls: { admin: "${s.urls.admin}", reseller: "${s.urls.reseller}", customer: "${s.urls.customer}", account: "${s.urls.account}", portasip: "${s.urls.portasip}" } }`;
  writeFileSync(config, `systems:
  source: ${urls(source, 3)}
  target: ${urls(target, 8)}
listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }
sessions: { store: memory, secret: "bench-secret-0123456789abcdef" }
directory: { store: memory }
ops: { token: "${OPS_TOKEN}", serviceLogin: { login: "${DEMO_ADMIN.login}", token: "${DEMO_ADMIN.token}" }, checkIntervalMs: 0, totalsIntervalMs: 0 }
drift: { intervalMs: 0 }
reconcile: { intervalMs: 0, pageSize: ${pageSize} }
log: { level: error }
`);
  return startReadyProcess<{ ready: true; dispatcher: Record<string, string> }>(
    process.execPath, [join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', config],
    { cwd: repoRoot, env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeoutMs: 60_000 },
  );
}

/** Odd source customers: `wrong` entries pointed at the target, `wrong` others transferred behind the dispatcher's back. */
async function makeFindings(ops: string, source: SimReady, target: SimReady): Promise<void> {
  const token = (await send('POST', `${source.urls.admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } })).json.access_token as string;
  const listed = await send('POST', `${source.urls.admin}/rest/Customer/get_customer_list`, { params: { skip_exported: 1, limit: 8 * wrong } }, token);
  const odd = (listed.json.customer_list as Array<{ i_customer: number }>).map((c) => c.i_customer).filter((id) => id % 2 === 1);
  if (odd.length < 2 * wrong) throw new Error(`only ${odd.length} odd source customers in the first page`);
  for (const id of odd.slice(0, wrong)) {
    const r = await send('PUT', `${ops}/v1/locations/customers/${id}`, { system: 'target' }, OPS_TOKEN);
    if (r.status !== 200) throw new Error(`PUT entry ${id}: ${JSON.stringify(r.json)}`);
  }
  for (const id of odd.slice(wrong, 2 * wrong)) {
    const r = await send('POST', `${source.urls.admin}/sim/transfer`, { i_customer: id, target: target.urls.admin });
    if (r.status !== 200) throw new Error(`transfer ${id}: ${JSON.stringify(r.json)}`);
  }
}

interface Measure { ms: number; rssBeforeMb: number; peakMb: number; report: ReconcileReport }

async function reconcileOnce(ops: string, pid: number): Promise<Measure> {
  resetPeak(pid);
  const rssBeforeMb = procKb(pid, 'VmRSS') / 1024;
  const t0 = performance.now();
  const r = await send('POST', `${ops}/v1/directory/reconcile`, {}, OPS_TOKEN);
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`POST /v1/directory/reconcile: ${JSON.stringify(r.json)}`);
  return { ms, rssBeforeMb, peakMb: procKb(pid, 'VmHWM') / 1024, report: r.json.report as ReconcileReport };
}

interface LevelResult { n: number; measures: Measure[] }

async function level(n: number): Promise<LevelResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-reconcile-'));
  const sims = await startSims(n);
  const [source, target] = sims as [ReadyProcess<SimReady>, ReadyProcess<SimReady>];
  const proc = await startDispatcher(source.ready, target.ready, dir);
  try {
    const ops = proc.ready.dispatcher.ops!;
    await makeFindings(ops, source.ready, target.ready);
    const measures: Measure[] = [];
    for (let i = 0; i < runs; i++) {
      const m = await reconcileOnce(ops, proc.pid);
      const f = m.report.findings;
      if (m.report.outcome !== 'found' || f.misplaced.count !== wrong || f.unlisted.count !== wrong || f.absent.count + f.onBoth.count !== 0) {
        throw new Error(`expected ${wrong} misplaced and ${wrong} unlisted, got ${m.report.outcome} ${JSON.stringify({ counts: m.report.counts, error: m.report.error, ...Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.count])) })}`);
      }
      process.stderr.write(`${n}: ${m.ms.toFixed(0)} ms, peak ${m.peakMb.toFixed(1)} MB\n`);
      measures.push(m);
    }
    return { n, measures };
  } finally {
    await proc.close();
    await Promise.all(sims.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: LevelResult[] = [];
for (const n of levels) results.push(await level(n));
console.log(`# node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; page size ${pageSize}, ${runs} run(s) each`);
console.log('| customers on source / target | findings | time s | customers/s | dispatcher RSS before, MB | **peak RSS during, MB** |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  for (const m of r.measures) {
    const c = m.report.counts;
    const total = c.source + c.target;
    console.log(`| ${c.source.toLocaleString('en-US')} / ${c.target.toLocaleString('en-US')} | ${2 * wrong} | ${(m.ms / 1000).toFixed(1)} | ${Math.round(total / (m.ms / 1000)).toLocaleString('en-US')} | ${m.rssBeforeMb.toFixed(1)} | **${m.peakMb.toFixed(1)}** |`);
  }
}
