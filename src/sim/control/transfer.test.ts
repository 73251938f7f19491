import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson, send } from '../testing/sim-test-client.ts';
import type { JsonObject } from '../../core/api-call.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../demo-fixtures.ts';

const strip = (o: JsonObject): JsonObject => {
  const { i_env: _e, migration_status: _m, moved_at: _a, moved_to: _t, ...rest } = o;
  return rest;
};

async function snapshot(base: string, sip: string, token: string, iCustomer: number): Promise<JsonObject> {
  const call = async (path: string, params: JsonObject, url = base): Promise<JsonObject> => {
    const r = await postJson(url, path, params, token);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const customer = strip((await call('/rest/Customer/get_customer_info', { i_customer: iCustomer })).customer_info as JsonObject);
  const accounts = ((await call('/rest/Account/get_account_list', { i_customer: iCustomer })).account_list as JsonObject[]).map(strip);
  const perAccount: JsonObject[] = [];
  for (const a of accounts) {
    const i_account = Number(a.i_account);
    perAccount.push({
      xdrs: (await call('/rest/Account/get_xdr_list', { i_account })).xdr_list ?? null,
      voicemail: (await call('/portasip/Voicemail/get_settings', { i_account }, sip)).voicemail_settings ?? null,
      menu: (await call('/portasip/AutoAttendant/get_menu', { i_account }, sip)).menu ?? null,
      rooms: (await call('/portasip/Conference/get_room_list', { i_account }, sip)).room_list ?? null,
    });
  }
  return {
    customer,
    accounts,
    perAccount,
    invoices: (await call('/rest/Invoice/get_invoice_list', { i_customer: iCustomer })).invoice_list ?? null,
    subscriptions: (await call('/rest/Subscription/get_subscription_list', { i_customer: iCustomer })).subscription_list ?? null,
    counters: (await call('/rest/Customer/get_vd_counter_list', { i_customer: iCustomer })).counter_list ?? null,
  };
}

test('a transfer source → target → source keeps every field and moves ownership each way', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 4 });
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 4 });
  t.after(async () => {
    await source.close();
    await target.close();
  });
  const sa = await login(source.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const ta = await login(target.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  const id = DEMO_CUSTOMER.iCustomer;
  // Make PortaSIP and record state non-default so the copy is really checked.
  assert.equal((await postJson(source.urls.portasip, '/portasip/Voicemail/update_settings', { i_account: DEMO_ACCOUNT.iAccount, email: 'vm@example.com', pin: '4321' }, sa.access_token)).status, 200);
  assert.equal((await postJson(source.urls.portasip, '/portasip/Conference/add_room', { i_account: DEMO_ACCOUNT.iAccount, name: 'Weekly' }, sa.access_token)).status, 200);
  assert.equal((await postJson(source.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: id, notes: 'before move' } }, sa.access_token)).status, 200);
  const before = await snapshot(source.urls.admin, source.urls.portasip, sa.access_token, id);
  assert.equal((await postJson(target.urls.admin, '/rest/Customer/get_customer_info', { i_customer: id }, ta.access_token)).body.faultcode, 'Server.Customer.customer_not_found');

  const moved = await send(source.urls.admin, '/sim/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: id, target: target.urls.admin }) });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.ok, true);

  const onTarget = await snapshot(target.urls.admin, target.urls.portasip, ta.access_token, id);
  assert.deepEqual(onTarget, before);
  const info = (await postJson(target.urls.admin, '/rest/Customer/get_customer_info', { i_customer: id }, ta.access_token)).body.customer_info as JsonObject;
  assert.equal(info.i_env, 8);
  assert.equal(info.migration_status, undefined);

  const stale = (await postJson(source.urls.admin, '/rest/Customer/get_customer_list', { login: DEMO_CUSTOMER.login }, sa.access_token)).body.customer_list as JsonObject[];
  assert.equal(stale[0]?.migration_status, 'moved');
  const refused = await postJson(source.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: id, notes: 'lost?' } }, sa.access_token);
  assert.equal(refused.body.faultcode, 'Server.Customer.customer_moved');
  const refusedAccount = await postJson(source.urls.admin, '/rest/Account/update_account', { account_info: { i_account: DEMO_ACCOUNT.iAccount, note: 'lost?' } }, sa.access_token);
  assert.equal(refusedAccount.body.faultcode, 'Server.Customer.customer_moved');
  assert.equal((await postJson(source.urls.portasip, '/portasip/Voicemail/get_settings', { i_account: DEMO_ACCOUNT.iAccount }, sa.access_token)).body.faultcode, 'Server.PortaSIP.account_not_found');
  assert.equal((await postJson(source.urls.customer, '/rest/Session/login', { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password })).body.faultcode, 'Server.Session.auth_failed');
  assert.equal((await postJson(target.urls.customer, '/rest/Session/login', { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password })).status, 200);
  assert.equal((await postJson(target.urls.account, '/rest/Session/login', { login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password })).status, 200);

  const log = await send(source.urls.admin, `/sim/write-log?i_customer=${id}`, { method: 'GET' });
  assert.equal(log.body.refused_count, 2);
  assert.deepEqual((log.body.refused as JsonObject[]).map((e) => e.method), ['Customer/update_customer', 'Account/update_account']);

  assert.equal((await postJson(target.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: id, notes: 'changed on target' } }, ta.access_token)).status, 200);
  const newAccount = await postJson(target.urls.admin, '/rest/Account/add_account', { account_info: { i_customer: id, id: '15551230099', password: 'x' } }, ta.access_token);
  assert.equal(Number(newAccount.body.i_account) % 2, 0, 'an account created on the target is even');
  const onTargetLater = await snapshot(target.urls.admin, target.urls.portasip, ta.access_token, id);

  const back = await send(target.urls.admin, '/sim/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: id, target: source.urls.admin }) });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  const home = await snapshot(source.urls.admin, source.urls.portasip, sa.access_token, id);
  assert.deepEqual(home, onTargetLater);
  assert.equal((home.customer as JsonObject).notes, 'changed on target');
  const homeInfo = (await postJson(source.urls.admin, '/rest/Customer/get_customer_info', { i_customer: id }, sa.access_token)).body.customer_info as JsonObject;
  assert.equal(homeInfo.migration_status, undefined);
  assert.equal((await postJson(source.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: id, notes: 'home again' } }, sa.access_token)).status, 200);
  const targetStale = (await postJson(target.urls.admin, '/rest/Customer/get_customer_info', { i_customer: id }, ta.access_token)).body.customer_info as JsonObject;
  assert.equal(targetStale.migration_status, 'moved');
  assert.equal((await postJson(target.urls.admin, '/rest/Account/get_account_info', { i_account: Number(newAccount.body.i_account) }, ta.access_token)).body.account_info !== undefined, true);
  assert.equal((await postJson(source.urls.admin, '/rest/Account/get_account_info', { id: '15551230099' }, sa.access_token)).status, 200, 'the target-made account came along');
});

test('a transfer to an unreachable target fails and leaves the customer writable', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => source.close());
  const r = await send(source.urls.admin, '/sim/transfer', { method: 'POST', body: JSON.stringify({ i_customer: 3, target: 'http://127.0.0.1:1' }) });
  assert.equal(r.status, 500);
  assert.equal(r.body.faultcode, 'Server.Sim.transfer_failed');
  const s = await login(source.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  assert.equal((await postJson(source.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: 3, notes: 'still mine' } }, s.access_token)).status, 200);
  const log = await send(source.urls.admin, '/sim/write-log?i_customer=3', { method: 'GET' });
  assert.equal(log.body.applied_count, 1);
  assert.deepEqual((log.body.applied as JsonObject[])[0]?.fields, { notes: 'still mine' });
});
