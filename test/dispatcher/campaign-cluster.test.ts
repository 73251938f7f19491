import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createSimulator } from '../../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { killHard, startDispatcherProcess, type DispatcherProcess } from '../helpers/dispatcher-process.ts';
import { call, login } from '../helpers/stack.ts';
import { DATABASE_URL, REDIS_URL, requireService } from '../helpers/services.ts';

const OPS_TOKEN = 'cluster-test-ops-token';

test('two nodes on PostgreSQL + Redis: the node driving a campaign is SIGKILLed, the other takes the lease and finishes it', { timeout: 90_000 }, async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const run = randomBytes(4).toString('hex');
  const schema = `wd_campaign_cluster_${run}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  const source = await createSimulator({ role: 'source', env: 3, customers: 40, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'wd-campaign-cluster-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  const config = join(dir, 'dispatcher.yaml');
  writeFileSync(config, [
    'systems:',
    `  source: { env: 3, urls: ${urls(source.urls)} }`,
    `  target: { env: 8, urls: ${urls(target.urls)} }`,
    'listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }',
    `sessions: { store: redis, redisUrl: "${REDIS_URL}", secret: cluster-test-secret-${run} }`,
    `directory: { store: postgres, databaseUrl: "${DATABASE_URL}", schema: ${schema} }`,
    'cutover: { holdTimeoutMs: 3000 }',
    `ops: { token: ${OPS_TOKEN}, serviceLogin: { login: ${DEMO_ADMIN.login}, token: ${DEMO_ADMIN.token} } }`,
    'campaigns: { defaultCopy: sim, leaseMs: 1500 }',
    'log: { level: warn }',
  ].join('\n'));
  const nodes: DispatcherProcess[] = [await startDispatcherProcess(t, config), await startDispatcherProcess(t, config)];

  await fetch(`${target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 100 }) });
  const api = nodes.map((n) => campaignApi(n.urls.ops!, OPS_TOKEN));
  const made = await api[0]!.create({ name: 'pg-wave', select: { all: true }, batchSize: 10, concurrency: 4 });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const total = made.json.total as number;
  await api[1]!.act('pg-wave', 'start');
  const driving = await api[1]!.waitFor('pg-wave', (s) => typeof s.driver === 'string' && (s.committed as number) >= 4);
  const driverPid = Number(/-(\d+)-[0-9a-f]+$/.exec(String(driving.driver))?.[1]);
  const victim = nodes.findIndex((n) => n.child.pid === driverPid);
  assert.ok(victim >= 0, `the driver ${String(driving.driver)} is one of the two nodes`);
  const survivor = api[1 - victim]!;
  assert.equal((await survivor.status('pg-wave')).driver, driving.driver, 'any node answers status, naming the driver');
  await killHard(nodes[victim]!);
  await fetch(`${target.urls.admin}/sim/faults`, { method: 'DELETE' });

  const done = await survivor.waitFor('pg-wave', (s) => s.state === 'done', 45_000);
  assert.notEqual(done.driver, driving.driver);
  assert.equal((done.committed as number) + (done.failed as number), total, JSON.stringify(done));
  for (const f of done.failures as Array<{ reason: string }>) assert.ok(f.reason.length > 0);
  const alive = nodes[1 - victim]!;
  for (let i = 0; i < 50; i++) {
    const moving = await (await fetch(`${alive.urls.ops}/v1/migrations`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json() as { migrations: unknown[] };
    if (moving.migrations.length === 0) break;
    await sleep(100);
  }
  const moving = await (await fetch(`${alive.urls.ops}/v1/migrations`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).json() as { migrations: unknown[] };
  assert.deepEqual(moving.migrations, [], 'no customer is left held');
  const token = await login(alive.urls.admin!, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const failed = new Set((done.failures as Array<{ i_customer: number }>).map((f) => f.i_customer));
  for (const id of [1, 3, 5, 7, 9]) {
    const info = await call(alive.urls.admin!, 'Customer/get_customer_info', { i_customer: id }, token);
    assert.equal((info.json.customer_info as { i_env: number }).i_env, failed.has(id) ? 3 : 8, `customer ${id} is served where it ended`);
    const w = await call(alive.urls.admin!, 'Customer/update_customer', { customer_info: { i_customer: id, notes: 'after the takeover' } }, token);
    assert.equal(w.status, 200, JSON.stringify(w.json));
  }
});
