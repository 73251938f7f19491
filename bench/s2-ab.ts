/**
 * S2 merge (or S1) latency of two checkouts of the dispatcher in the same run: both in front of the same
 * two simulators, with direct and direct-both, measured in interleaved rounds (order rotated),
 * so a busy machine slows every contender alike. Also the dispatcher's CPU per merged call.
 *
 *   git archive <commit> | tar -x -C DIR   (and a node_modules symlink) for each checkout, then
 *   node --import tsx bench/s2-ab.ts --a DIR_A --b DIR_B [--rounds 7] [--seconds 3] [--only S2-merge-100,S2-merge-1000]
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { simBackend } from './backends.ts';
import { openLoopPair, startContender } from './contenders.ts';
import { rotated } from './stats.ts';
import type { Contender, DispatcherOptions } from './contenders.ts';
import type { Backend } from './backends.ts';
import { OpenLoopGenerator } from './open-loop.ts';
import { scenarios } from './scenarios.ts';
import { treeCpuSeconds } from './process-cpu.ts';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '7' }, seconds: { type: 'string', default: '3' }, only: { type: 'string', default: 'S2-merge-100,S2-merge-1000' } } });
if (values.a === undefined || values.b === undefined) {
  process.stderr.write('usage: s2-ab.ts --a DIR --b DIR [--rounds N] [--seconds S] [--only ids]\n');
  process.exit(2);
}
type StartDispatcher = (backend: Backend, name: string, opts: DispatcherOptions) => Promise<Contender>;
/** Each checkout starts its own dispatcher (its bench/contenders.ts runs its own bin/). */
async function starter(dir: string): Promise<StartDispatcher> {
  return ((await import(join(resolve(dir), 'bench', 'contenders.ts'))) as { startDispatcher: StartDispatcher }).startDispatcher;
}

const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const backend = await simBackend(2000);
const generator = new OpenLoopGenerator();
const contenders: Contender[] = [];
try {
  contenders.push(await startContender('direct', backend), await startContender('direct-both', backend));
  contenders.push(await (await starter(values.a))(backend, `A ${values.a}`, { workers: 1 }), await (await starter(values.b))(backend, `B ${values.b}`, { workers: 1 }));
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  for (const s of scenarios({ simCustomerIds: [] }).filter((x) => values.only.split(',').includes(x.id))) {
    const rate = s.openLoop!.rates[0]!;
    const warmup = 0.5;
    const results = new Map<string, { p50: number[]; p99: number[]; cpu: number[] }>();
    for (let round = 0; round < rounds; round++) {
      for (const c of rotated(contenders, round)) {
        const pair = openLoopPair(c, s);
        const cpuBefore = c.pid !== undefined ? treeCpuSeconds(c.pid) : NaN;
        const r = await generator.run({ url: c.urls[s.listener]!, requests: s.requests(c.auth), rate, durationS: seconds, warmupS: warmup, connections: s.openLoopConnections ?? 64, ...pair });
        // The warm-up requests used CPU too.
        const cpu = c.pid !== undefined ? ((treeCpuSeconds(c.pid) - cpuBefore) * 1e6) / (r.completed + Math.floor(rate * warmup)) : NaN;
        const e = results.get(c.name) ?? { p50: [], p99: [], cpu: [] };
        e.p50.push(r.serviceMs.p50);
        e.p99.push(r.serviceMs.p99);
        e.cpu.push(cpu);
        results.set(c.name, e);
      }
    }
    console.log(`\n${s.id} at ${rate} req/s, ${rounds} interleaved rounds of ${seconds} s: service p50 ms median (min–max) of rounds, service p99 median, contender CPU µs per call`);
    for (const [name, e] of results) {
      // direct-both answers merges only.
      if (e.p50.some((x) => typeof x !== 'number')) continue;
      console.log(`  ${name.padEnd(40)} p50 ${median(e.p50).toFixed(2)} (${Math.min(...e.p50).toFixed(2)}–${Math.max(...e.p50).toFixed(2)})  p99 ${median(e.p99).toFixed(2)}  CPU ${Number.isFinite(median(e.cpu)) ? median(e.cpu).toFixed(0) : '–'}`);
    }
  }
} finally {
  for (const c of contenders) await c.close().catch(() => undefined);
  await generator.close();
  await backend.close();
}
