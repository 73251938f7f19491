import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, call, login, migrate, testConfig } from '../helpers/stack.ts';
import { MemoryDirectory } from '../../src/directory/memory-directory.ts';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

const auth = { authorization: 'Bearer demo-ops-token', 'content-type': 'application/json' };

test('health, readiness, metrics and the dashboard answer on the ops listener', async (t) => {
  const stack = await startStack(t);
  const ops = stack.url('ops');
  assert.equal((await fetch(`${ops}/healthz`)).status, 200);
  const ready = await fetch(`${ops}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: 3 }, token);
  const metrics = await (await fetch(`${ops}/metrics`)).text();
  assert.match(metrics, /webdispatcher_calls_total\{[^}]*listener="admin"/);
  assert.match(metrics, /webdispatcher_system_calls_total\{system="source"\} \d+/);
  assert.match(metrics, /^webdispatcher_routing_index_ready 1$/m, 'the routing index is on by default and loaded');
  assert.match(metrics, /^webdispatcher_routing_index_bytes \d+$/m);
  const page = await fetch(`${ops}/dashboard`);
  assert.match(await page.text(), /WebDispatcher — operations/);
  assert.equal((await fetch(`${ops}/v1/dashboard.json`)).status, 401);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const d = (await (await fetch(`${ops}/v1/dashboard.json`, { headers: auth })).json()) as { cutovers: Record<string, number>; traffic: Record<string, number> };
  assert.equal(d.cutovers.commit, 1);
  assert.ok((d.traffic.source ?? 0) >= 1);
});

test('cutover misuse gets clear 409 answers and changes nothing', async (t) => {
  const stack = await startStack(t);
  const ops = stack.url('ops');
  const commit = await fetch(`${ops}/v1/migrations/5/commit`, { method: 'POST', headers: auth, body: '{"system":"target"}' });
  assert.equal(commit.status, 409);
  assert.match(((await commit.json()) as { faultstring: string }).faultstring, /5/);
  assert.equal((await fetch(`${ops}/v1/migrations/5/begin`, { method: 'POST', headers: auth })).status, 200);
  const again = await fetch(`${ops}/v1/migrations/5/begin`, { method: 'POST', headers: auth });
  assert.equal(again.status, 409);
  const list = (await (await fetch(`${ops}/v1/migrations`, { headers: auth })).json()) as { migrations: Array<{ i_customer: number }> };
  assert.deepEqual(list.migrations.map((m) => m.i_customer), [5]);
  const badSystem = await fetch(`${ops}/v1/migrations/5/commit`, { method: 'POST', headers: auth, body: '{"system":"mars"}' });
  assert.equal(badSystem.status, 400);
  assert.equal((await fetch(`${ops}/v1/migrations/5/abort`, { method: 'POST', headers: auth })).status, 200);
  assert.equal((await fetch(`${ops}/v1/migrations/5/begin`, { method: 'POST' })).status, 401);
});

test('a held call gets the retryable customer_migrating fault after the hold bound', async (t) => {
  const stack = await startStack(t, { config: { cutover: { holdTimeoutMs: 300 } } });
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  assert.equal((await fetch(`${stack.url('ops')}/v1/migrations/1/begin`, { method: 'POST', headers: auth })).status, 200);
  const held = await call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: 1, notes: 'x' } }, token);
  assert.equal(held.json.faultcode, 'Server.Dispatcher.customer_migrating');
  const byAccount = await call(stack.url('admin'), 'Account/get_account_info', { i_account: 1 }, token);
  assert.equal(byAccount.json.faultcode, 'Server.Dispatcher.customer_migrating', 'the accounts learned at begin are held too');
  const res = await fetch(`${stack.url('portasip')}/portasip/Voicemail/update_settings`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params: { i_account: 1, pin: '4321' } }),
  });
  assert.equal(((await res.json()) as { faultcode: string }).faultcode, 'Server.Dispatcher.customer_migrating', 'a PortaSIP broadcast for a moving customer is held too');
  const other = await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: 3 }, token);
  assert.equal(other.status, 200, 'other customers are not held');
});

test('an unreachable directory makes /readyz fail and routed calls fail with a clear fault, never a guess', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const directory = new MemoryDirectory();
  const running = await startDispatcher(testConfig(source, target), { directory });
  t.after(() => running.close());
  const token = await login(running.urls.admin!, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  await directory.close();
  const ready = await fetch(`${running.urls.ops}/readyz`);
  assert.equal(ready.status, 503);
  const r = await call(running.urls.admin!, 'Customer/get_customer_info', { i_customer: 9 }, token);
  assert.equal(r.json.faultcode, 'Server.Dispatcher.directory_unavailable');
});

test('locations survive a dispatcher restart on the same SQLite file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-restart-'));
  const sqlite = { directory: { store: 'sqlite', sqlitePath: join(dir, 'd.sqlite') } };
  const stack = await startStack(t, { config: sqlite });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  await stack.dispatcher.close();
  const again = await startDispatcher(testConfig(stack.source, stack.target, sqlite));
  t.after(() => again.close());
  const res = await fetch(`${again.urls.ops}/v1/locations/customers/1`, { headers: auth });
  const body = (await res.json()) as { system: string };
  assert.equal(body.system, 'target');
  const token = await login(again.urls.admin!, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const info = await call(again.urls.admin!, 'Customer/get_customer_info', { i_customer: 1 }, token);
  assert.equal((info.json.customer_info as { i_env: number }).i_env, 8);
});

test('two nodes on one directory store: each dashboard counts the cutovers the other ran', async (t) => {
  const sqlitePath = join(mkdtempSync(join(tmpdir(), 'wd-shared-counts-')), 'directory.sqlite');
  const shared = { directory: { store: 'sqlite', sqlitePath } };
  const a = await startStack(t, { config: shared });
  const b = await startDispatcher(testConfig(a.source, a.target, shared));
  t.after(() => b.close());
  await migrate(a, DEMO_CUSTOMER.iCustomer, 'target');
  const begin = await fetch(`${b.urls.ops}/v1/migrations/7/begin`, { method: 'POST', headers: auth });
  assert.equal(begin.status, 200, await begin.text());
  assert.equal((await fetch(`${b.urls.ops}/v1/migrations/7/abort`, { method: 'POST', headers: auth })).status, 200);
  for (const ops of [a.url('ops'), b.urls.ops!]) {
    const d = (await (await fetch(`${ops}/v1/dashboard.json`, { headers: auth })).json()) as { cutovers: Record<string, number> };
    assert.deepEqual(d.cutovers, { commit: 1, abort: 1 }, `dashboard of ${ops}`);
    const c = (await (await fetch(`${ops}/v1/console.json`, { headers: auth })).json()) as { cutovers: Record<string, number> };
    assert.deepEqual(c.cutovers, { commit: 1, abort: 1 }, `console of ${ops}`);
  }
});
