/**
 * S6 (sessions half): S1 throughput and the dispatcher's RSS as live sessions pile up. Sessions
 * are created by real logins through the dispatcher (bounded count, bounded concurrency); RSS is
 * read from /proc for the single dispatcher process (workers: 1).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Backend } from './backends.ts';
import { startDispatcher } from './contenders.ts';
import type { Scenario } from './scenarios.ts';
import { runWrk } from './wrk.ts';
import { spread } from './stats.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import type { Spread } from './stats.ts';

/** One level of live sessions. */
export interface GrowthLevel {
  sessions: number;
  rssMiB: number;
  /** RSS growth per session added since the previous level (marginal; noisy for small steps). */
  bytesPerSession: number;
  /** RSS growth per session added since the first level (everything the logins left behind, garbage included). */
  bytesPerSessionSinceFirst: number;
  rps: Spread;
  /** The dispatcher's CPU per S1 request at this level (less sensitive to the machine's other work than req/s). */
  cpuUsPerRequest: Spread;
  loginRate: number;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb === undefined ? NaN : Number(kb) * 1024;
}

/** Logs in `count` times (32 at a time); returns how many succeeded and the rate. Bounded by count and a deadline. */
async function login(url: string, count: number, deadlineMs: number): Promise<{ done: number; rate: number }> {
  const pool = new Pool(new URL(url).origin, { connections: 32 });
  const body = JSON.stringify({ params: { login: 'admin', password: 'demo-admin' } });
  let next = 0;
  let failed = 0;
  const start = performance.now();
  const stopAt = Date.now() + deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < stopAt) {
      next++;
      const res = await pool.request({ method: 'POST', path: '/rest/Session/login', headers: { 'content-type': 'application/json' }, body });
      await res.body.dump();
      if (res.statusCode !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await pool.close();
  if (failed > 0) throw new Error(`${failed} of ${next} logins failed`);
  return { done: next, rate: next / ((performance.now() - start) / 1000) };
}

/** Runs S1-json against one dispatcher while its live sessions grow through `levels`. */
export async function sessionGrowth(backend: Backend, s1: Scenario, levels: readonly number[], opts: { runs: number; wrkSeconds: number; loginBudgetMs: number; log(msg: string): void }): Promise<{ levels: GrowthLevel[]; commands: string[] }> {
  const d = await startDispatcher(backend, 'dispatcher-1w', { workers: 1 });
  const out: GrowthLevel[] = [];
  try {
    const url = d.urls.admin!;
    const pid = d.pid!;
    // Warm up both paths (routed calls and logins) before the baseline, so JIT code and pools
    // are not counted as session memory.
    await runWrk({ url, requests: s1.requests(d.auth), durationS: 1, connections: 32 });
    const warm = await login(url, 200, 30_000);
    let live = 1 + warm.done;
    await sleep(500);
    let prevRss = rssBytes(pid);
    let prevLive = live;
    let firstRss = NaN;
    let firstLive = NaN;
    const loginDeadline = Date.now() + opts.loginBudgetMs;
    let budgetSpent = false;
    for (const level of levels) {
      if (budgetSpent) break;
      if (level < live && out.length > 0) continue;
      let loginRate = NaN;
      if (level > live) {
        const left = loginDeadline - Date.now();
        if (left <= 0) break;
        const r = await login(url, level - live, left);
        live += r.done;
        loginRate = r.rate;
        // A level the budget could not reach is measured and reported at the count reached.
        if (live < level) { opts.log(`S6: login budget spent at ${live} sessions (aiming for ${level})`); budgetSpent = true; }
      }
      await sleep(1000);
      const rss = rssBytes(pid);
      const rps: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const before = treeCpuSeconds(pid);
        const r = await runWrk({ url, requests: s1.requests(d.auth), durationS: opts.wrkSeconds, connections: 32 });
        rps.push(r.rps);
        cpu.push(((treeCpuSeconds(pid) - before) * 1e6) / Math.max(1, r.requests));
      }
      if (out.length === 0) { firstRss = rss; firstLive = live; }
      const level_: GrowthLevel = {
        sessions: live, rssMiB: rss / 2 ** 20, bytesPerSession: live > prevLive ? (rss - prevRss) / (live - prevLive) : NaN,
        bytesPerSessionSinceFirst: live > firstLive ? (rss - firstRss) / (live - firstLive) : NaN, rps: spread(rps), cpuUsPerRequest: spread(cpu), loginRate,
      };
      out.push(level_);
      prevRss = rss;
      prevLive = live;
      opts.log(`S6 sessions ${live}: RSS ${level_.rssMiB.toFixed(1)} MiB, ${level_.bytesPerSession.toFixed(0)} B/session, S1 ${level_.rps.median.toFixed(0)} req/s, ${level_.cpuUsPerRequest.median.toFixed(0)} µs CPU/request, logins ${loginRate.toFixed(0)}/s`);
    }
    return { levels: out, commands: d.commands };
  } finally {
    await d.close();
  }
}

/** Markdown table of the growth levels. */
export function growthTable(levels: readonly GrowthLevel[]): string[] {
  const first = levels[0]?.rps.median;
  const firstCpu = levels[0]?.cpuUsPerRequest.median;
  const lines = ['| live sessions | dispatcher RSS, MiB | RSS growth per session added since the previous row, bytes | since the first row, bytes | S1 req/s, median (min–max) | vs first level | dispatcher CPU µs/request | CPU vs first level | logins/s while filling |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const l of levels) {
    const ratio = first !== undefined && first > 0 ? `${(l.rps.median / first).toFixed(2)}×` : '–';
    const bps = Number.isFinite(l.bytesPerSession) ? l.bytesPerSession.toFixed(0) : '–';
    const since = Number.isFinite(l.bytesPerSessionSinceFirst) ? l.bytesPerSessionSinceFirst.toFixed(0) : '–';
    const lr = Number.isFinite(l.loginRate) ? l.loginRate.toFixed(0) : '–';
    lines.push(`| ${l.sessions.toLocaleString('en-US')} | ${l.rssMiB.toFixed(1)} | ${bps} | ${since} | ${l.rps.median.toFixed(0)} (${l.rps.min.toFixed(0)}–${l.rps.max.toFixed(0)}) | ${ratio} | ${l.cpuUsPerRequest.median.toFixed(0)} (${l.cpuUsPerRequest.min.toFixed(0)}–${l.cpuUsPerRequest.max.toFixed(0)}) | ${firstCpu !== undefined && firstCpu > 0 ? `${(l.cpuUsPerRequest.median / firstCpu).toFixed(2)}×` : '–'} | ${lr} |`);
  }
  return lines;
}
