import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fault, login, ok, restCall, simsForSuite } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

type Row = Record<string, unknown>;

describe('sessions behave as PortaBilling\'s do', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let shortLived: RunningSimulator;

  before(async () => {
    sim = await start({ role: 'source', env: 3, seed: 1, customers: 20 });
    // 2 s, not 1: exp is whole seconds, so a 1 s session's token can be valid for only a few ms.
    shortLived = await start({ role: 'source', env: 3, seed: 1, customers: 5, sessionTtlSeconds: 2 });
  });

  test('an expired session is refused with Server.Session.check_auth.auth_failed and ping says 0', async () => {
    const s = await login(shortLived.urls.admin, { login: 'admin', password: 'demo-admin' });
    assert.ok(s.expires_in <= 2, `expires_in follows the 2 s lifetime: ${s.expires_in}`);
    ok(await restCall(shortLived.urls.admin, 'Generic/get_version', {}, s.access_token), 'call while alive');
    await sleep(2300);
    const reply = await restCall(shortLived.urls.admin, 'Generic/get_version', {}, s.access_token);
    assert.equal(reply.status, 500);
    fault(reply, 'Server.Session.check_auth.auth_failed');
    assert.deepEqual(ok(await restCall(shortLived.urls.admin, 'Session/ping', { access_token: s.access_token })), { user_id: 0 });
  });

  test('refresh_access_token rotates the refresh token: the old one is refused afterwards', async () => {
    const s = await login(sim.urls.account, { login: '15551230001', password: 'demo-john' });
    const first = ok(await restCall(sim.urls.account, 'Session/refresh_access_token', { refresh_token: s.refresh_token }), 'refresh');
    assert.equal(typeof first['access_token'], 'string');
    ok(await restCall(sim.urls.account, 'Account/get_account_info', {}, first['access_token'] as string), 'call with the refreshed token');
    const again = await restCall(sim.urls.account, 'Session/refresh_access_token', { refresh_token: s.refresh_token });
    assert.equal(again.status, 500);
    fault(again, 'Server.Session.check_auth.auth_failed');
  });

  test('logout by session id in auth_info ends the session for every credential form', async () => {
    const s = await login(sim.urls.admin, { login: 'admin', password: 'demo-admin' });
    ok(await restCall(sim.urls.admin, 'Session/logout', { access_token: s.access_token }), 'logout');
    fault(await restCall(sim.urls.admin, 'Generic/get_version', {}, s.access_token), 'Server.Session.check_auth.auth_failed');
    assert.deepEqual(ok(await restCall(sim.urls.admin, 'Session/ping', { access_token: s.access_token })), { user_id: 0 });
  });

  test('repeated failed logins lock the login out with Server.Session.cannot_login_brute_force_activity', async () => {
    for (let i = 0; i < 5; i++) {
      fault(await restCall(sim.urls.reseller, 'Session/login', { login: 'reseller2', password: `wrong-${i}` }), 'Server.Session.auth_failed');
    }
    const locked = await restCall(sim.urls.reseller, 'Session/login', { login: 'reseller2', password: 'demo-reseller2' });
    assert.equal(locked.status, 500);
    fault(locked, 'Server.Session.cannot_login_brute_force_activity');
    await login(sim.urls.reseller, { login: 'reseller1', password: 'demo-reseller' });
  });
});

