/**
 * Simulator scale check: seed N customers, report seed time and RSS, then the latency of
 * Customer/get_customer_info over loopback HTTP (sequential, one keep-alive connection).
 *
 *   node --import tsx bench/sim-scale.ts --customers 1000000 [--calls 5000]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createSimulator } from '../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, calls: { type: 'string', default: '5000' } } });
const customers = Number(values.customers);
const calls = Math.min(Number(values.calls), 100_000);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const mib = (b: number): string => `${(b / 1048576).toFixed(0)} MiB`;
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const sim = await createSimulator({ role: 'source', env: 3, customers });
const seedMs = performance.now() - t0;
const rssSeeded = process.memoryUsage().rss;
let accounts = 0;
for (let k = 0; k < customers; k++) accounts += sim.system.store.space.accountCountAt(k);

const pool = new Pool(sim.urls.admin, { connections: 1 });
async function call(path: string, body: object, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await pool.request({ method: 'POST', path, headers, body: JSON.stringify(body) });
  return (await res.body.json()) as Record<string, unknown>;
}
const loginReply = await call('/rest/Session/login', { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } });
const token = String(loginReply.access_token);

// Spread ids over the whole range (odd ids on the source) with a fixed stride, no RNG needed.
const idAt = (i: number): number => 2 * ((i * 7919 * 104_729) % customers) + 1;
for (let i = 0; i < 500; i++) await call('/rest/Customer/get_customer_info', { params: { i_customer: idAt(i) } }, token);
const lat: number[] = [];
for (let i = 0; i < calls; i++) {
  const id = idAt(i + 1000);
  const s = performance.now();
  const r = await call('/rest/Customer/get_customer_info', { params: { i_customer: id } }, token);
  lat.push(performance.now() - s);
  if (!r.customer_info) throw new Error(`lookup of ${id} failed: ${JSON.stringify(r)}`);
}
lat.sort((a, b) => a - b);

const lastLogin = `cust${2 * (customers - 1) + 1}`;
const byLoginStart = performance.now();
const byLogin = await call('/rest/Customer/get_customer_info', { params: { login: lastLogin } }, token);
const byLoginMs = performance.now() - byLoginStart;
if (!byLogin.customer_info) throw new Error('lookup by login failed');

const scanStart = performance.now();
const scan = await call('/rest/Customer/get_customer_list', { params: { login: 'nobody%', get_total: 1 } }, token);
const scanMs = performance.now() - scanStart;
const rssAfter = process.memoryUsage().rss;

await pool.close();
await sim.close();

const report = {
  customers,
  accounts,
  seed_ms: Number(seedMs.toFixed(1)),
  rss_before_seed: mib(rssBefore),
  rss_after_seed: mib(rssSeeded),
  rss_after_run: mib(rssAfter),
  get_customer_info_http: { calls, median_ms: Number(quantile(lat, 0.5).toFixed(3)), p99_ms: Number(quantile(lat, 0.99).toFixed(3)), max_ms: Number((lat.at(-1) ?? NaN).toFixed(3)) },
  get_customer_info_by_login_ms: Number(byLoginMs.toFixed(3)),
  full_scan_list_filter_ms: Number(scanMs.toFixed(1)),
  full_scan_total: scan.total,
};
console.log(JSON.stringify(report, null, 2));
