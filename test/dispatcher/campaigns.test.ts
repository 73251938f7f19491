import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, login, call, testConfig } from '../helpers/stack.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { MemoryDirectory } from '../../src/directory/memory-directory.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { runCampaignWorkload } from '../helpers/campaign-workload.ts';
import { MemoryCampaignStore } from '../../src/migration/memory-campaign-store.ts';
import { createLogger } from '../../src/core/logger.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

test('a campaign over every source customer commits each one to the target and the dispatcher routes them there', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 12, targetCustomers: 3 });
  const api = campaignApi(stack.url('ops'));
  const made = await api.create({ name: 'all-source', select: { all: true }, batchSize: 5, concurrency: 3 });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal(made.json.state, 'created');
  assert.equal(made.json.total, 12);
  assert.equal((await api.act('all-source', 'start')).status, 200);
  const done = await api.waitFor('all-source', (s) => s.state === 'done');
  assert.equal(done.committed, 12, JSON.stringify(done));
  assert.deepEqual(done.failures, []);
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const info = await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, token);
  assert.equal((info.json.customer_info as { i_env: number }).i_env, 8, 'customer 1 is now served by the target');
  const metrics = await (await fetch(`${stack.url('ops')}/metrics`)).text();
  assert.match(metrics, /^webdispatcher_campaign_customers_total\{campaign="all-source",outcome="committed",step=""\} 12$/m);
  for (const step of ['precheck', 'begin', 'copy', 'verify', 'commit']) {
    assert.match(metrics, new RegExp(`^webdispatcher_campaign_step_seconds_count\\{campaign="all-source",step="${step}"\\} 12$`, 'm'), step);
  }
  const page = await (await fetch(`${stack.url('ops')}/`)).text();
  assert.match(page, /<h2>Campaigns<\/h2>/, 'the dashboard has a campaigns panel');
});