describe('lists, lookups and not-found faults', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let token: string;
  const call = (sm: string, params: Row) => restCall(sim.urls.admin, sm, params, token);

  before(async () => {
    sim = await start({ role: 'source', env: 3, seed: 1, customers: 30 });
    token = (await login(sim.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
  });

  test('get_customer_list pages with limit/offset and get_total counts every customer', async () => {
    const all = ok(await call('Customer/get_customer_list', { get_total: 1, limit: 1000 }));
    const rows = all['customer_list'] as Row[];
    assert.equal(all['total'], rows.length);
    const page1 = ok(await call('Customer/get_customer_list', { limit: 7, offset: 0, get_total: 1 }));
    const page2 = ok(await call('Customer/get_customer_list', { limit: 7, offset: 7 }));
    assert.equal(page1['total'], rows.length);
    const ids = [...(page1['customer_list'] as Row[]), ...(page2['customer_list'] as Row[])].map((r) => r['i_customer']);
    assert.equal(ids.length, 14);
    assert.deepEqual(ids, rows.slice(0, 14).map((r) => r['i_customer']), 'pages are consecutive slices of one order');
  });

  test('get_customer_list filters login with a % pattern', async () => {
    const rows = ok(await call('Customer/get_customer_list', { login: 'cust1%', limit: 1000 }))['customer_list'] as Row[];
    assert.ok(rows.length > 0);
    for (const r of rows) assert.match(r['login'] as string, /^cust1/);
  });

  test('get_customer_info finds the same customer by i_customer, login, name and refnum', async () => {
    const byId = ok(await call('Customer/get_customer_info', { i_customer: 7 }))['customer_info'] as Row;
    for (const key of ['login', 'name', 'refnum']) {
      assert.deepEqual(ok(await call('Customer/get_customer_info', { [key]: byId[key] }))['customer_info'], byId, `by ${key}`);
    }
    assert.deepEqual(ok(await call('Customer/get_customer_info', { customer_info: { login: byId['login'] } }))['customer_info'], byId, 'locator inside customer_info');
  });

  test('get_account_info finds the same account by i_account, id and login', async () => {
    const byId = ok(await call('Account/get_account_info', { i_account: 19 }))['account_info'] as Row;
    assert.deepEqual(ok(await call('Account/get_account_info', { id: byId['id'] }))['account_info'], byId);
    assert.deepEqual(ok(await call('Account/get_account_info', { login: 'alice' }))['account_info'], byId);
  });

  test('get_xdr_list honours from_date/to_date', async () => {
    const all = ok(await call('Account/get_xdr_list', { i_account: 19, from_date: '2000-01-01 00:00:00', to_date: '2100-01-01 00:00:00', get_total: 1 }));
    const rows = all['xdr_list'] as Row[];
    assert.ok(rows.length >= 2, 'alice has xDRs');
    const times = rows.map((r) => r['connect_time'] as string).sort();
    const mid = times[Math.floor(times.length / 2)]!;
    const late = ok(await call('Account/get_xdr_list', { i_account: 19, from_date: mid, to_date: '2100-01-01 00:00:00', get_total: 1 }));
    for (const r of late['xdr_list'] as Row[]) assert.ok((r['connect_time'] as string) >= mid);
    assert.ok((late['total'] as number) < (all['total'] as number));
    fault(await call('Account/get_xdr_list', { i_account: 19, from_date: 'yesterday-ish' }), 'Client.validation_error');
  });

  test('each entity has its own not-found fault, sent as HTTP 500', async () => {
    for (const [sm, params, code] of [
      ['Customer/get_customer_info', { i_customer: 999_999_999 }, 'Server.Customer.customer_not_found'],
      ['Customer/get_customer_info', { login: 'nobody-here' }, 'Server.Customer.customer_not_found'],
      ['Account/get_account_info', { i_account: 999_999_999 }, 'Server.Account.account_not_found'],
      ['Account/get_account_info', { id: '10000000000000' }, 'Server.Account.account_not_found'],
      ['Product/get_product_info', { i_product: 999 }, 'Server.Product.product_not_found'],
      ['CustomerClass/get_customer_class_info', { i_customer_class: 999 }, 'Server.CustomerClass.customer_class_not_found'],
    ] as const) {
      const reply = await call(sm, params);
      assert.equal(reply.status, 500, `${sm} ${JSON.stringify(params)}`);
      fault(reply, code, `${sm} ${JSON.stringify(params)}`);
    }
  });

  test('get_customer_list with i_main_customer (as WebTrit sends it) lists only that customer\'s offices', async () => {
    const reply = ok(await call('Customer/get_customer_list', { skip_exported: 1, i_main_customer: 7, i_office_type: 2, get_total: 1 }));
    const rows = reply['customer_list'] as Row[];
    assert.ok(rows.length > 0, 'customer 7 has branch offices on the source');
    assert.equal(reply['total'], rows.length);
    for (const r of rows) {
      // PortaBilling's customer_info names the main office i_main_office (the filter WebTrit sends is i_main_customer).
      assert.equal(r['i_main_office'], 7, `customer ${String(r['i_customer'])} is not an office of 7`);
      assert.equal(r['i_office_type'], 2, `customer ${String(r['i_customer'])} is not a branch office`);
    }
    const order = rows.map((r) => r['i_customer'] as number);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'listed by i_customer ascending');
    const everyone = ok(await call('Customer/get_customer_list', { get_total: 1 }));
    assert.ok((everyone['total'] as number) > rows.length, 'the filter narrows the list');
  });
});
