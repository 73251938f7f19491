/**
 * Configuration drift figures (issue 13): how long a drift comparison takes and the dispatcher's
 * peak memory, at N configuration entities per type (six types) on each simulator.
 *
 * Per level: two fresh simulators (bench/sim-backend.ts, one process each, --config-entities N)
 * and `webdispatcher start` (its own process, memory directory and sessions, `ops.serviceLogin`),
 * then through the ops API (what `webdispatcher drift` calls): (1) a clean comparison — every
 * type the same on both; (2) after `--changed` percent of each type is renamed and as many
 * deleted on the target (its admin API), a comparison with that drift — the second source pass
 * runs. Time is the POST /v1/drift round trip; memory is the dispatcher's VmRSS before and its
 * VmHWM (peak RSS) after each comparison, from /proc.
 *
 *   node --import tsx bench/drift.ts [--levels 1000,10000] [--changed 1] [--page-size 500] [--runs 3]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './backends.ts';
import { startReadyProcess, type ReadyProcess } from './ready-process.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';
import { BUILT_IN_CONFIG_ENTITY_TYPES } from '../src/core/config-entity-types.ts';
import type { DriftReport } from '../src/consistency/drift-report.ts';

const OPS_TOKEN = 'bench-drift-ops-token';
const { values } = parseArgs({
  options: { levels: { type: 'string', default: '1000,10000' }, changed: { type: 'string', default: '1' }, 'page-size': { type: 'string', default: '500' }, runs: { type: 'string', default: '3' } },
});
const levels = values.levels.split(',').map(Number);
const changedPct = Number(values.changed);
const pageSize = Number(values['page-size']);
const runs = Number(values.runs);

interface SimReady { ready: true; urls: Record<string, string> }

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body), signal: AbortSignal.timeout(600_000) });
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

async function startSims(perType: number): Promise<Array<ReadyProcess<SimReady>>> {
  const script = join(repoRoot, 'bench', 'sim-backend.ts');
  const procs: Array<ReadyProcess<SimReady>> = [];
  for (const [role, env] of [['source', 3], ['target', 8]] as const) {
    procs.push(await startReadyProcess<SimReady>(process.execPath, ['--import', 'tsx', script, '--role', role, '--env', String(env), '--customers', '100', '--config-entities', String(perType)], { cwd: repoRoot, timeoutMs: 120_000 }));
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
ops: { token: "${OPS_TOKEN}", serviceLogin: { login: "${DEMO_ADMIN.login}", token: "${DEMO_ADMIN.token}" } }
drift: { intervalMs: 0, pageSize: ${pageSize} }
log: { level: error }
`);
  return startReadyProcess<{ ready: true; dispatcher: Record<string, string> }>(
    process.execPath, [join(repoRoot, 'bin', 'webdispatcher.js'), 'start', '--config', config],
    { cwd: repoRoot, env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeoutMs: 60_000 },
  );
}

/** Renames and deletes `count` entities of every type on one system, 8 calls at a time. */
async function makeDrift(admin: string, count: number, perType: number): Promise<void> {
  const token = (await post(`${admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } })).json.access_token as string;
  const calls: Array<() => Promise<unknown>> = [];
  const step = Math.max(1, Math.floor(perType / (2 * count)));
  for (const t of BUILT_IN_CONFIG_ENTITY_TYPES) {
    for (let k = 0; k < count; k++) {
      const renamed = 1 + 2 * k * step;
      const deleted = renamed + step;
      calls.push(() => post(`${admin}/rest/${t.service}/update_${t.name}`, { params: { [`${t.name}_info`]: { [t.idField]: renamed, name: `drifted ${renamed}` } } }, token));
      calls.push(() => post(`${admin}/rest/${t.service}/delete_${t.name}`, { params: { [t.idField]: deleted } }, token));
    }
  }
  const worker = async () => { for (let c = calls.shift(); c !== undefined; c = calls.shift()) await c(); };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Measure { ms: number; rssBeforeMb: number; peakMb: number; report: DriftReport }

async function compare(ops: string, pid: number): Promise<Measure> {
  resetPeak(pid);
  const rssBeforeMb = procKb(pid, 'VmRSS') / 1024;
  const t0 = performance.now();
  const r = await post(`${ops}/v1/drift`, {}, OPS_TOKEN);
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`POST /v1/drift: ${JSON.stringify(r.json)}`);
  return { ms, rssBeforeMb, peakMb: procKb(pid, 'VmHWM') / 1024, report: r.json.report as DriftReport };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface LevelResult { perType: number; clean: Measure[]; drift: Measure[] }

async function level(perType: number): Promise<LevelResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-drift-'));
  const sims = await startSims(perType);
  const [source, target] = sims as [ReadyProcess<SimReady>, ReadyProcess<SimReady>];
  const proc = await startDispatcher(source.ready, target.ready, dir);
  try {
    const ops = proc.ready.dispatcher.ops!;
    const clean: Measure[] = [];
    for (let i = 0; i < runs; i++) clean.push(await compare(ops, proc.pid));
    if (clean.some((m) => m.report.outcome !== 'clean')) throw new Error(`a clean comparison found drift: ${JSON.stringify(clean.map((m) => m.report.totals))}`);
    const count = Math.max(1, Math.round((perType * changedPct) / 100));
    await makeDrift(target.ready.urls.admin!, count, perType);
    const drift: Measure[] = [];
    for (let i = 0; i < runs; i++) drift.push(await compare(ops, proc.pid));
    const t = drift[0]!.report.totals;
    const expected = count * BUILT_IN_CONFIG_ENTITY_TYPES.length;
    if (t.missingOnTarget !== expected || t.differing !== expected) throw new Error(`expected ${expected} missing and ${expected} differing, got ${JSON.stringify(t)}`);
    return { perType, clean, drift };
  } finally {
    await proc.close();
    await Promise.all(sims.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: LevelResult[] = [];
for (const n of levels) results.push(await level(n));
console.log(`# node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${BUILT_IN_CONFIG_ENTITY_TYPES.length} types, page size ${pageSize}, ${runs} runs each, medians (min–max)`);
console.log('| entities per type (× 6 types, × 2 systems) | comparison | differences found | time ms | dispatcher RSS before, MB | **peak RSS during, MB** |');
console.log('|---:|---|---:|---:|---:|---:|');
const span = (xs: number[], d = 0) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
for (const r of results) {
  for (const [name, ms] of [['clean', r.clean], [`${changedPct}% renamed + ${changedPct}% deleted on the target`, r.drift]] as const) {
    const t = ms[0]!.report.totals;
    console.log(`| ${r.perType.toLocaleString('en-US')} | ${name} | ${(t.missingOnTarget + t.missingOnSource + t.differing).toLocaleString('en-US')} | ${span(ms.map((m) => m.ms))} | ${span(ms.map((m) => m.rssBeforeMb), 1)} | **${span(ms.map((m) => m.peakMb), 1)}** |`);
  }
}