async function simAdmin(base: string): Promise<(method: string, params: unknown) => Promise<Record<string, unknown>>> {
  const token = await login(base, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  return async (method, params) => (await call(base, method, params, token)).json;
}

async function notMoving(opsUrl: string): Promise<unknown[]> {
  const r = await fetch(`${opsUrl}/v1/migrations`, { headers: { authorization: 'Bearer demo-ops-token' } });
  return ((await r.json()) as { migrations: unknown[] }).migrations;
}

test('precheck, copy and verify failures leave each customer on the source, not held, with the step and a reason naming what failed', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 12, targetCustomers: 3, config: { campaigns: { defaultCopy: 'sim', commands: [process.execPath] } } });
  const api = campaignApi(stack.url('ops'));
  const source = await simAdmin(stack.source.urls.admin);
  const target = await simAdmin(stack.target.urls.admin);

  // Precheck: the product of customer 1's account is deleted on the target only.
  const accounts = (await source('Account/get_account_list', { i_customer: 1 })).account_list as Array<{ i_product: number }>;
  const product = accounts[0]!.i_product;
  const del = await fetch(`${stack.target.urls.admin}/sim/config/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'product', id: product }) });
  assert.equal(del.status, 200, await del.text());
  assert.equal((await api.create({ name: 'pre', customers: [1], batchSize: 1, concurrency: 1 })).status, 201);
  await api.act('pre', 'start');
  const pre = await api.waitFor('pre', (s) => s.state === 'done');
  assert.equal(pre.failed, 1);
  const f = (pre.failures as Array<{ i_customer: number; step: string; reason: string }>)[0]!;
  assert.equal(f.i_customer, 1);
  assert.equal(f.step, 'precheck');
  assert.match(f.reason, new RegExp(`missing on target: .*product ${product}\\b`));

  // Copy: the operator's tool exits 1.
  const made = await api.create({ name: 'cmd', customers: [3], batchSize: 1, concurrency: 1, copy: { type: 'command', command: process.execPath, args: ['-e', 'console.error("tool: cannot reach target db"); process.exit(1)', '{i_customer}'] } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await api.act('cmd', 'start');
  const cmd = await api.waitFor('cmd', (s) => s.state === 'done');
  const cf = (cmd.failures as Array<{ step: string; reason: string }>)[0]!;
  assert.equal(cf.step, 'copy');
  assert.match(cf.reason, /exit code 1: tool: cannot reach target db/);

  // Verify: the copy is made, then the test changes a field on the target's copy.
  const { createServer } = await import('node:http');
  const simPost = (base: string, path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const tool = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      void (async () => {
        const j = JSON.parse(body) as { i_customer: number };
        if (req.url === '/undo') {
          await simPost(stack.source.urls.admin, '/sim/mark', { i_customer: j.i_customer, moved: false });
          await simPost(stack.target.urls.admin, '/sim/mark', { i_customer: j.i_customer, moved: true });
        } else {
          await simPost(stack.source.urls.admin, '/sim/transfer', { i_customer: j.i_customer, target: stack.target.urls.admin });
          await target('Customer/update_customer', { customer_info: { i_customer: j.i_customer, credit_limit: 12345 } });
        }
        res.writeHead(200).end('{}');
      })();
    });
  });
  tool.listen(0, '127.0.0.1');
  await new Promise((r) => tool.once('listening', r));
  t.after(() => tool.close());
  const port = (tool.address() as { port: number }).port;
  assert.equal((await api.create({ name: 'ver', customers: [5], batchSize: 1, concurrency: 1, copy: { type: 'http', url: `http://127.0.0.1:${port}/copy`, undoUrl: `http://127.0.0.1:${port}/undo` } })).status, 201);
  await api.act('ver', 'start');
  const ver = await api.waitFor('ver', (s) => s.state === 'done');
  const vf = (ver.failures as Array<{ step: string; reason: string }>)[0]!;
  assert.equal(vf.step, 'verify');
  assert.match(vf.reason, /credit_limit: source \d+(\.\d+)?, target 12345/);

  // Precheck: customer 7's class, discount plan and subscriptions are deleted on the target.
  const c7 = (await source('Customer/get_customer_info', { i_customer: 7 })).customer_info as { i_customer_class: number; i_discount_plan: number | null };
  const subs = ((await source('Subscription/get_subscription_list', { i_customer: 7 })).subscription_list as Array<{ i_subscription: number }>).map((x) => x.i_subscription);
  const expected = [`customer class ${c7.i_customer_class}`];
  const gone = [{ kind: 'customer_class', id: c7.i_customer_class }];
  if (c7.i_discount_plan !== null) { gone.push({ kind: 'discount_plan', id: c7.i_discount_plan }); expected.push(`discount plan ${c7.i_discount_plan}`); }
  for (const id of new Set(subs)) { gone.push({ kind: 'subscription', id }); expected.push(`subscription ${id}`); }
  for (const g of gone) {
    const r = await fetch(`${stack.target.urls.admin}/sim/config/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(g) });
    assert.equal(r.status, 200, await r.text());
  }
  assert.equal((await api.create({ name: 'pre7', customers: [7] })).status, 201);
  await api.act('pre7', 'start');
  const pre7 = await api.waitFor('pre7', (s) => s.state === 'done');
  const r7 = (pre7.failures as Array<{ step: string; reason: string }>)[0]!;
  assert.equal(r7.step, 'precheck');
  for (const e of expected) assert.ok(r7.reason.includes(e), `${r7.reason} names ${e}`);

  assert.deepEqual(await notMoving(stack.url('ops')), [], 'nobody is held');
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  for (const id of [1, 3, 5]) {
    const w = await call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: id, notes: `after-${id}` } }, token);
    assert.equal(w.status, 200, `customer ${id} takes writes: ${JSON.stringify(w.json)}`);
    const info = await source('Customer/get_customer_info', { i_customer: id });
    assert.equal((info.customer_info as { notes: string }).notes, `after-${id}`, `customer ${id}'s write landed on the source`);
  }
});

