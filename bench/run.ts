/**
 * `npm run bench` — the proxy benchmarks of issue 6: contenders on the same backend, cores and
 * load, measured in interleaved turns (A/B/A/B, ≥ 3 runs each), medians with min–max, ratios to
 * nginx and to direct from the same run. Writes the "Proxy benchmarks" section of bench/RESULTS.md.
 *
 *   npm run bench                      full run (< 10 min)
 *   npm run bench -- --quick           ≤ 60 s subset, written to bench/results/quick.md
 *   npm run bench -- --only S1-json    selected scenarios (comma-separated)
 *   options: --runs N  --write (quick/--only: also update RESULTS.md)  --no-profile / --profile  --no-growth (skips S6)
 *   npm run bench -- --only S6-sessions,S6-directory --no-profile   S6 alone
 * A quick or --only run writes bench/results/{quick,partial}.md and leaves RESULTS.md alone.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTools, machineInfo } from './tools.ts';
import { cannedBackend, repoRoot, simBackend, simulatorAvailable } from './backends.ts';
import type { Backend } from './backends.ts';
import { dispatcherAvailable, openLoopPair, startContender, startDispatcher } from './contenders.ts';
import type { Contender, ContenderName } from './contenders.ts';
import { scenarios } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import { runWrk } from './wrk.ts';
import type { WrkResult } from './wrk.ts';
import { OpenLoopGenerator } from './open-loop.ts';
import type { OpenLoopResult } from './open-loop.ts';
import { rotated, spread } from './stats.ts';
import { writeResults, writeStandalone } from './results-writer.ts';
import type { ContenderRow, RunReport, ScenarioReport } from './results-writer.ts';
import { summariseProfiles } from './cpu-profile.ts';
import { growthTable, sessionGrowth } from './session-growth.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import { headline } from './headline.ts';
import type { GrowthLevel } from './session-growth.ts';
import { storeFillInChild, storeTable } from './session-memory.ts';
import type { StoreLevel } from './session-memory.ts';
import { directoryGrowth, directoryTable } from './directory-growth.ts';
import type { DirectoryLevel } from './directory-growth.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    write: { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-growth': { type: 'boolean', default: false },
  },
});

const quick = args.quick;
const settings = {
  runs: Number(args.runs ?? 3),
  // wrk takes whole seconds.
  wrkSeconds: quick ? 2 : 3,
  olSeconds: quick ? 1 : 2,
  olWarmup: quick ? 0.25 : 0.5,
};
const startedAt = Date.now();
const log = (msg: string): void => { process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${msg}\n`); };

/**
 * Contenders already started, by backend and name: scenarios on the same backend reuse them (a
 * clustered dispatcher takes seconds to start), and all are stopped at the end of the run.
 */
const running = new Map<string, Promise<Contender>>();

function contenderFor(name: ContenderName, backend: Backend, key: string, commands: string[]): Promise<Contender> {
  const k = `${key}/${name}`;
  let c = running.get(k);
  if (c === undefined) {
    c = startContender(name, backend).then((x) => { commands.push(...x.commands); return x; });
    running.set(k, c);
    // A failed start is not cached: the next scenario may try again.
    c.catch(() => running.delete(k));
  }
  return c;
}

async function closeContenders(): Promise<void> {
  for (const c of running.values()) await c.then((x) => x.close(), () => {}).catch(() => {});
  running.clear();
}

