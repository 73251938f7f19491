/**
 * S6, directory half: S1-json throughput of one dispatcher (workers: 1, SQLite directory, default
 * 100,000-entry directory cache) as the directory grows. Every level has its own dispatcher on its
 * own directory file (bench/directory-fill.ts), all running at once and measured in interleaved
 * rounds; every request names a fresh random i_customer of the whole directory
 * (bench/wrk-random-customer.lua), so at the large levels nearly every lookup misses the cache and
 * reads SQLite, as uniform traffic over a big customer base would.
 *
 *   node --import tsx bench/directory-growth.ts [--levels 1000,1000000,10000000] [--runs 3] [--seconds 3] [--routing-index false]
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend } from './backends.ts';
import { cannedBackend } from './backends.ts';
import { startDispatcher } from './contenders.ts';
import type { Contender } from './contenders.ts';
import { filledDirectory } from './directory-fill.ts';
import type { FilledDirectory } from './directory-fill.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import type { Scenario } from './scenarios.ts';
import { scenarios } from './scenarios.ts';
import { spread } from './stats.ts';
import type { Spread } from './stats.ts';
import { runWrk } from './wrk.ts';

/** One directory size. */
export interface DirectoryLevel {
  customers: number;
  fileMiB: number;
  /** Seconds spent generating the file in this run (0: a cached file was reused). */
  generatedS: number;
  rps: Spread;
  cpuUsPerRequest: Spread;
  /** Bytes the dispatcher read per request (/proc/<pid>/io rchar: its sockets plus SQLite's page reads). */
  readBytesPerRequest: Spread;
  errors: number;
  /** Seconds the routing index took to load after start (undefined: the index was off). */
  indexLoadS: number | undefined;
}

const RANDOM_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'wrk-random-customer.lua');