test('a failure budget spent pauses the campaign with the reason; resume gets a fresh budget', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 12, targetCustomers: 3, config: { campaigns: { commands: [process.execPath] } } });
  const api = campaignApi(stack.url('ops'));
  const made = await api.create({
    name: 'budget', select: { all: true }, batchSize: 20, concurrency: 1, failureBudget: { last: 4, maxFailures: 1 },
    copy: { type: 'command', command: process.execPath, args: ['-e', 'process.exit(1)'] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await api.act('budget', 'start');
  const paused = await api.waitFor('budget', (s) => s.state === 'paused');
  assert.equal(paused.failed, 2, 'paused as the second failure exceeded 1 of the last 4');
  assert.match(String(paused.reason), /failure budget spent: 2 of the last 2 customers failed/);
  assert.equal(paused.pending, 10);
  assert.equal((await api.act('budget', 'resume')).status, 200);
  const again = await api.waitFor('budget', (s) => s.state === 'paused' && s.failed === 4);
  assert.equal(again.pending, 8);
  const abort = await api.act('budget', 'abort');
  assert.equal(abort.json.state, 'aborted');
  assert.equal((await api.act('budget', 'resume')).status, 409, 'an aborted campaign does not resume');
});

test('rollback of a finished campaign brings every customer back to the source through the same steps', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 10, targetCustomers: 3 });
  const api = campaignApi(stack.url('ops'));
  await api.create({ name: 'there', select: { all: true }, batchSize: 4, concurrency: 2 });
  await api.act('there', 'start');
  const done = await api.waitFor('there', (s) => s.state === 'done');
  assert.equal(done.committed, 10);
  assert.equal((await api.act('there', 'rollback')).status, 200);
  const back = await api.waitFor('there', (s) => s.state === 'rolled-back');
  assert.equal(back.rolledBack, 10, JSON.stringify(back));
  assert.equal(back.committed, 0);
  assert.deepEqual(back.failures, []);
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  for (const id of [1, 3, 19]) {
    const info = await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: id }, token);
    assert.equal((info.json.customer_info as { i_env: number }).i_env, 3, `customer ${id} is served by the source again`);
    const w = await call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: id, notes: 'home again' } }, token);
    assert.equal(w.status, 200, JSON.stringify(w.json));
  }
  assert.deepEqual(await notMoving(stack.url('ops')), []);
});

test('bad campaign requests get clear 400/404/409 faults and create nothing', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 4, targetCustomers: 2 });
  const api = campaignApi(stack.url('ops'));
  const cases: Array<[unknown, RegExp]> = [
    [{ name: 'x y', customers: [1] }, /name must be/],
    [{ name: 'a', customers: [] }, /customers must be a list/],
    [{ name: 'a', customers: [1, -2] }, /-2 is not a positive integer/],
    [{ name: 'a', customers: [1], window: '25:00-03:00' }, /window must be/],
    [{ name: 'a', customers: [1], failureBudget: { last: 3, maxFailures: 3 } }, /must be below last/],
    [{ name: 'a', customers: [1], copy: { type: 'command', command: '/bin/sh' } }, /not in campaigns.commands/],
    [{ name: 'a', customers: [1], copy: { type: 'ftp' } }, /copy.type must be/],
    [{ name: 'a', select: { colour: 'red' } }, /unknown key/],
  ];
  for (const [body, why] of cases) {
    const r = await api.create(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.faultcode, 'Server.Dispatcher.bad_request');
    assert.match(String(r.json.faultstring), why);
  }
  const noAuth = await fetch(`${stack.url('ops')}/v1/campaigns`);
  assert.equal(noAuth.status, 401);
  assert.equal((await api.act('missing', 'start')).status, 404);
  assert.equal((await api.create({ name: 'once', customers: [1] })).status, 201);
  assert.equal((await api.create({ name: 'once', customers: [3] })).status, 409);
  assert.equal((await api.act('once', 'resume')).status, 409, 'resume needs paused');
  const list = await (await fetch(`${stack.url('ops')}/v1/campaigns`, { headers: { authorization: 'Bearer demo-ops-token' } })).json() as { campaigns: Array<{ name: string }> };
  assert.deepEqual(list.campaigns.map((c) => c.name), ['once']);
});

