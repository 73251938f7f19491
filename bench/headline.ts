/**
 * The headline of a run: issue 6's targets as ratios and differences from the same run, each
 * marked met or not. Computed from the scenario tables, never typed in.
 */
import type { ScenarioReport } from './results-writer.ts';
import type { GrowthLevel } from './session-growth.ts';
import type { StoreLevel } from './session-memory.ts';
import type { DirectoryLevel } from './directory-growth.ts';

function row(s: ScenarioReport | undefined, contender: string) {
  return s?.rows.find((r) => r.contender === contender);
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** One line per target, for the top of the section. */
export function headline(
  scenarios: readonly ScenarioReport[], growth: readonly GrowthLevel[] | undefined,
  s6: { store?: readonly StoreLevel[]; directory?: readonly DirectoryLevel[] } = {},
): string[] {
  const out: string[] = [];
  const s1 = scenarios.find((s) => s.id === 'S1-json');
  if (s1 !== undefined) {
    const nginx = row(s1, 'nginx-proxy')?.rps?.median;
    const naive = row(s1, 'naive-node')?.rps?.median;
    for (const name of ['dispatcher-all', 'dispatcher-1w']) {
      const d = row(s1, name)?.rps?.median;
      if (d === undefined) continue;
      const vsNginx = nginx !== undefined ? d / nginx : NaN;
      const vsNaive = naive !== undefined ? d / naive : NaN;
      const cpu = row(s1, name)?.cpuUsPerRequest?.median;
      out.push(`S1 throughput, ${name}: ${f2(vsNginx)}× nginx-proxy (target ≥ 0.5: ${verdict(Number.isFinite(vsNginx) ? vsNginx >= 0.5 : undefined)}), ${f2(vsNaive)}× naive-node (target ≥ 2: ${verdict(Number.isFinite(vsNaive) ? vsNaive >= 2 : undefined)})${cpu !== undefined ? `; ${cpu.toFixed(0)} µs of CPU per request (nginx-proxy ${row(s1, 'nginx-proxy')?.cpuUsPerRequest?.median.toFixed(0) ?? '–'}, naive-node ${row(s1, 'naive-node')?.cpuUsPerRequest?.median.toFixed(0) ?? '–'})` : ''}.`);
    }
    const raw = row(s1, 'raw-node');
    if (raw?.rps !== undefined && naive !== undefined && nginx !== undefined) {
      const d1 = row(s1, 'dispatcher-1w')?.rps?.median;
      out.push(`S1 throughput, raw-node (one process, bare sockets, no features: what a Node proxy costs before it does anything): ${f2(raw.rps.median / nginx)}× nginx-proxy, ${f2(raw.rps.median / naive)}× naive-node, ${raw.cpuUsPerRequest?.median.toFixed(0) ?? '–'} µs of CPU per request${d1 !== undefined ? `; dispatcher-1w reaches ${f2(d1 / raw.rps.median)}× of it` : ''}.`);
    }
    for (const rate of [1000, 250]) {
      const direct = row(s1, 'direct')?.openLoop?.find((o) => o.rate === rate);
      const d1 = row(s1, 'dispatcher-1w')?.openLoop?.find((o) => o.rate === rate);
      if (direct === undefined || d1 === undefined) continue;
      const add50 = d1.serviceP50.median - direct.serviceP50.median;
      const add99 = d1.p99.median - direct.p99.median;
      const target = rate === 1000 ? ` (target ≤ 0.3: ${verdict(add50 <= 0.3)})` : '';
      const target99 = rate === 1000 ? ` (target ≤ 1.5: ${verdict(add99 <= 1.5)})` : '';
      out.push(`S1 added latency over direct at ${rate.toLocaleString('en-US')} req/s, dispatcher-1w: p50 +${add50.toFixed(3)} ms${target}, p99 +${add99.toFixed(3)} ms${target99}; achieved ${d1.achieved.median.toFixed(0)} req/s.`);
    }
  }
  for (const [id, budget] of [['S2-merge-100', 1], ['S2-merge-1000', 5]] as const) {
    const s = scenarios.find((x) => x.id === id);
    const d = row(s, 'dispatcher-1w')?.openLoop?.[0];
    const a = row(s, 'direct')?.openLoop?.[0];
    const b = row(s, 'direct-target')?.openLoop?.[0];
    if (d === undefined || a === undefined || b === undefined) continue;
    const slower = Math.max(a.serviceP50.median, b.serviceP50.median);
    const extra = d.serviceP50.median - slower;
    const both = row(s, 'direct-both')?.openLoop?.[0];
    // Not the issue's comparison: both systems called directly at once, the merge's own floor.
    const own = both === undefined ? '' : `; vs both systems called directly at once ${both.serviceP50.median.toFixed(2)} ms (second baseline) = +${(d.serviceP50.median - both.serviceP50.median).toFixed(2)} ms`;
    out.push(`${id}: merge p50 ${d.serviceP50.median.toFixed(2)} ms vs slower single system ${slower.toFixed(2)} ms = +${extra.toFixed(2)} ms (target ≤ +${budget} ms: ${verdict(extra <= budget)})${own}; achieved ${d.achieved.median.toFixed(0)} of ${d.rate} req/s.`);
  }
  if (growth !== undefined && growth.length >= 2) {
    const first = growth[0]!;
    const last = growth[growth.length - 1]!;
    const ratio = last.rps.median / first.rps.median;
    const bytes = last.bytesPerSessionSinceFirst;
    out.push(`S6 sessions (real logins): ${last.sessions.toLocaleString('en-US')} live sessions, ${Number.isFinite(bytes) ? bytes.toFixed(0) : '–'} bytes of RSS per session added (target ≤ 1,024: ${verdict(Number.isFinite(bytes) ? bytes <= 1024 : undefined)}); S1 at that level ${f2(ratio)}× the first level, dispatcher CPU per request ${f2(last.cpuUsPerRequest.median / first.cpuUsPerRequest.median)}× (the issue's ≥ 0.9 throughput target is for the directory; this is the same check for sessions).`);
  }
  const store = s6.store?.[s6.store.length - 1];
  if (store !== undefined) {
    out.push(`S6 sessions (store-level fill, not logins): ${store.sessions.toLocaleString('en-US')} sessions, ${store.heapBytesPerSession.toFixed(0)} heap bytes and ${store.rssBytesPerSession.toFixed(0)} bytes of RSS per session (target ≤ 1,024: ${verdict(store.rssBytesPerSession <= 1024)}).`);
  }
  const dirs = s6.directory;
  if (dirs !== undefined && dirs.length >= 2) {
    const first = dirs[0]!;
    const last = dirs[dirs.length - 1]!;
    const ratio = last.rps.median / first.rps.median;
    const cpu = last.cpuUsPerRequest.median / first.cpuUsPerRequest.median;
    out.push(`S6 directory: S1 with ${last.customers.toLocaleString('en-US')} customers ${f2(ratio)}× the throughput with ${first.customers.toLocaleString('en-US')} (target ≥ 0.9: ${verdict(ratio >= 0.9)}); dispatcher CPU per request ${f2(cpu)}× (${last.cpuUsPerRequest.median.toFixed(0)} vs ${first.cpuUsPerRequest.median.toFixed(0)} µs).`);
  }
  return out;
}