function readChars(pid: number): number {
  try {
    return Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** S1's request with the marker where i_customer goes. */
function template(s1: Scenario, d: Contender) {
  const r = s1.requests(d.auth)[0]!;
  const body = r.body.replace(/"i_customer":\d+/, '"i_customer":__ID__');
  if (!body.includes('__ID__')) throw new Error(`S1's request names no i_customer: ${r.body}`);
  return { ...r, body };
}

/** Runs S1 against a dispatcher per directory size, in `runs` interleaved rounds. */
export async function directoryGrowth(
  backend: Backend, s1: Scenario, sizes: readonly number[],
  opts: { runs: number; wrkSeconds: number; log(msg: string): void; cacheSize?: number; routingIndex?: boolean },
): Promise<{ levels: DirectoryLevel[]; commands: string[] }> {
  const files: FilledDirectory[] = [];
  for (const n of sizes) {
    const f = await filledDirectory(n, opts.log);
    opts.log(`S6 directory ${n.toLocaleString('en-US')}: ${f.reused ? 'cached file reused' : `generated in ${f.generatedS.toFixed(1)} s`} (${(f.bytes / 2 ** 20).toFixed(0)} MiB)`);
    files.push(f);
  }
  const dispatchers: Contender[] = [];
  const commands: string[] = [];
  try {
    for (const f of files) {
      const d = await startDispatcher(backend, `dispatcher-1w-dir${f.customers}`, { workers: 1, sqlitePath: f.path, ...(opts.cacheSize !== undefined ? { directoryCacheSize: opts.cacheSize } : {}), ...(opts.routingIndex !== undefined ? { routingIndex: opts.routingIndex } : {}) });
      dispatchers.push(d);
      opts.log(`S6 directory ${f.customers.toLocaleString('en-US')}: routing index ${d.indexLoadS === undefined ? 'off' : `loaded ${d.indexLoadS.toFixed(1)} s after the ready line`}`);
    }
    const run = async (i: number, seconds: number) => {
      const d = dispatchers[i]!;
      const before = { cpu: treeCpuSeconds(d.pid!), read: readChars(d.pid!) };
      const r = await runWrk({
        url: d.urls.admin!, requests: [template(s1, d)], durationS: seconds, connections: s1.wrk?.connections ?? 32,
        script: RANDOM_SCRIPT, env: { BENCH_ID_MAX: String(files[i]!.customers), BENCH_SEED: String(randomInt(2 ** 31)) },
      });
      commands.push(`${r.command.replace(d.urls.admin!, '<dispatcher-url>')}   # BENCH_ID_MAX=${files[i]!.customers}`);
      return { r, cpuUs: ((treeCpuSeconds(d.pid!) - before.cpu) * 1e6) / Math.max(1, r.requests), read: (readChars(d.pid!) - before.read) / Math.max(1, r.requests) };
    };
    // Warm-up: JIT, connection pools and the files' pages, not counted.
    for (let i = 0; i < dispatchers.length; i++) await run(i, 1);
    const results = files.map(() => ({ rps: [] as number[], cpu: [] as number[], read: [] as number[], errors: 0 }));
    for (let round = 0; round < opts.runs; round++) {
      for (let k = 0; k < dispatchers.length; k++) {
        const i = (k + round) % dispatchers.length;
        const { r, cpuUs, read } = await run(i, opts.wrkSeconds);
        results[i]!.rps.push(r.rps);
        results[i]!.cpu.push(cpuUs);
        results[i]!.read.push(read);
        results[i]!.errors += r.errors;
        opts.log(`S6 directory ${files[i]!.customers.toLocaleString('en-US')} round ${round + 1}: ${r.rps.toFixed(0)} req/s, ${cpuUs.toFixed(0)} µs CPU/request, ${read.toFixed(0)} B read/request, errors ${r.errors}`);
      }
    }
    commands.unshift(...dispatchers.flatMap((d) => d.commands));
    const levels = files.map((f, i) => ({
      customers: f.customers, fileMiB: f.bytes / 2 ** 20, generatedS: f.generatedS,
      rps: spread(results[i]!.rps), cpuUsPerRequest: spread(results[i]!.cpu), readBytesPerRequest: spread(results[i]!.read), errors: results[i]!.errors,
      indexLoadS: dispatchers[i]!.indexLoadS,
    }));
    return { levels, commands: [...new Set(commands)] };
  } finally {
    for (const d of dispatchers) await d.close();
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Markdown table of the directory levels (ratios to the first, smallest, level). */
export function directoryTable(levels: readonly DirectoryLevel[]): string[] {
  const first = levels[0];
  const lines = [
    '| customers in the directory | file, MiB | routing index load, s | S1 req/s, median (min–max) | vs first level | dispatcher CPU µs/request | CPU vs first level | bytes read per request | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of levels) {
    const ratio = first !== undefined ? `${(l.rps.median / first.rps.median).toFixed(2)}×` : '–';
    const cpuRatio = first !== undefined ? `${(l.cpuUsPerRequest.median / first.cpuUsPerRequest.median).toFixed(2)}×` : '–';
    lines.push(`| ${int(l.customers)} | ${l.fileMiB.toFixed(0)} | ${l.indexLoadS === undefined ? 'off' : l.indexLoadS.toFixed(1)} | ${int(l.rps.median)} (${int(l.rps.min)}–${int(l.rps.max)}) | ${ratio} | ${int(l.cpuUsPerRequest.median)} (${int(l.cpuUsPerRequest.min)}–${int(l.cpuUsPerRequest.max)}) | ${cpuRatio} | ${int(l.readBytesPerRequest.median)} | ${l.errors} |`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { levels: { type: 'string', default: '1000,1000000,10000000' }, runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, 'cache-size': { type: 'string' }, 'routing-index': { type: 'string' } } });
  const sizes = values.levels.split(',').map((x) => Math.min(Number(x), 50_000_000)).filter((x) => x > 0);
  const log = (m: string): void => { process.stderr.write(`${m}\n`); };
  const backend = await cannedBackend();
  try {
    const s1 = scenarios({ simCustomerIds: [] }).find((s) => s.id === 'S1-json')!;
    const g = await directoryGrowth(backend, s1, sizes, { runs: Math.min(Number(values.runs), 10), wrkSeconds: Math.min(Number(values.seconds), 30), log, ...(values['cache-size'] !== undefined ? { cacheSize: Number(values['cache-size']) } : {}), ...(values['routing-index'] !== undefined ? { routingIndex: values['routing-index'] !== 'false' } : {}) });
    console.log(directoryTable(g.levels).join('\n'));
    console.log(`\nCommands:\n${[...backend.commands, ...g.commands].join('\n')}`);
    console.log(`\nJSON ${JSON.stringify(g.levels)}`);
  } finally {
    await backend.close();
  }
}
