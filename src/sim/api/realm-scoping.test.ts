import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator, type SimulatorInstance } from '../simulator.ts';
import { login, postJson } from '../testing/sim-test-client.ts';
import type { JsonObject } from '../../core/api-call.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER, DEMO_RESELLER, DEMO_RESELLER_2 } from '../demo-fixtures.ts';

let sim: SimulatorInstance;
let other: { i_customer: number; login: string; name: string; refnum: string; i_account: number; id: string; accountLogin: string };

before(async () => {
  sim = await createSimulator({ role: 'source', env: 3, customers: 40 });
  const adm = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const c = (await postJson(sim.urls.admin, '/rest/Customer/get_customer_info', { i_customer: 7 }, adm.access_token)).body.customer_info as JsonObject;
  const a = ((await postJson(sim.urls.admin, '/rest/Account/get_account_list', { i_customer: 7 }, adm.access_token)).body.account_list as JsonObject[])[0] as JsonObject;
  other = { i_customer: 7, login: String(c.login), name: String(c.name), refnum: String(c.refnum), i_account: Number(a.i_account), id: String(a.id), accountLogin: String(a.login) };
});
after(() => sim.close());

test('a customer session cannot read or change another customer by any method', async () => {
  const base = sim.urls.customer;
  const s = await login(base, DEMO_CUSTOMER.login, { password: DEMO_CUSTOMER.password });
  const own = await postJson(base, '/rest/Customer/get_customer_info', {}, s.access_token);
  assert.equal((own.body.customer_info as JsonObject).i_customer, DEMO_CUSTOMER.iCustomer);
  const denied: [string, JsonObject][] = [
    ['Customer/get_customer_info', { i_customer: other.i_customer }],
    ['Customer/get_customer_info', { login: other.login }],
    ['Customer/get_customer_info', { name: other.name }],
    ['Customer/get_customer_info', { refnum: other.refnum }],
    ['Customer/get_customer_xdrs', { i_customer: other.i_customer }],
    ['Customer/get_vd_counter_list', { i_customer: other.i_customer }],
    ['Customer/update_customer', { customer_info: { i_customer: other.i_customer, notes: 'hacked' } }],
    ['Account/get_account_info', { i_account: other.i_account }],
    ['Account/get_account_info', { id: other.id }],
    ['Account/get_account_info', { login: other.accountLogin }],
    ['Account/get_account_list', { i_customer: other.i_customer }],
    ['Account/get_xdr_list', { i_account: other.i_account }],
    ['Account/update_account', { account_info: { i_account: other.i_account, note: 'hacked' } }],
    ['Account/add_account', { account_info: { i_customer: other.i_customer, id: '19990000001' } }],
    ['Invoice/get_invoice_list', { i_customer: other.i_customer }],
    ['Subscription/get_subscription_list', { i_customer: other.i_customer }],
  ];
  for (const [method, params] of denied) {
    const r = await postJson(base, `/rest/${method}`, params, s.access_token);
    assert.equal(r.status, 500, `${method} ${JSON.stringify(params)}`);
    assert.match(String(r.body.faultcode), /not_found$/, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r.body)}`);
  }
  const list = await postJson(base, '/rest/Customer/get_customer_list', { get_total: 1 }, s.access_token);
  assert.deepEqual((list.body.customer_list as JsonObject[]).map((c) => c.i_customer), [DEMO_CUSTOMER.iCustomer]);
  assert.equal(list.body.total, 1);
  const sip = await postJson(sim.urls.portasip, '/portasip/Voicemail/get_settings', { i_account: other.i_account }, s.access_token);
  assert.equal(sip.body.faultcode, 'Server.PortaSIP.account_not_found');
  const ownSip = await postJson(sim.urls.portasip, '/portasip/Voicemail/get_settings', { i_account: DEMO_ACCOUNT.iAccount }, s.access_token);
  assert.equal(ownSip.status, 200);
  const admin = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const untouched = await postJson(sim.urls.admin, '/rest/Customer/get_customer_info', { i_customer: other.i_customer }, admin.access_token);
  assert.equal((untouched.body.customer_info as JsonObject).notes, '');
});

test('an account session sees only itself', async () => {
  const base = sim.urls.account;
  const s = await login(base, DEMO_ACCOUNT.id, { password: DEMO_ACCOUNT.password });
  const own = await postJson(base, '/rest/Account/get_account_info', {}, s.access_token);
  assert.equal((own.body.account_info as JsonObject).i_account, DEMO_ACCOUNT.iAccount);
  assert.equal((own.body.account_info as JsonObject).password, undefined, 'retail views hide passwords');
  for (const [method, params] of [
    ['Account/get_account_info', { i_account: other.i_account }],
    ['Account/get_xdr_list', { i_account: other.i_account }],
    ['Customer/get_customer_info', { i_customer: other.i_customer }],
  ] as [string, JsonObject][]) {
    const r = await postJson(base, `/rest/${method}`, params, s.access_token);
    assert.match(String(r.body.faultcode), /not_found$/, method);
  }
  const list = await postJson(base, '/rest/Account/get_account_list', {}, s.access_token);
  assert.deepEqual((list.body.account_list as JsonObject[]).map((a) => a.i_account), [DEMO_ACCOUNT.iAccount]);
  const xdrs = await postJson(base, '/rest/Account/get_xdr_list', { limit: 5 }, s.access_token);
  assert.ok((xdrs.body.xdr_list as JsonObject[]).every((x) => x.i_account === DEMO_ACCOUNT.iAccount));
});

test('a reseller sees only customers whose i_parent is itself', async () => {
  const base = sim.urls.reseller;
  const s = await login(base, DEMO_RESELLER.login, { password: DEMO_RESELLER.password });
  const list = await postJson(base, '/rest/Customer/get_customer_list', { get_total: 1 }, s.access_token);
  const rows = list.body.customer_list as JsonObject[];
  assert.ok(rows.length > 0);
  assert.ok(rows.every((c) => c.i_parent === DEMO_RESELLER.iCustomer));
  const admin = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const all = (await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', {}, admin.access_token)).body.customer_list as JsonObject[];
  const foreign = all.find((c) => c.i_parent === DEMO_RESELLER_2.iCustomer);
  assert.ok(foreign, 'the seed gives reseller2 customers too');
  const r = await postJson(base, '/rest/Customer/get_customer_info', { i_customer: Number(foreign.i_customer) }, s.access_token);
  assert.equal(r.body.faultcode, 'Server.Customer.customer_not_found');
  const added = await postJson(base, '/rest/Customer/add_customer', { customer_info: { name: 'Reseller Added', i_parent: DEMO_RESELLER_2.iCustomer } }, s.access_token);
  const info = await postJson(base, '/rest/Customer/get_customer_info', { i_customer: Number(added.body.i_customer) }, s.access_token);
  assert.equal((info.body.customer_info as JsonObject).i_parent, DEMO_RESELLER.iCustomer, 'a reseller always creates its own customers');
});

test('a retail session is refused on another realm listener', async () => {
  const s = await login(sim.urls.customer, DEMO_CUSTOMER.login, { password: DEMO_CUSTOMER.password });
  const r = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', {}, s.access_token);
  assert.equal(r.body.faultcode, 'Server.Session.check_auth.auth_failed');
});

test('records created later keep the role parity', async () => {
  const admin = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const c = await postJson(sim.urls.admin, '/rest/Customer/add_customer', { customer_info: { name: 'Parity Check', login: 'parity.check' } }, admin.access_token);
  assert.equal(Number(c.body.i_customer) % 2, 1);
  const a = await postJson(sim.urls.admin, '/rest/Account/add_account', { account_info: { i_customer: Number(c.body.i_customer), id: '17770000001', password: 'pw' } }, admin.access_token);
  assert.equal(Number(a.body.i_account) % 2, 1);
  const target = await createSimulator({ role: 'target', env: 8, customers: 5 });
  try {
    const t = await login(target.urls.admin, 'admin', { token: DEMO_ADMIN.token });
    const tc = await postJson(target.urls.admin, '/rest/Customer/add_customer', { customer_info: { name: 'Target Made' } }, t.access_token);
    assert.equal(Number(tc.body.i_customer) % 2, 0);
    const ta = await postJson(target.urls.admin, '/rest/Account/add_account', { account_info: { i_customer: Number(tc.body.i_customer), id: '17770000002' } }, t.access_token);
    assert.equal(Number(ta.body.i_account) % 2, 0);
    const johnThere = await postJson(target.urls.admin, '/rest/Customer/get_customer_info', { login: DEMO_CUSTOMER.login }, t.access_token);
    assert.equal(johnThere.body.faultcode, 'Server.Customer.customer_not_found', 'John Doe is seeded on the source only');
  } finally {
    await target.close();
  }
});
