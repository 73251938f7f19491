import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, migrate, login, call } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

const FAST = { ops: { checkIntervalMs: 150, totalsIntervalMs: 150, trafficStepMs: 150 } };

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Console {
  migration: { systems: Record<string, { customers?: number }>; directory?: { source: number; target: number; moving: number }; migratedShare?: number };
  backends: Array<{ system: string; listener: string; up: boolean; latencyMs: number; lastError?: string; version?: string }>;
  traffic: { system: Record<string, Array<{ callsPerSecond: number; p99Ms: number | null }>>; listener: Record<string, unknown[]> };
  recent: { faults: Array<{ requestId: string; faultcode?: string }>; cutovers: Array<{ iCustomer: number; outcome: string; holdMs: number | null }> };
  movingCount: number;
}

test('the console signs in with the ops token once and keeps an HttpOnly, SameSite=Strict cookie', async (t) => {
  const stack = await startStack(t, { config: FAST });
  const ops = stack.url('ops');
  assert.equal((await fetch(`${ops}/v1/console.json`)).status, 401, 'no sign-in, no data');
  const wrong = await fetch(`${ops}/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token' }) });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  const ok = await fetch(`${ops}/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'demo-ops-token' }) });
  assert.equal(ok.status, 200);
  const setCookie = ok.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^wd_ops=[0-9]+\.[A-Za-z0-9_-]{43}; /);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  assert.equal((await fetch(`${ops}/v1/console.json`, { headers: { cookie } })).status, 200, 'the cookie opens the console');
  assert.equal((await fetch(`${ops}/v1/campaigns`, { headers: { cookie } })).status, 200, 'and the ops API the page calls');
  const [expires, mac] = cookie.slice('wd_ops='.length).split('.');
  const forged = `wd_ops=${Number(expires) + 1000}.${mac}`;
  assert.equal((await fetch(`${ops}/v1/console.json`, { headers: { cookie: forged } })).status, 401, 'a cookie whose expiry was changed is refused');
  const form = await fetch(`${ops}/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=demo-ops-token' });
  assert.equal(form.status, 200, 'a form sign-in works too');
  const page = await fetch(`${ops}/dashboard`);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await page.text();
  const js = await fetch(`${ops}/assets/uPlot.iife.min.js`);
  const css = await fetch(`${ops}/assets/uPlot.min.css`);
  assert.equal(js.status, 200);
  const total = Buffer.byteLength(html) + (await js.arrayBuffer()).byteLength + (await css.arrayBuffer()).byteLength;
  assert.ok(total < 200 * 1024, `the page and its assets weigh ${total} bytes, under 200 KiB`);
});

test('the console shows customers per system matching the directory, backends up at rest, a system taken down within two check periods', async (t) => {
  const stack = await startStack(t, { config: FAST });
  const ops = stack.url('ops');
  const auth = { authorization: 'Bearer demo-ops-token' };
  const read = async () => (await (await fetch(`${ops}/v1/console.json`, { headers: auth })).json()) as Console;
  await migrate(stack, 1, 'target');
  const directory = await stack.dispatcher.dispatcher.directory.countLocations();
  const c = await until('totals after the move', read, (v) => v.migration.directory?.target === directory.target && v.migration.systems.target?.customers !== undefined);
  assert.deepEqual(c.migration.directory && { source: c.migration.directory.source, target: c.migration.directory.target, moving: c.migration.directory.moving }, directory);
  assert.equal(c.migration.systems.source!.customers, 49, 'the source counts its 50 customers but the one that moved away');
  assert.equal(c.migration.systems.target!.customers, 11, 'the target its 10 and the one that moved in');
  assert.equal(c.migration.migratedShare, Math.round((11 / 60) * 10_000) / 10_000);
  assert.deepEqual(c.recent.cutovers.map((x) => [x.iCustomer, x.outcome]), [[1, 'commit']]);
  assert.ok(typeof c.recent.cutovers[0]!.holdMs === 'number', 'the hold time of a cutover that began here');

  const listeners = ['admin', 'reseller', 'customer', 'account', 'portasip'];
  for (const system of ['source', 'target']) {
    for (const l of listeners) {
      const b = c.backends.find((x) => x.system === system && x.listener === l);
      assert.ok(b?.up, `${system} ${l} is up at rest: ${JSON.stringify(b)}`);
      assert.ok(b.latencyMs >= 0);
    }
    assert.ok(c.backends.find((x) => x.system === system && x.listener === 'admin')?.version, 'the admin check reads the release with the service login');
  }
  const metrics = await (await fetch(`${ops}/metrics`)).text();
  assert.match(metrics, /webdispatcher_backend_up\{listener="admin",system="target"\} 1/);
  assert.match(metrics, /webdispatcher_backend_check_seconds\{listener="admin",system="target"\} /);
  assert.match(metrics, /webdispatcher_system_customers\{system="target"\} 11/);

  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'reset' }) });
  const downAt = Date.now();
  const down = await until('the target shown down', read, (v) => v.backends.filter((x) => x.system === 'target').every((x) => !x.up));
  // Two check periods plus the time a check itself may take to fail.
  assert.ok(Date.now() - downAt < 2 * 150 + 5_000, 'shown down within two check periods');
  assert.ok(down.backends.find((x) => x.system === 'target' && x.listener === 'admin')?.lastError, 'with the error');
  assert.ok(down.backends.filter((x) => x.system === 'source').every((x) => x.up), 'the source stays up');
  assert.match(await (await fetch(`${ops}/metrics`)).text(), /webdispatcher_backend_up\{listener="admin",system="target"\} 0/);
  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'DELETE' });
  await until('the target back up', read, (v) => v.backends.filter((x) => x.system === 'target').every((x) => x.up));
});

test('live traffic moves under load, and the last faults carry their request ids', async (t) => {
  const stack = await startStack(t, { config: FAST });
  const ops = stack.url('ops');
  const auth = { authorization: 'Bearer demo-ops-token' };
  const read = async () => (await (await fetch(`${ops}/v1/console.json`, { headers: auth })).json()) as Console;
  const admin = stack.url('admin');
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const end = Date.now() + 3_000;
  let n = 0;
  while (Date.now() < end && n < 400) {
    await call(admin, 'Customer/get_customer_info', { i_customer: n % 2 === 0 ? 2 : 1 }, token);
    n++;
  }
  const bad = await call(admin, 'Customer/get_customer_info', { i_customer: 'x' }, token);
  assert.notEqual(bad.status, 200);
  const c = await until('traffic in the charts', read, (v) => (v.traffic.system.source ?? []).some((p) => p.callsPerSecond > 0) && (v.traffic.system.target ?? []).some((p) => p.callsPerSecond > 0));
  assert.ok((c.traffic.system.source ?? []).some((p) => p.p99Ms !== null && p.p99Ms > 0), 'a latency quantile per system');
  assert.ok(Object.keys(c.traffic.listener).includes('admin'));
  const requestId = bad.headers.get('x-request-id');
  assert.ok(c.recent.faults.some((f) => f.requestId === requestId && f.faultcode !== undefined), `the bad call's request id ${requestId} among the last faults`);
});
