/**
 * Lookup latency: cached resolution (resolver over the LRU) and uncached SQLite lookups.
 *   node --import tsx bench/directory-lookup.ts [customers=1000000] [samples=200000]
 * Medians are of per-call times measured with process.hrtime.bigint() around each awaited call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDirectory } from '../src/directory/sqlite-directory.ts';
import { CachedDirectory } from '../src/directory/cached-directory.ts';
import { createLocationResolver } from '../src/directory/resolver.ts';
import type { ImportRow } from '../src/directory/location-directory.ts';

const customers = Math.min(Number(process.argv[2] ?? 1_000_000), 20_000_000);
const samples = Math.min(Number(process.argv[3] ?? 200_000), 2_000_000);
const dir = mkdtempSync(join(tmpdir(), 'wd-bench-'));
const path = join(dir, 'lookup.sqlite');

async function* rows(): AsyncIterable<ImportRow> {
  for (let i = 1; i <= customers; i++) yield { line: i, record: { iCustomer: i, system: i % 3 === 0 ? 'target' : 'source', accounts: [i * 4 + 1] } };
}

const median = (xs: number[]) => { xs.sort((a, b) => a - b); return xs[Math.floor(xs.length / 2)]!; };
const p99 = (xs: number[]) => xs[Math.floor(xs.length * 0.99)]!;
let seed = 42;
// Math.imul: a plain multiply loses bits past 2^53 and the sequence cycles after ~10,000 ids.
const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return 1 + (seed % customers); };

const base = await SqliteDirectory.open({ path, shared: process.env.SHARED !== "0" });
await base.importRecords(rows());

async function measure(label: string, fn: (i: number) => Promise<unknown>, ids: () => number): Promise<Record<string, number | string>> {
  const times: number[] = [];
  for (let n = 0; n < samples; n++) {
    const id = ids();
    const t = process.hrtime.bigint();
    await fn(id);
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return { label, medianUs: Number(median(times).toFixed(2)), p99Us: Number(p99(times).toFixed(2)) };
}

// Uncached: random customers straight from SQLite (shared mode, the default).
const uncached = await measure('uncached sqlite getCustomer (random of all)', (i) => base.getCustomer(i), rand);

// Cached: a hot set that fits the LRU, warmed first, resolved through the resolver.
const cached = new CachedDirectory(base, { maxEntries: 100_000 });
const resolver = createLocationResolver({ directory: cached });
const hot = Math.min(50_000, customers);
for (let i = 1; i <= hot; i++) await resolver.resolve({ kind: 'customer', iCustomer: i });
let k = 0;
const cachedCustomer = await measure('cached resolve customer', (i) => resolver.resolve({ kind: 'customer', iCustomer: i }), () => 1 + (k++ % hot));
for (let i = 1; i <= hot; i++) await resolver.resolve({ kind: 'account', iAccount: i * 4 + 1 });
const cachedAccount = await measure('cached resolve account', (i) => resolver.resolve({ kind: 'account', iAccount: i * 4 + 1 }), () => 1 + (k++ % hot));
const mem = process.memoryUsage();
console.log(JSON.stringify({
  bench: 'directory-lookup', customers, samples, results: [uncached, cachedCustomer, cachedAccount],
  cacheEntries: cached.size, rssMiB: Math.round(mem.rss / 2 ** 20), heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20),
}));
await cached.close();
rmSync(dir, { recursive: true, force: true });