async function runScenario(s: Scenario, backend: Backend, backendKey: string, generator: OpenLoopGenerator, commands: string[], skipped: string[]): Promise<ScenarioReport> {
  // Quick mode leaves out the two slowest to start or least telling (60 s budget).
  const wanted = quick ? s.contenders.filter((c) => c !== 'nginx-proxy-1w' && c !== 'raw-node' && c !== 'dispatcher-all') : s.contenders;
  const contenders: Contender[] = [];
  const rows: ContenderRow[] = [];
  {
    // Started side by side: a clustered dispatcher takes seconds to come up.
    const available = wanted.filter((name) => {
      if (name.startsWith('dispatcher') && !dispatcherAvailable()) { skipped.push(`${s.id} ${name}: src/cli/start-command.ts does not exist yet`); return false; }
      return true;
    });
    const started = await Promise.allSettled(available.map((name) => {
      log(`${s.id}: ${running.has(`${backendKey}/${name}`) ? 'reusing' : 'starting'} ${name}`);
      return contenderFor(name, backend, backendKey, commands);
    }));
    started.forEach((r, i) => {
      const name = available[i]!;
      if (r.status === 'fulfilled') { contenders.push(r.value); return; }
      const err = r.reason as Error;
      log(`${s.id}: ${name} failed to start: ${err.message.slice(0, 400)}`);
      rows.push({ contender: name, note: `failed to start: ${err.message.split('\n')[0]!.slice(0, 200)}` });
    });
    const wrk = new Map<string, WrkResult[]>();
    const cpuPerRequest = new Map<string, number[]>();
    const ol = new Map<string, OpenLoopResult[]>();
    const urlOf = (c: Contender): string | undefined => c.urls[s.listener];
    // One unrecorded wrk second per contender: JIT, connection pools and caches warm up first.
    for (const c of contenders) {
      const url = urlOf(c);
      if (url !== undefined) await runWrk({ url, requests: s.requests(c.auth), durationS: 1, connections: s.wrk?.connections ?? 4, threads: 1 }).catch(() => undefined);
    }
    // Quick mode keeps the open loop to the three contenders the latency target compares.
    const olNames: string[] = quick ? ['direct', 'nginx-proxy', 'dispatcher-1w'] : (s.openLoopContenders ?? s.contenders);
    const openLoopContenders = contenders.filter((c) => olNames.includes(c.name));
    for (let round = 0; round < settings.runs && s.wrk !== undefined; round++) {
      for (const c of rotated(contenders, round)) {
        const url = urlOf(c);
        // wrk sends to one destination: a paired contender is measured in the open loop only.
        if (url === undefined || c.pair !== undefined) continue;
        try {
          const cpuBefore = c.pid !== undefined ? treeCpuSeconds(c.pid) : NaN;
          const r = await runWrk({ url, requests: s.requests(c.auth), durationS: settings.wrkSeconds, connections: s.wrk.connections, threads: 1 });
          const cpu = c.pid !== undefined ? treeCpuSeconds(c.pid) - cpuBefore : NaN;
          if (Number.isFinite(cpu) && r.requests > 0) cpuPerRequest.set(c.name, [...(cpuPerRequest.get(c.name) ?? []), (cpu * 1e6) / r.requests]);
          commands.push(r.command.replace(url, '<contender-url>'));
          wrk.set(c.name, [...(wrk.get(c.name) ?? []), r]);
          log(`${s.id} wrk round ${round + 1} ${c.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, errors ${r.errors}`);
        } catch (err) {
          log(`${s.id} wrk ${c.name} failed: ${(err as Error).message.slice(0, 300)}`);
        }
      }
    }
    // Quick mode measures only the target's rate (the last one listed).
    for (const rate of quick ? (s.openLoop?.rates ?? []).slice(-1) : (s.openLoop?.rates ?? [])) {
      for (let round = 0; round < settings.runs; round++) {
        for (const c of rotated(openLoopContenders, round)) {
          const url = urlOf(c);
          if (url === undefined) continue;
          try {
            const pair = openLoopPair(c, s);
            const r = await generator.run({ url, requests: s.requests(c.auth), rate, durationS: settings.olSeconds, warmupS: settings.olWarmup, connections: s.openLoopConnections ?? 64, ...pair });
            const command = r.command.replace(url, '<contender-url>');
            commands.push(pair.pair !== undefined ? command.replace(pair.pair.url, '<pair-url>') : command);
            ol.set(`${c.name}@${rate}`, [...(ol.get(`${c.name}@${rate}`) ?? []), r]);
            log(`${s.id} open-loop ${rate}/s round ${round + 1} ${c.name}: p50 ${r.latencyMs.p50.toFixed(3)} p99 ${r.latencyMs.p99.toFixed(3)} p99.9 ${r.latencyMs.p999.toFixed(3)} ms (service p50 ${r.serviceMs.p50.toFixed(3)}), errors ${r.errors}`);
          } catch (err) {
            log(`${s.id} open-loop ${c.name} failed: ${(err as Error).message.slice(0, 300)}`);
          }
        }
      }
    }
    for (const c of contenders) {
      const w = wrk.get(c.name);
      const row: ContenderRow = { contender: c.name };
      if (w !== undefined) {
        row.rps = spread(w.map((r) => r.rps));
        row.wrkErrors = w.reduce((a, r) => a + r.errors, 0);
        const cpu = cpuPerRequest.get(c.name);
        if (cpu !== undefined) row.cpuUsPerRequest = spread(cpu);
      }
      const rates = s.openLoop?.rates ?? [];
      const openLoop = rates.flatMap((rate) => {
        const runs = ol.get(`${c.name}@${rate}`);
        if (runs === undefined) return [];
        return [{
          rate,
          p50: spread(runs.map((r) => r.latencyMs.p50)),
          p99: spread(runs.map((r) => r.latencyMs.p99)),
          p999: spread(runs.map((r) => r.latencyMs.p999)),
          serviceP50: spread(runs.map((r) => r.serviceMs.p50)),
          serviceP99: spread(runs.map((r) => r.serviceMs.p99)),
          achieved: spread(runs.map((r) => r.achievedRate)),
          errors: runs.reduce((a, r) => a + r.errors, 0),
        }];
      });
      if (openLoop.length > 0) row.openLoop = openLoop;
      rows.push(row);
    }
  }
  const order = (n: string): number => { const i = s.contenders.indexOf(n as ContenderName); return i < 0 ? 99 : i; };
  rows.sort((a, b) => order(a.contender) - order(b.contender));
  return { id: s.id, title: s.title, backend: backend.description, rows, notes: s.notes ?? [] };
}

