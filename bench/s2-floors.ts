/**
 * What any merged call pays on this machine before the merge itself, at S2's light load:
 *   1. a loopback round trip to a peer that is busy vs one that sleeps between messages (at
 *      40 req/s every process sleeps between calls, and waking it is costly in a VM);
 *   2. one dispatcher hop: a single routed call (S1-sim's get_customer_info) direct and through
 *      the dispatcher at S2's rate, interleaved rounds, with the dispatcher's CPU per call.
 *
 *   node --import tsx bench/s2-floors.ts [--rounds 5] [--rate 40]
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { simBackend } from './backends.ts';
import { startContender, startDispatcher } from './contenders.ts';
import type { Contender } from './contenders.ts';
import { OpenLoopGenerator } from './open-loop.ts';
import { scenarios } from './scenarios.ts';
import { treeCpuSeconds } from './process-cpu.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, rate: { type: 'string', default: '40' } } });
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** Round trips of a 300-byte message to an echo peer in a child process, `gapMs` apart. */
async function roundTrips(gapMs: number, count: number): Promise<{ wallUs: number; cpuUs: number }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  // The peer runs in its own process, as a backend does.
  const child = spawn(process.execPath, ['-e', `const s=require('net').connect(${port},'127.0.0.1');s.setNoDelay(true);s.on('data',(d)=>s.write(d));`], { stdio: 'ignore' });
  const [peer] = (await once(server, 'connection')) as [net.Socket];
  server.close();
  peer.setNoDelay(true);
  const wall: number[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await new Promise((r) => (gapMs > 0 ? setTimeout(r, gapMs) : setImmediate(r)));
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      peer.write('x'.repeat(300));
      await once(peer, 'data');
      wall.push((performance.now() - t0) * 1000);
      const c = process.cpuUsage(c0);
      cpu.push(c.user + c.system);
    }
  } finally {
    peer.destroy();
    child.kill();
  }
  return { wallUs: median(wall), cpuUs: median(cpu) };
}

console.log('loopback round trip (300 bytes, echo in another process), median of 200:');
for (const gap of [0, 25]) {
  const r = await roundTrips(gap, 200);
  console.log(`  ${gap === 0 ? 'back to back' : `${gap} ms apart (the peer sleeps in between)`}: ${r.wallUs.toFixed(0)} µs, caller CPU ${r.cpuUs.toFixed(0)} µs`);
}

const rate = Number(values.rate);
const backend = await simBackend(2000);
const generator = new OpenLoopGenerator();
const contenders: Contender[] = [];
try {
  contenders.push(await startContender('direct', backend), await startDispatcher(backend, 'dispatcher-1w', { workers: 1 }));
  const s = scenarios({ simCustomerIds: Array.from({ length: 16 }, (_, i) => 2 * i + 1) }).find((x) => x.id === 'S1-sim')!;
  const results = new Map<string, { p50: number[]; cpu: number[] }>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const c of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const cpuBefore = c.pid !== undefined ? treeCpuSeconds(c.pid) : NaN;
      const r = await generator.run({ url: c.urls.admin!, requests: s.requests(c.auth), rate, durationS: 3, warmupS: 0.5, connections: 16 });
      const cpu = c.pid !== undefined ? ((treeCpuSeconds(c.pid) - cpuBefore) * 1e6) / (r.completed + Math.floor(rate * 0.5)) : NaN;
      const e = results.get(c.name) ?? { p50: [], cpu: [] };
      e.p50.push(r.serviceMs.p50);
      e.cpu.push(cpu);
      results.set(c.name, e);
    }
  }
  console.log(`\none routed call (Customer/get_customer_info, ~1 KB reply) at ${rate} req/s, ${values.rounds} interleaved rounds of 3 s: service p50 ms median (min–max), contender CPU µs per call`);
  for (const [name, e] of results) {
    console.log(`  ${name.padEnd(14)} p50 ${median(e.p50).toFixed(2)} (${Math.min(...e.p50).toFixed(2)}–${Math.max(...e.p50).toFixed(2)})  CPU ${Number.isFinite(median(e.cpu)) ? median(e.cpu).toFixed(0) : '–'}`);
  }
} finally {
  for (const c of contenders) await c.close().catch(() => undefined);
  await generator.close();
  await backend.close();
}