test('a campaign over every source customer of the demo under 16 reading and writing clients loses no write and misroutes none', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 200, targetCustomers: 20, config: { cutover: { holdTimeoutMs: 5000 } } });
  const api = campaignApi(stack.url('ops'));
  const made = await api.create({ name: 'demo-all', select: { all: true }, batchSize: 50, concurrency: 8 });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const ids = (await api.status('demo-all')).total as number;
  assert.ok(ids >= 100, `the demo's source customers are selected (${ids})`);
  const source = await simAdmin(stack.source.urls.admin);
  const list = (await source('Customer/get_customer_list', { limit: 1000 })).customer_list as Array<{ i_customer: number }>;
  const customers = list.map((c) => c.i_customer);
  assert.equal(customers.length, ids);
  await api.act('demo-all', 'start');
  const finished = api.waitFor('demo-all', (s) => s.state === 'done', 60_000);
  const locations = async (id: number) => {
    const r = await fetch(`${stack.url('ops')}/v1/locations/customers/${id}`, { headers: { authorization: 'Bearer demo-ops-token' } });
    return ((await r.json()) as { system: 'source' | 'target' }).system;
  };
  const figures = await runCampaignWorkload({
    nodes: [{ admin: stack.url('admin'), customer: stack.url('customer'), account: stack.url('account') }],
    source: stack.source, target: stack.target, customers, clients: 16, maxWritesPerClient: 2000, maxMs: 30_000, until: finished,
  }, locations);
  const done = await finished;
  t.diagnostic(JSON.stringify({ ...figures, heldCallMs: undefined, calls: figures.heldCallMs.length, committed: done.committed, failed: done.failed }));
  assert.ok(figures.acknowledged > 100, 'clients kept writing during the campaign');
  assert.equal(figures.lost, 0, 'every acknowledged write was applied');
  assert.equal(figures.misrouted, 0, 'no write reached a system after the customer left it');
  assert.deepEqual(figures.staleFinal, [], 'each living record carries its last write');
  assert.deepEqual(figures.otherFaults, {}, 'every call got success, customer_migrating or a re-login');
  assert.equal((done.committed as number) + (done.failed as number), ids, 'every customer ended committed or failed');
  for (const f of done.failures as Array<{ reason: string }>) assert.ok(f.reason.length > 0);
  assert.deepEqual(await notMoving(stack.url('ops')), [], 'nobody is left held');
});

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

test('outside its time window a running campaign starts nobody and says when the window opens', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 6, targetCustomers: 2 });
  const api = campaignApi(stack.url('ops'));
  const now = Date.now();
  const window = `${hhmm(new Date(now + 2 * 3600_000))}-${hhmm(new Date(now + 3 * 3600_000))}`;
  assert.equal((await api.create({ name: 'night', select: { all: true }, window })).status, 201);
  await api.act('night', 'start');
  const waiting = await api.waitFor('night', (s) => typeof s.driver === 'string' && typeof s.waiting === 'string');
  assert.match(String(waiting.waiting), new RegExp(`outside the window ${window}; opens in (119|120) min`));
  assert.equal((waiting.pace as { window: string }).window, window);
  assert.equal(await api.act('night', 'pause').then((r) => r.json.state), 'paused');
  const s = await api.waitFor('night', (x) => x.driver === null);
  assert.deepEqual([s.committed, s.failed, s.inFlight, s.pending], [0, 0, 0, 6], 'nobody was started');
});

