import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator, type SimulatorInstance } from '../simulator.ts';
import { login, postJson } from '../testing/sim-test-client.ts';
import { DEMO_ADMIN, DEMO_CUSTOMER, DEMO_RESELLER } from '../demo-fixtures.ts';
import { AutoLoginSigner } from './auto-login-token.ts';
import type { JsonObject } from '../../core/api-call.ts';

let source: SimulatorInstance;
let target: SimulatorInstance;
let adminToken: string;
before(async () => {
  source = await createSimulator({ role: 'source', env: 3, customers: 30 });
  target = await createSimulator({ role: 'target', env: 8, customers: 5 });
  adminToken = (await login(source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password })).access_token;
});
after(async () => {
  await source.close();
  await target.close();
});

async function mint(base: string, method: string, params: JsonObject, token = adminToken) {
  return postJson(base, `/rest/${method}`, params, token);
}

test('Customer/get_auto_login_url returns a one-time link on this system\'s portal that logs the browser in', async () => {
  const r = await mint(source.urls.admin, 'Customer/get_auto_login_url', { i_customer: DEMO_CUSTOMER.iCustomer });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const url = new URL(String(r.body.url));
  assert.equal(url.origin, source.urls.portal);
  assert.equal(url.pathname, '/auto-login');
  assert.equal(r.body.expires_in, 300);
  const claims = JSON.parse(Buffer.from(url.searchParams.get('token')!.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims.i_customer, DEMO_CUSTOMER.iCustomer);
  assert.equal(claims.i_env, 3);
  const first = await fetch(url, { redirect: 'manual' });
  assert.equal(first.status, 303);
  const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
  const home = await fetch(`${source.urls.portal}/home`, { headers: { cookie } });
  assert.match(await home.text(), /id="user-name">John Doe</);
  const second = await fetch(url, { redirect: 'manual' });
  assert.equal(second.status, 403, 'a link works once');
});

test('Account/get_auto_login_url names the account; a reseller may mint only for its own customers', async () => {
  const r = await mint(source.urls.admin, 'Account/get_auto_login_url', { i_account: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const reseller = (await login(source.urls.reseller, DEMO_RESELLER.login, { password: DEMO_RESELLER.password })).access_token;
  // John Doe has no parent: out of the reseller's scope, reported as not found.
  const refused = await mint(source.urls.reseller, 'Customer/get_auto_login_url', { i_customer: DEMO_CUSTOMER.iCustomer }, reseller);
  assert.equal(refused.status, 500);
  assert.equal(refused.body.faultcode, 'Server.Customer.customer_not_found');
  const retail = (await login(source.urls.customer, DEMO_CUSTOMER.login, { password: DEMO_CUSTOMER.password })).access_token;
  const notStaff = await postJson(source.urls.customer, '/rest/Customer/get_auto_login_url', {}, retail);
  assert.equal(notStaff.status, 500, 'retail realms do not have the method');
});

test('a link issued by one system does not log in on the other system\'s portal', async () => {
  const r = await mint(source.urls.admin, 'Customer/get_auto_login_url', { i_customer: 3 });
  const url = new URL(String(r.body.url));
  const onTarget = await fetch(`${target.urls.portal}/auto-login${url.search}`, { redirect: 'manual' });
  assert.equal(onTarget.status, 403);
  assert.match(await onTarget.text(), /not issued by this system/);
});

test('an expired link is refused', () => {
  const signer = new AutoLoginSigner();
  const { token } = signer.sign({ realm: 'customer', i_customer: 1, i_env: 3, role: 'source', issued_by: 'admin' }, Date.now() - 600_000);
  const r = signer.redeem(token);
  assert.ok('refused' in r);
  assert.match(r.refused, /expired/);
});

test('every portal page names the serving system', async () => {
  for (const sim of [source, target]) {
    const page = await (await fetch(`${sim.urls.portal}/login`)).text();
    assert.match(page, new RegExp(`data-role="${sim.role}" data-env="${sim.env}"`));
  }
});
