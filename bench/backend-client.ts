/**
 * CPU per backend call: BackendClient (HttpPool) against a bare undici Pool sent the same request
 * the way BackendClient sent it before HttpPool, both reading the reply text, against the canned
 * nginx backend (its CPU is not counted: it is another process).
 *   node --import tsx bench/backend-client.ts [requests=20000] [rounds=3]
 * Each round runs every contender sequentially (one call at a time) and with 32 calls in flight,
 * alternating the order; CPU is process.cpuUsage() (user + system) over the phase / requests.
 * Prints one JSON line with the median of the rounds.
 */
import { Pool } from 'undici';
import { BackendClient } from '../src/backends/backend-client.ts';
import type { DispatcherConfig } from '../src/config/config.ts';
import { startCannedBackend } from './nginx.ts';

const requests = Math.max(100, Math.min(Number(process.argv[2] ?? 20_000), 200_000));
const rounds = Math.max(1, Math.min(Number(process.argv[3] ?? 3), 10));
const CONCURRENCY = 32;
const PATH = '/rest/Customer/get_customer_info';
const BODY = JSON.stringify({ params: { i_customer: 1 } });
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJsb2dpbiI6ImFkbWluIn0.c2ln';

const nginx = await startCannedBackend();
const [url] = nginx.urls as [string];
const timeouts = { connectMs: 2000, headersMs: 30_000, bodyMs: 60_000 };
const urls = { admin: url, reseller: url, customer: url, account: url, portasip: url };
const config = { systems: { source: { env: 3, urls }, target: { env: 8, urls } }, timeouts, limits: { bodyBytes: 1 << 20, connectionsPerBackend: 64 } } as unknown as DispatcherConfig;

const client = new BackendClient(config);
const undiciPool = new Pool(url, {
  connections: 64, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: timeouts.connectMs }, headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyMs,
});

let n = 0;
const contenders: Record<string, () => Promise<string>> = {
  'undici Pool': async () => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `bench-${n++}`, authorization: `Bearer ${TOKEN}` };
    const res = await undiciPool.request({ method: 'POST', path: PATH, headers, body: BODY, signal: null });
    return res.body.text();
  },
  'BackendClient (HttpPool)': async () => {
    const res = await client.request({ system: 'source', listener: 'admin', path: PATH, body: BODY, accessToken: TOKEN, requestId: `bench-${n++}`, idempotent: true });
    return res.body.text();
  },
};

async function phase(call: () => Promise<string>, concurrency: number): Promise<number> {
  let left = requests;
  const worker = async (): Promise<void> => {
    while (left-- > 0) {
      const text = await call();
      if (text.length < 10) throw new Error(`unexpected reply ${text}`);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples: Record<string, { sequential: number[]; concurrent: number[] }> = {};
try {
  // Warm up both (JIT, sockets) before anything is counted.
  for (const call of Object.values(contenders)) await phase(call, CONCURRENCY);
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(contenders);
    if (r % 2 === 1) names.reverse();
    for (const name of names) {
      const s = (samples[name] ??= { sequential: [], concurrent: [] });
      s.sequential.push(await phase(contenders[name]!, 1));
      s.concurrent.push(await phase(contenders[name]!, CONCURRENCY));
    }
  }
} finally {
  await client.close();
  await undiciPool.close();
  await nginx.close();
}
const results = Object.entries(samples).map(([name, s]) => ({
  contender: name,
  sequentialCpuUsPerRequest: Number(median(s.sequential).toFixed(1)),
  concurrentCpuUsPerRequest: Number(median(s.concurrent).toFixed(1)),
}));
console.log(JSON.stringify({ bench: 'backend-client', requests, rounds, concurrency: CONCURRENCY, backend: 'nginx canned reply', node: process.version, results }));