test('pause finishes the customers in flight and starts none; resume goes on; abort ends it with the rest pending', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 10, targetCustomers: 2 });
  const api = campaignApi(stack.url('ops'));
  assert.equal((await api.create({ name: 'paced', select: { all: true }, concurrency: 1, ratePerMinute: 120 })).status, 201);
  await api.act('paced', 'start');
  await api.waitFor('paced', (s) => (s.committed as number) >= 1);
  assert.equal((await api.act('paced', 'pause')).status, 200);
  const paused = await api.waitFor('paced', (s) => s.inFlight === 0 && s.driver === null);
  assert.equal(paused.state, 'paused');
  assert.ok((paused.pending as number) > 0);
  assert.deepEqual(await notMoving(stack.url('ops')), []);
  assert.equal((await api.act('paced', 'resume')).status, 200);
  await api.waitFor('paced', (s) => (s.committed as number) > (paused.committed as number));
  const aborted = await api.act('paced', 'abort');
  assert.equal(aborted.json.state, 'aborted');
  const end = await api.waitFor('paced', (s) => s.inFlight === 0 && s.driver === null);
  assert.equal(end.state, 'aborted');
  assert.equal((end.committed as number) + (end.pending as number), 10);
  assert.ok((end.pending as number) > 0, 'the customers not started stay pending');
  assert.deepEqual(await notMoving(stack.url('ops')), []);
});

test('a customer a dead driver left held in an aborted campaign is found, its data located, aborted and logged, never left held', async (t) => {
  const store = new MemoryCampaignStore();
  const lines: string[] = [];
  const logger = createLogger('info', (line) => { lines.push(line); });
  const stack = await startStack(t, { sourceCustomers: 6, targetCustomers: 2, deps: { campaigns: store, logger } });
  const api = campaignApi(stack.url('ops'));
  assert.equal((await api.create({ name: 'orphan', customers: [3, 5] })).status, 201);
  // As a driver that died after begin: the customer is held, its entry says holding, the campaign was aborted since.
  const begin = await fetch(`${stack.url('ops')}/v1/migrations/3/begin`, { method: 'POST', headers: { authorization: 'Bearer demo-ops-token' } });
  assert.equal(begin.status, 200, await begin.text());
  await store.updateEntry('orphan', 3, { state: 'holding', direction: 'forward' }, Date.now());
  await store.setState('orphan', 'aborted', 'forward', null, Date.now());
  const s = await api.waitFor('orphan', (x) => x.inFlight === 0);
  assert.equal(s.state, 'aborted');
  assert.equal(s.pending, 2, 'resolved back to pending: its data never left the source');
  assert.deepEqual(await notMoving(stack.url('ops')), [], 'nobody is left held');
  assert.ok(lines.some((l) => l.includes('campaign recovery') && l.includes('data still on source')), lines.join('\n'));
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const w = await call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: 3, notes: 'free again' } }, token);
  assert.equal(w.status, 200, JSON.stringify(w.json));
});

test('two nodes sharing one directory and campaign store: one drives, both answer status, each customer is moved once', async (t) => {
  const store = new MemoryCampaignStore();
  const directory = new MemoryDirectory();
  const a = await startStack(t, { sourceCustomers: 20, targetCustomers: 3, deps: { campaigns: store, directory, nodeId: 'node-a' } });
  const b = await startDispatcher(testConfig(a.source, a.target), { campaigns: store, directory, nodeId: 'node-b' });
  t.after(() => b.close());
  const apiA = campaignApi(a.url('ops'));
  const apiB = campaignApi(b.urls.ops!);
  assert.equal((await apiA.create({ name: 'shared', select: { all: true }, batchSize: 5, concurrency: 2 })).status, 201);
  assert.equal((await apiB.act('shared', 'start')).status, 200);
  const drivers = new Set<string>();
  const done = await apiA.waitFor('shared', (s) => {
    if (typeof s.driver === 'string') drivers.add(s.driver);
    return s.state === 'done';
  });
  assert.equal(drivers.size, 1, `one driver: ${[...drivers].join(', ')}`);
  assert.equal(done.committed, 20);
  assert.deepEqual((await apiB.status('shared')).committed, 20, 'the other node answers the same status');
  const moved = async (ops: string) => {
    const m = /^webdispatcher_campaign_customers_total\{campaign="shared",outcome="committed",step=""\} (\d+)$/m.exec(await (await fetch(`${ops}/metrics`)).text());
    return Number(m?.[1] ?? 0);
  };
  assert.equal((await moved(a.url('ops'))) + (await moved(b.urls.ops!)), 20, 'each customer was moved by one node, once');
});
