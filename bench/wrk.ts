/**
 * Closed-loop throughput with wrk (Debian's). One wrk thread: on a 2-core machine the contender,
 * the backend and the generator share the cores, and one thread keeps the generator's share small
 * and equal for every contender.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestSpec } from './request-spec.ts';

/** What one wrk run measured. */
export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  command: string;
}

export interface WrkOptions {
  url: string;
  requests: readonly RequestSpec[];
  durationS: number;
  connections: number;
  threads?: number;
  /** Another wrk script (default bench/wrk-post.lua) and what it reads from the environment. */
  script?: string;
  env?: Record<string, string>;
}

const script = join(dirname(fileURLToPath(import.meta.url)), 'wrk-post.lua');

function luaString(s: string): string {
  // Long brackets need no escaping as long as the closing bracket does not occur in the text.
  if (s.includes(']==]')) throw new Error('request text contains "]==]"');
  return `[==[${s}]==]`;
}

function luaTable(requests: readonly RequestSpec[]): string {
  const rows = requests.map((r) => {
    const headers = Object.entries(r.headers).map(([k, v]) => `[ ${luaString(k)} ]=${luaString(v)}`).join(',');
    return `{path=${luaString(r.path)},headers={${headers}},body=${luaString(r.body)}}`;
  });
  return `return {\n${rows.join(',\n')}\n}\n`;
}

/** Runs wrk once (bounded by its own `-d` plus a kill deadline) and parses its JSON summary. */
export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-wrk-'));
  const specFile = join(dir, 'requests.lua');
  writeFileSync(specFile, luaTable(opts.requests));
  const threads = opts.threads ?? 1;
  const lua = opts.script ?? script;
  const args = ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.durationS}s`, '--timeout', '5s', '-s', lua, opts.url];
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { env: { ...process.env, ...opts.env, BENCH_REQUESTS: specFile }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      const killer = setTimeout(() => child.kill('SIGKILL'), (opts.durationS + 15) * 1000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(killer);
        if (code === 0) resolve(out); else reject(new Error(`wrk exited ${String(code)}: ${out.slice(-500)}`));
      });
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (line === undefined) throw new Error(`wrk printed no summary: ${output.slice(-500)}`);
    const raw = JSON.parse(line.slice('WRK_JSON '.length)) as {
      requests: number; duration_us: number;
      errors: Record<string, number>;
      latency_us: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean', number>;
    };
    const ms = (us: number): number => us / 1000;
    const durationS = raw.duration_us / 1e6;
    return {
      requests: raw.requests,
      durationS,
      rps: raw.requests / durationS,
      errors: Object.values(raw.errors).reduce((a, b) => a + b, 0),
      latencyMs: {
        p50: ms(raw.latency_us.p50), p90: ms(raw.latency_us.p90), p99: ms(raw.latency_us.p99),
        p999: ms(raw.latency_us.p999), max: ms(raw.latency_us.max), mean: ms(raw.latency_us.mean),
      },
      command: `wrk ${args.join(' ').replace(lua, `bench/${basename(lua)}`)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
