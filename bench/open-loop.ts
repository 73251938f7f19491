/**
 * Open-loop fixed-rate load generator. Request i is *scheduled* at t0 + i/rate whatever happened
 * to earlier ones, and its latency is counted from that scheduled time, so a stall in the
 * contender shows as latency on every request it delayed (no coordinated omission). The count and
 * the duration are both bounded; requests still open at the drain deadline count as errors.
 *
 * Runs in its own process (never inside the contender's):
 *   node --import tsx bench/open-loop.ts --url URL --requests FILE.json --rate 1000 --duration 5
 * prints one JSON line (OpenLoopResult). `OpenLoopGenerator` keeps one such process serving runs
 * (`--serve`: one JSON request per stdin line, one JSON result per stdout line).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { RequestSpec } from './request-spec.ts';

/** Percentiles in milliseconds. */
export interface Percentiles { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }

/** What one open-loop run measured. */
export interface OpenLoopResult {
  rate: number;
  durationS: number;
  scheduled: number;
  completed: number;
  errors: number;
  /** Achieved completions per second over the measured window. */
  achievedRate: number;
  /** From the scheduled send time to the end of the reply (what a user sees). */
  latencyMs: Percentiles;
  /** From the actual send time (diagnostic; hides generator lateness and queueing). */
  serviceMs: Percentiles;
  command: string;
}

/** Nearest-rank percentiles of a sample array (sorted in place). */
export function percentiles(samples: Float64Array): Percentiles {
  samples.sort();
  const n = samples.length;
  if (n === 0) return { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const at = (q: number): number => samples[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: samples[n - 1]!, mean: sum / n };
}

interface GeneratorOptions {
  url: string;
  requests: readonly RequestSpec[];
  rate: number;
  durationS: number;
  warmupS: number;
  connections: number;
  maxRequests: number;
  /**
   * A second request sent at the same instant to another origin; the sample ends when both
   * replies are read (e.g. both systems' direct calls at once, the floor of a merge).
   */
  pair?: { url: string; requests: readonly RequestSpec[] };
}

async function generate(opts: GeneratorOptions): Promise<Omit<OpenLoopResult, 'command'>> {
  const origin = new URL(opts.url).origin;
  const poolOptions = { connections: opts.connections, pipelining: 1, headersTimeout: 5000, bodyTimeout: 5000, keepAliveTimeout: 60_000 };
  const pool = new Pool(origin, poolOptions);
  const pair = opts.pair === undefined ? undefined : { pool: new Pool(new URL(opts.pair.url).origin, poolOptions), requests: opts.pair.requests };
  const warmup = Math.floor(opts.rate * opts.warmupS);
  const measured = Math.min(opts.maxRequests, Math.floor(opts.rate * opts.durationS));
  const total = warmup + measured;
  const intervalMs = 1000 / opts.rate;
  const latency = new Float64Array(measured);
  const service = new Float64Array(measured);
  let completed = 0;
  let errors = 0;
  let settled = 0;
  const t0 = performance.now() + 20;
  let next = 0;
  let allSettled: () => void = () => {};
  const finished = new Promise<void>((resolve) => { allSettled = resolve; });

  /** Resolves to whether the reply was a 2xx, once its body is read. */
  const send = async (p: Pool, spec: RequestSpec): Promise<boolean> => {
    const res = await p.request({ method: 'POST', path: spec.path, headers: spec.headers, body: spec.body });
    await res.body.dump({ limit: 16 * 1024 * 1024 });
    return res.statusCode >= 200 && res.statusCode < 300;
  };
  const fire = (index: number, scheduledAt: number): void => {
    const spec = opts.requests[index % opts.requests.length]!;
    const sentAt = performance.now();
    const done = pair === undefined
      ? send(pool, spec)
      : Promise.all([send(pool, spec), send(pair.pool, pair.requests[index % pair.requests.length]!)]).then(([a, b]) => a && b);
    done
      .then((ok) => {
        const end = performance.now();
        if (index >= warmup) {
          if (ok) {
            latency[completed] = end - scheduledAt;
            service[completed] = end - sentAt;
            completed++;
          } else {
            errors++;
          }
        }
      }, () => { if (index >= warmup) errors++; })
      .finally(() => { if (++settled === total) allSettled(); });
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // Every request whose time has come is sent now, however late the timer fired.
      while (next < total && t0 + next * intervalMs <= now) { fire(next, t0 + next * intervalMs); next++; }
      if (next >= total) { resolve(); return; }
      setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now() - 0.5));
    };
    setTimeout(tick, 20);
  });
  const measureStart = t0 + warmup * intervalMs;
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((resolve) => { drainTimer = setTimeout(resolve, 10_000); })]);
  clearTimeout(drainTimer);
  const measureEnd = performance.now();
  const lost = total - settled;
  await pool.destroy();
  await pair?.pool.destroy();
  return {
    rate: opts.rate,
    durationS: opts.durationS,
    scheduled: measured,
    completed,
    errors: errors + lost,
    achievedRate: completed / ((measureEnd - measureStart) / 1000),
    latencyMs: percentiles(latency.subarray(0, completed)),
    serviceMs: percentiles(service.subarray(0, completed)),
  };
}