/** Profiles a 1-worker dispatcher on S1-json (canned backend) with --cpu-prof. */
async function profileDispatcher(backend: Backend, s: Scenario, commands: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-prof-'));
  const c = await startDispatcher(backend, 'dispatcher-1w', { workers: 1, cpuProfDir: dir });
  try {
    const r = await runWrk({ url: c.urls.admin!, requests: s.requests(c.auth), durationS: quick ? 2 : 5, connections: 32, threads: 1 });
    log(`profile run: ${r.rps.toFixed(0)} req/s under --cpu-prof`);
    commands.push(...c.commands.map((x) => x.replace(dir, '<dir>')));
  } finally {
    await c.close();
  }
  const summary = summariseProfiles(dir, repoRoot, 20);
  const keep = join(repoRoot, 'bench', 'results', 'profiles');
  rmSync(keep, { recursive: true, force: true });
  mkdirSync(keep, { recursive: true });
  // The raw profiles stay in bench/results/ (git-ignored) for a flame graph in Chrome DevTools.
  for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(keep, f));
  rmSync(dir, { recursive: true, force: true });
  return summary;
}

async function main(): Promise<void> {
  const commands: string[] = [`npm run bench${quick ? ' -- --quick' : ''}`];
  commands.push(...(await ensureTools()));
  const machine = machineInfo();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, nginx ${machine.nginx}, ${machine.wrk}`);
  const only = args.only?.split(',').map((x) => x.trim());
  const selected = scenarios({ simCustomerIds: Array.from({ length: 16 }, (_, i) => 2 * i + 1) })
    .filter((s) => (only ? only.includes(s.id) : !quick || s.quick === true));
  const skipped: string[] = [];
  const reports: ScenarioReport[] = [];
  const generator = new OpenLoopGenerator();
  let profile: string[] | undefined;
  let growth: GrowthLevel[] | undefined;
  let storeLevels: StoreLevel[] | undefined;
  let directoryLevels: DirectoryLevel[] | undefined;
  const backends = new Map<string, Backend>();
  const backendFor = async (s: Scenario): Promise<Backend> => {
    const key = s.backend === 'canned' ? 'canned' : `sim${s.backend.sim}`;
    let b = backends.get(key);
    if (b === undefined) {
      log(`starting backend ${key}`);
      b = s.backend === 'canned' ? await cannedBackend() : await simBackend(s.backend.sim);
      backends.set(key, b);
      commands.push(...b.commands);
    }
    return b;
  };
  try {
    for (const s of selected) {
      if ((s.needs === 'sim' || s.backend !== 'canned') && !simulatorAvailable()) { skipped.push(`${s.id}: the simulator (src/sim/simulator.ts) does not exist yet`); continue; }
      if (s.needs === 'dispatcher' && !dispatcherAvailable()) { skipped.push(`${s.id}: the dispatcher (src/cli/start-command.ts) does not exist yet`); continue; }
      const backend = await backendFor(s);
      reports.push(await runScenario(s, backend, s.backend === 'canned' ? 'canned' : `sim${s.backend.sim}`, generator, commands, skipped));
    }
    // The scenarios' contenders are done: stop them before S6 and the profile start their own.
    await closeContenders();
    const s1 = selected.find((s) => s.id === 'S1-json');
    const growthWanted = !quick && !args['no-growth'] && (only === undefined || only.includes('S6-sessions'));
    const directoryWanted = !quick && !args['no-growth'] && (only === undefined || only.includes('S6-directory'));
    if ((growthWanted || directoryWanted) && !dispatcherAvailable()) skipped.push('S6: the dispatcher does not exist yet');
    if (growthWanted && dispatcherAvailable()) {
      const s1def = scenarios({ simCustomerIds: [] }).find((s) => s.id === 'S1-json')!;
      // The first level is the ~200 warm-up logins; then 10× steps until the login budget runs out.
      const levels = [1, 2_000, 20_000, 200_000, 1_000_000];
      try {
        const g = await sessionGrowth(await backendFor(s1def), s1def, levels, { runs: settings.runs, wrkSeconds: 2, loginBudgetMs: 60_000, log });
        commands.push(...g.commands);
        growth = g.levels;
        const markdown = growthTable(g.levels);
        const notes = [
          'Sessions are real admin logins through the dispatcher (32 concurrent), each holding two backend sessions; the canned backend answers every login with a token shaped and sized like PortaBilling\'s (32-hex session id and refresh token, JWT with iat/exp/jti/login/realm/i_env/aud/i_user and a 43-character signature). RSS is VmRSS of the dispatcher process, 1 s after the logins; bytes per session = RSS growth / sessions added since the previous row, and since the first row (the headline figure). Both include garbage not yet collected, so small steps are noisy.',
          'Levels are filled within a 60 s login budget (the 10-minute run has no room for more): the last row is where the budget ran out (its session count is the one actually reached). Target: ≤ 1 KiB per session; S1 at the largest level ≥ 0.9 × at the smallest. S1 sends one session\'s token, so its row measures a dispatcher holding N sessions, not N clients calling.',
        ];
        try {
          log('S6: store-level fill to 1,000,000 sessions (its own process, --expose-gc)');
          const store = await storeFillInChild(1_000_000);
          storeLevels = store.levels;
          commands.push(store.command);
          markdown.push('', ...storeTable(store.levels));
          notes.push('Store-level fill (second table; **not logins**): bench/session-memory.ts puts sessions into the in-memory store through its API (`put`), each shaped as a login leaves it (dispatcher id and refresh secret from SessionTokens, two backend sessions with distinct simulator-shaped tokens), in its own process; heap and RSS growth per session after `gc()`, and the CPU cost of `get` (a random session: decoded from the compact form; the session read just before: its decoded copy). This is how 1,000,000 sessions are reached within the run.');
        } catch (err) {
          log(`S6 store-level fill failed: ${(err as Error).message.slice(0, 300)}`);
          skipped.push(`S6-sessions store-level fill: failed: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
        }
        reports.push({
          id: 'S6-sessions', title: 'growth: S1-json throughput and memory as live dispatcher sessions pile up (1 worker, in-memory store)',
          backend: 'canned nginx', rows: [], markdown, notes,
        });
      } catch (err) {
        log(`S6 failed: ${(err as Error).message.slice(0, 300)}`);
        skipped.push(`S6-sessions: failed: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
      }
    }
    if (directoryWanted && dispatcherAvailable()) {
      const s1def = scenarios({ simCustomerIds: [] }).find((s) => s.id === 'S1-json')!;
      try {
        const d = await directoryGrowth(await backendFor(s1def), s1def, [1_000, 1_000_000, 10_000_000], { runs: settings.runs, wrkSeconds: 2, log });
        commands.push(...d.commands);
        directoryLevels = d.levels;
        const made = d.levels.map((l) => `${l.customers.toLocaleString('en-US')}: ${l.generatedS > 0 ? `generated in ${l.generatedS.toFixed(1)} s` : 'cached file reused'}`).join(', ');
        reports.push({
          id: 'S6-directory', title: 'growth: S1-json throughput as the directory grows (1 worker, SQLite directory, routing index and 100,000-entry cache: the defaults)',
          backend: 'canned nginx', rows: [], markdown: directoryTable(d.levels),
          notes: [
            'One dispatcher per directory size, all running, measured in interleaved rounds (wrk -t 1 -c 32, 2 s per run) once its routing index has loaded (the load column: seconds after the ready line). Every request names a fresh random i_customer of the whole directory (bench/wrk-random-customer.lua): the LRU alone would hit about 10% / 1% of them at 1,000,000 / 10,000,000 customers, the routing index answers all of them. Bytes read per request (the dispatcher\'s rchar: sockets plus SQLite page reads) would show the directory being read; `node --import tsx bench/directory-growth.ts --routing-index false` measures the LRU alone.',
            `Directory files: written straight into SqliteDirectory's own schema by bench/directory-fill.ts (one INSERT … SELECT, customers only, systems alternating) and kept under the OS temp dir between runs while size and schema match; this run: ${made}. Target: S1 at 10,000,000 customers ≥ 0.9 × at 1,000.`,
          ],
        });
      } catch (err) {
        log(`S6 directory failed: ${(err as Error).message.slice(0, 300)}`);
        skipped.push(`S6-directory: failed: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
      }
    }
    // Quick mode profiles only when asked (--profile): its 60 s budget has no room for it.
    if (s1 !== undefined && !args['no-profile'] && (!quick || args.profile) && dispatcherAvailable()) {
      try {
        profile = await profileDispatcher(await backendFor(s1), s1, commands);
      } catch (err) {
        log(`profile failed: ${(err as Error).message.slice(0, 300)}`);
      }
    }
  } finally {
    await closeContenders();
    await generator.close();
    for (const b of backends.values()) await b.close().catch(() => {});
  }
  const report: RunReport = {
    machine,
    mode: quick ? 'quick' : 'full',
    settings: [
      ...(quick ? ['Quick mode: S1-json only, without nginx-proxy-1w and dispatcher-all, 2 s wrk runs and 1 s open-loop runs; run `npm run bench` for the full table.'] : []),
      `Every contender runs in its own process(es) on 127.0.0.1, in front of the same backend, on the same ${machine.cores} cores, which the backend, the contender and the load generator share (and, on a shared machine, whatever else runs).`,
      `Interleaved: each round runs every contender once (order rotated per round), ${settings.runs} rounds; figures are the median of the rounds with min–max.`,
      `Closed loop: \`wrk -t 1\` (one thread, so the generator's share of the cores is small and the same for every contender), ${settings.wrkSeconds} s per run, the scenario's connection count, POST bodies from bench/wrk-post.lua.`,
      `Open loop: bench/open-loop.ts in a separate process, requests sent on a fixed schedule (${settings.olWarmup} s warm-up not counted, then ${settings.olSeconds} s), latency counted from each request's *scheduled* send time so a stall cannot hide (no coordinated omission); 64 keep-alive connections. Node timers have 1 ms resolution, so the scheduled-time figures include up to ~1 ms of generator lateness, the same for every contender; the *service* columns count from the actual send and are the precise ones for the added p50.`,
      'Contenders: direct = client → backend (the physical limit); nginx-proxy = nginx `proxy_pass`, keep-alive upstream (`keepalive 64`, HTTP/1.1), one worker per core (nginx-proxy-1w: one worker); naive-node = bench/naive-proxy.ts (node:http + undici, JSON-parses the body, routes on i_customer parity: the floor); raw-node = the raw-proxy of bench/io-floor.ts (bare `net` sockets, minimal parser, no session/checks/log: the floor of any Node proxy, S1-json only); dispatcher-1w / dispatcher-all = `webdispatcher start` with `workers: 1` / one per core.',
    ],
    commands,
    scenarios: reports,
    skipped,
    ...(profile !== undefined ? { profile } : {}),
    loadAtEnd: loadavg()[0] ?? NaN,
    headline: headline(reports, growth, { ...(storeLevels !== undefined ? { store: storeLevels } : {}), ...(directoryLevels !== undefined ? { directory: directoryLevels } : {}) }),
  };
  mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'results', `${quick ? 'quick' : only !== undefined ? 'partial' : 'full'}.json`), JSON.stringify(report, null, 2));
  const partial = quick || only !== undefined;
  const side = join(repoRoot, 'bench', 'results', `${quick ? 'quick' : 'partial'}.md`);
  if (partial) writeStandalone(side, report);
  if (!partial || args.write) writeResults(join(repoRoot, 'bench', 'RESULTS.md'), report);
  log(`done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; ${partial ? side.replace(repoRoot + '/', '') : ''}${partial && args.write ? ' and ' : ''}${!partial || args.write ? 'bench/RESULTS.md' : ''} written`);
  for (const r of reports) {
    for (const row of r.rows) {
      const ol = row.openLoop?.[0];
      log(`${r.id} ${row.contender.padEnd(15)} ${row.rps ? `${row.rps.median.toFixed(0)} req/s` : ''} ${ol ? `p50 ${ol.p50.median.toFixed(3)} p99 ${ol.p99.median.toFixed(3)} ms @${ol.rate}/s` : ''} ${row.note ?? ''}`);
    }
  }
  for (const s of skipped) log(`skipped: ${s}`);
}

await main();
