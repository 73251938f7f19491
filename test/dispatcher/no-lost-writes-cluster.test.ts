import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig, call, login } from '../helpers/stack.ts';
import { PostgresDirectory } from '../../src/directory/postgres-directory.ts';
import { RedisSessionStore } from '../../src/sessions/redis-session-store.ts';
import { runCutoverWorkload } from '../helpers/cutover-workload.ts';
import { requireService, DATABASE_URL, REDIS_URL } from '../helpers/services.ts';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

test('two dispatcher nodes sharing PostgreSQL and Redis lose no write while begin/commit go to one node only', async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const run = randomBytes(4).toString('hex');
  const schema = `wd_cluster_${run}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  const source = await createSimulator({ role: 'source', env: 3, customers: 50, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1 });
  t.after(() => target.close());
  const config = testConfig(source, target, { cutover: { holdTimeoutMs: 4000 } });
  const nodes = [];
  for (let i = 0; i < 2; i++) {
    const directory = await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, nodeId: `node-${i}-${run}`, leaseMs: 1000, poolSize: 4 });
    const sessions = await RedisSessionStore.connect(REDIS_URL, `wd:test:${run}:`);
    const node = await startDispatcher(config, { directory, sessions });
    t.after(() => node.close());
    nodes.push(node);
  }
  const figures = await runCutoverWorkload({
    apiUrls: nodes.map((n) => n.urls.admin!), opsUrl: nodes[0]!.urls.ops!, opsToken: 'demo-ops-token',
    source, target, iCustomer: DEMO_CUSTOMER.iCustomer, accounts: [DEMO_ACCOUNT.iAccount],
    clients: 20, moves: 4, maxWritesPerClient: 400, maxMs: 10000,
  });
  t.diagnostic(JSON.stringify(figures));
  assert.equal(figures.moves, 4);
  assert.ok(figures.acknowledged > 0);
  assert.equal(figures.lost, 0, 'every acknowledged write was applied');
  assert.equal(figures.misrouted, 0, 'no write reached a system the customer had left');
  assert.deepEqual(figures.otherFaults, {}, 'every call got success or customer_migrating');
  assert.ok(figures.finalValueMatches, 'the living record carries the last applied write');
});

test('a begin on node A waits for a slow write in flight on node B (or is undone), never returns before it', async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const run = randomBytes(4).toString('hex');
  const schema = `wd_slow_${run}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  // No service login: begin reads nothing from the (slowed) backends; the accounts are PUT first.
  const config = testConfig(source, target, { cutover: { holdTimeoutMs: 6000 }, ops: { token: 'demo-ops-token', serviceLogin: undefined } });
  const nodes = [];
  for (let i = 0; i < 2; i++) {
    // A short lease: without the drain confirmation, begin would return after ~0.6 s.
    const directory = await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, nodeId: `slow-${i}-${run}`, leaseMs: 500, poolSize: 4, moveAckMs: 8000 });
    const sessions = await RedisSessionStore.connect(REDIS_URL, `wd:test:${run}:`);
    const node = await startDispatcher(config, { directory, sessions });
    t.after(() => node.close());
    nodes.push(node);
  }
  const auth = { authorization: 'Bearer demo-ops-token', 'content-type': 'application/json' };
  const put = await fetch(`${nodes[0]!.urls.ops}/v1/locations/customers/1`, { method: 'PUT', headers: auth, body: JSON.stringify({ system: 'source', accounts: [1] }) });
  assert.equal(put.status, 200, await put.text());
  const token = await login(nodes[1]!.urls.admin!, 'admin', { token: 'demo-admin-token' });
  await fetch(`${source.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 2500 }) });
  let writeDone = 0;
  const write = call(nodes[1]!.urls.admin!, 'Customer/update_customer', { customer_info: { i_customer: 1, notes: 'slow write' } }, token).then((r) => {
    writeDone = performance.now();
    return r;
  });
  await new Promise((r) => setTimeout(r, 300));
  const begin = await fetch(`${nodes[0]!.urls.ops}/v1/migrations/1/begin`, { method: 'POST', headers: auth });
  const beginDone = performance.now();
  const w = await write;
  await fetch(`${source.urls.admin}/sim/faults`, { method: 'DELETE' });
  assert.equal(w.status, 200, JSON.stringify(w.json));
  if (begin.status === 200) {
    assert.ok(writeDone > 0 && writeDone <= beginDone, 'begin returned only after the write in flight on the other node finished');
  } else {
    assert.equal(begin.status, 409, await begin.text());
    const list = (await (await fetch(`${nodes[0]!.urls.ops}/v1/migrations`, { headers: auth })).json()) as { migrations: unknown[] };
    assert.deepEqual(list.migrations, [], 'a refused begin was undone');
  }
});