/** Options for one open-loop run. */
export interface OpenLoopOptions {
  url: string;
  requests: readonly RequestSpec[];
  rate: number;
  durationS: number;
  warmupS?: number;
  connections?: number;
  /** A second request sent at the same instant (see GeneratorOptions.pair). */
  pair?: { url: string; requests: readonly RequestSpec[] };
}

const self = fileURLToPath(import.meta.url);
const maxRequests = 200_000;

function toGeneratorOptions(o: OpenLoopOptions): GeneratorOptions {
  return { url: o.url, requests: o.requests, rate: o.rate, durationS: o.durationS, warmupS: o.warmupS ?? 1, connections: o.connections ?? 64, maxRequests, ...(o.pair !== undefined ? { pair: o.pair } : {}) };
}

function describe(o: OpenLoopOptions): string {
  return ['node --import tsx bench/open-loop.ts', '--url', o.url, '--requests', '<scenario>.json', '--rate', String(o.rate),
    '--duration', String(o.durationS), '--warmup', String(o.warmupS ?? 1), '--connections', String(o.connections ?? 64),
    ...(o.pair !== undefined ? ['--pair-url', o.pair.url, '--pair-requests', '<scenario-pair>.json'] : [])].join(' ');
}

/**
 * A generator process kept alive across runs (one spawn, a warm JIT, no per-run start-up cost):
 * it reads one JSON run request per stdin line and answers one JSON result line per run.
 */
export class OpenLoopGenerator {
  #child: ChildProcess;
  #buffer = '';
  #waiting: ((line: string) => void) | undefined;
  #exited = false;
  #stderr = '';

  constructor() {
    this.#child = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], { cwd: join(dirname(self), '..'), stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdout!.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      const nl = this.#buffer.indexOf('\n');
      if (nl >= 0 && this.#waiting) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const w = this.#waiting;
        this.#waiting = undefined;
        w(line);
      }
    });
    this.#child.stderr!.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + d.toString()).slice(-4000); });
    this.#child.on('exit', () => { this.#exited = true; this.#waiting?.(''); });
  }

  /** Runs one open-loop measurement in the generator process. */
  async run(o: OpenLoopOptions): Promise<OpenLoopResult> {
    if (this.#exited) throw new Error(`open-loop generator exited: ${this.#stderr}`);
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { this.#waiting = undefined; reject(new Error('open-loop run timed out')); }, (o.durationS + (o.warmupS ?? 1) + 30) * 1000);
      this.#waiting = (l) => { clearTimeout(timer); resolve(l); };
      this.#child.stdin!.write(`${JSON.stringify(toGeneratorOptions(o))}\n`);
    });
    if (line === '') throw new Error(`open-loop generator exited: ${this.#stderr}`);
    const parsed = JSON.parse(line) as Omit<OpenLoopResult, 'command'> & { error?: string };
    if (parsed.error !== undefined) throw new Error(`open-loop: ${parsed.error}`);
    return { ...parsed, command: describe(o) };
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = once(this.#child, 'exit');
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

if (process.argv[1] === self) {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      url: { type: 'string' }, requests: { type: 'string' }, rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '64' }, 'max-requests': { type: 'string', default: String(maxRequests) },
      'pair-url': { type: 'string' }, 'pair-requests': { type: 'string' },
    },
  });
  if (values.serve) {
    // One run at a time, in the order asked; stdin closing ends the process.
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const result = await generate(JSON.parse(line) as GeneratorOptions);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } catch (err) {
        process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
      }
    }
  } else {
    if (values.url === undefined || values.requests === undefined) {
      process.stderr.write('usage: open-loop.ts --url URL --requests FILE.json [--rate N] [--duration S] [--warmup S] [--connections N] [--pair-url URL --pair-requests FILE.json] | --serve\n');
      process.exit(2);
    }
    const requests = JSON.parse(readFileSync(values.requests, 'utf8')) as RequestSpec[];
    const result = await generate({
      url: values.url, requests, rate: Number(values.rate), durationS: Number(values.duration),
      warmupS: Number(values.warmup), connections: Number(values.connections), maxRequests: Number(values['max-requests']),
      ...(values['pair-url'] !== undefined && values['pair-requests'] !== undefined
        ? { pair: { url: values['pair-url'], requests: JSON.parse(readFileSync(values['pair-requests'], 'utf8')) as RequestSpec[] } } : {}),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
