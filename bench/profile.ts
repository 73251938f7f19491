/**
 * Profiles the dispatcher on one scenario: starts its backend and `webdispatcher start` under
 * `--cpu-prof`, drives it with wrk, and prints the contender's CPU per request and where the time
 * went (steady-state window only).
 *
 *   node --import tsx bench/profile.ts [scenario-id=S1-json] [--seconds 5] [--connections 32] [--workers 1] [--keep DIR]
 *
 * The raw .cpuprofile files (one per thread) open as flame graphs in Chrome DevTools (Performance
 * tab → Load profile) or speedscope; pass --keep to choose where they stay.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cannedBackend, repoRoot, simBackend } from './backends.ts';
import { startDispatcher } from './contenders.ts';
import { scenarios } from './scenarios.ts';
import { runWrk } from './wrk.ts';
import { summariseProfiles } from './cpu-profile.ts';
import { treeCpuSeconds } from './process-cpu.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' }, workers: { type: 'string', default: '1' }, keep: { type: 'string' } },
});
const id = positionals[0] ?? 'S1-json';
const scenario = scenarios({ simCustomerIds: Array.from({ length: 16 }, (_, i) => 2 * i + 1) }).find((s) => s.id === id);
if (scenario === undefined) {
  process.stderr.write(`unknown scenario ${id}; one of: ${scenarios({ simCustomerIds: [] }).map((s) => s.id).join(', ')}\n`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'wd-bench-prof-'));
const backend = scenario.backend === 'canned' ? await cannedBackend() : await simBackend(scenario.backend.sim);
try {
  const d = await startDispatcher(backend, 'dispatcher', { workers: Number(values.workers), cpuProfDir: dir });
  try {
    const url = d.urls[scenario.listener]!;
    await runWrk({ url, requests: scenario.requests(d.auth), durationS: 1, connections: 4 });
    const before = treeCpuSeconds(d.pid!);
    const r = await runWrk({ url, requests: scenario.requests(d.auth), durationS: Number(values.seconds), connections: Number(values.connections) });
    const cpu = treeCpuSeconds(d.pid!) - before;
    console.log(`${id}: ${r.rps.toFixed(0)} req/s, ${r.errors} errors, ${((cpu * 1e6) / Math.max(1, r.requests)).toFixed(0)} µs of dispatcher CPU per request (workers: ${values.workers})`);
  } finally {
    await d.close();
  }
} finally {
  await backend.close();
}
// Cluster workers stopped by SIGTERM may not write their profiles; workers: 1 always does.
console.log(summariseProfiles(dir, repoRoot, 25).join('\n'));
if (values.keep !== undefined) {
  cpSync(dir, values.keep, { recursive: true });
  console.log(`profiles kept in ${values.keep}`);
}
rmSync(dir, { recursive: true, force: true });
