import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createSimulator, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { killHard, startDispatcherProcess } from '../helpers/dispatcher-process.ts';
import { call, login } from '../helpers/stack.ts';

const OPS_TOKEN = 'crash-test-ops-token';

/** Where each system says the customer's data is: live there, moved away, or absent. */
async function dataState(sim: SimulatorInstance, token: string, id: number): Promise<'live' | 'moved' | 'absent'> {
  const r = await call(sim.urls.admin, 'Customer/get_customer_info', { i_customer: id }, token);
  const info = r.json.customer_info as { migration_status?: string } | undefined;
  if (r.status !== 200 || info === undefined) return 'absent';
  return info.migration_status === 'moved' ? 'moved' : 'live';
}

test('a dispatcher SIGKILLed mid-campaign resumes it after a restart on the same SQLite file, leaving no customer held or half-moved', { timeout: 90_000 }, async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 40, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'wd-campaign-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sqlite = join(dir, 'directory.sqlite');
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  const config = join(dir, 'dispatcher.yaml');
  writeFileSync(config, [
    'systems:',
    `  source: { env: 3, urls: ${urls(source.urls)} }`,
    `  target: { env: 8, urls: ${urls(target.urls)} }`,
    'listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }',
    'sessions: { store: memory, secret: crash-test-secret }',
    `directory: { store: sqlite, sqlitePath: "${sqlite}" }`,
    `ops: { token: ${OPS_TOKEN}, serviceLogin: { login: ${DEMO_ADMIN.login}, token: ${DEMO_ADMIN.token} } }`,
    'campaigns: { defaultCopy: sim, leaseMs: 1500 }',
    'log: { level: warn }',
  ].join('\n'));

  // Slow target reads keep customers in flight (copied, being verified) when the kill comes.
  await fetch(`${target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 120 }) });
  const first = await startDispatcherProcess(t, config);
  const api1 = campaignApi(first.urls.ops!, OPS_TOKEN);
  const made = await api1.create({ name: 'crash', select: { all: true }, batchSize: 10, concurrency: 4 });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const total = made.json.total as number;
  await api1.act('crash', 'start');

  const peek = new Database(sqlite, { readonly: true, fileMustExist: true });
  t.after(() => peek.close());
  const inFlight = () => peek.prepare("SELECT count(*) FROM campaign_customers WHERE campaign = 'crash' AND state IN ('prechecked', 'holding', 'copied', 'verified')").pluck().get() as number;
  const committed = () => peek.prepare("SELECT count(*) FROM campaign_customers WHERE campaign = 'crash' AND state = 'committed'").pluck().get() as number;
  const held = () => peek.prepare("SELECT count(*) FROM customers WHERE state = 'moving'").pluck().get() as number;
  // Killed while customers are held (the directory says moving), after some were committed.
  for (let i = 0; i < 500 && !(committed() >= 4 && held() > 0); i++) await sleep(10);
  await killHard(first);
  const leftInFlight = inFlight();
  const movingAtKill = held();
  t.diagnostic(JSON.stringify({ total, committedAtKill: committed(), leftInFlight, movingAtKill }));
  await fetch(`${target.urls.admin}/sim/faults`, { method: 'DELETE' });

  const second = await startDispatcherProcess(t, config);
  const api2 = campaignApi(second.urls.ops!, OPS_TOKEN);
  const done = await api2.waitFor('crash', (s) => s.state === 'done', 40_000);
  assert.equal((done.committed as number) + (done.failed as number), total, JSON.stringify(done));
  for (const f of done.failures as Array<{ reason: string }>) assert.ok(f.reason.length > 0);
  const moving = await (await fetch(`${second.urls.ops}/v1/migrations`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json() as { migrations: unknown[] };
  assert.deepEqual(moving.migrations, [], 'no customer is left held');
  if (leftInFlight > 0) assert.match(second.stderr(), /campaign recovery/, 'the customers left in flight were resolved and the decision logged');

  // Every customer lives on exactly one system, the one the dispatcher routes it to, and takes writes there.
  const srcToken = await login(source.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const dstToken = await login(target.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const viaDispatcher = await login(second.urls.admin!, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const failedIds = new Set((done.failures as Array<{ i_customer: number }>).map((f) => f.i_customer));
  const list = (await call(source.urls.admin, 'Customer/get_customer_list', { limit: 1000 }, srcToken)).json.customer_list as Array<{ i_customer: number }>;
  for (const { i_customer: id } of list) {
    const loc = await (await fetch(`${second.urls.ops}/v1/locations/customers/${id}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json() as { system: string; state: string };
    const expected = failedIds.has(id) ? 'source' : 'target';
    assert.equal(loc.system, expected, `customer ${id}: ${JSON.stringify(loc)}`);
    assert.equal(loc.state, 'active');
    const [s, d] = [await dataState(source, srcToken, id), await dataState(target, dstToken, id)];
    assert.deepEqual([s, d], expected === 'target' ? ['moved', 'live'] : ['live', d === 'moved' ? 'moved' : 'absent'], `customer ${id} data: source ${s}, target ${d}`);
    const w = await call(second.urls.admin!, 'Customer/update_customer', { customer_info: { i_customer: id, notes: 'after the crash' } }, viaDispatcher);
    assert.equal(w.status, 200, `customer ${id} takes writes: ${JSON.stringify(w.json)}`);
  }
});
