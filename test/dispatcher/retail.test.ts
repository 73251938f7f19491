import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { apiCallsSeen, callAs, loginFull, startSpiedStack, STYLES } from './support.ts';
import type { SpiedStack } from './support.ts';

test('a customer and an account of the source log in where they live and their calls stay there', async (t) => {
  const stack = await startSpiedStack(t);
  for (const [realm, login, iCustomer] of [['customer', DEMO_CUSTOMER.login, DEMO_CUSTOMER.iCustomer], ['account', DEMO_ACCOUNT.login, DEMO_CUSTOMER.iCustomer]] as const) {
    const url = stack.url(realm);
    const creds = await loginFull(url, { login, password: DEMO_CUSTOMER.password });
    assert.equal(creds.headers.get('x-webdispatcher-missing-system'), null, 'a retail login has no missing-system marker');
    const ctx = await callAs('json', url, 'Session/get_session_context', {}, creds);
    assert.equal(ctx.json.system, 'source', ctx.text);
    assert.equal(ctx.json.i_env, 3);
    const service = realm === 'customer' ? 'Customer/get_customer_info' : 'Account/get_account_info';
    for (const style of STYLES) {
      const r = await callAs(style, url, service, {}, creds);
      assert.equal(r.status, 200, `${realm} ${style}: ${r.text}`);
      const info = (r.json.customer_info ?? r.json.account_info) as { i_customer: number };
      assert.equal(info.i_customer, iCustomer);
    }
  }
  assert.equal(apiCallsSeen(stack, 'target').length, 0, 'no retail call reached the target');
});

test('a customer created on the target logs in there', async (t) => {
  const stack = await startSpiedStack(t);
  const c = stack.target.system.store.getCustomer(2);
  assert.ok(c, 'target customer 2 is seeded');
  const url = stack.url('customer');
  const creds = await loginFull(url, { login: c.login, password: c.password });
  const r = await callAs('path', url, 'Customer/get_customer_info', {}, creds);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json.customer_info as { i_env: number; i_customer: number }).i_env, 8);
  assert.equal(apiCallsSeen(stack, 'source').length, 0, 'nothing reached the source');
});

test('John Doe\'s account logs in on the target after his move, with the same credentials', async (t) => {
  const stack = await startSpiedStack(t);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const url = stack.url('account');
  const creds = await loginFull(url, { login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password });
  const ctx = await callAs('json', url, 'Session/get_session_context', {}, creds);
  assert.equal(ctx.json.system, 'target', ctx.text);
  const r = await callAs('form', url, 'Account/get_account_info', {}, creds);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json.account_info as { i_account: number }).i_account, DEMO_ACCOUNT.iAccount);
  const before = apiCallsSeen(stack, 'source').length;
  const x = await callAs('json', url, 'Account/get_xdr_list', { limit: 5 }, creds);
  assert.equal(x.status, 200, x.text);
  assert.equal(apiCallsSeen(stack, 'source').length, before, 'the moved account\'s calls never reach the source');
});

test('nothing a retail session sends reaches the other system', async (t) => {
  const stack = await startSpiedStack(t);
  const url = stack.url('customer');
  const creds = await loginFull(url, { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password });
  const attempts: Array<[string, unknown]> = [
    ['Customer/get_customer_info', { i_env: 8 }],
    ['Customer/get_customer_info', { i_customer: 2 }],
    ['Customer/get_customer_info', { i_customer: 4, i_env: 8 }],
    ['Customer/update_customer', { customer_info: { i_customer: 2, notes: 'retail was here' } }],
    ['Account/get_account_info', { i_account: 2 }],
    ['Account/get_account_info', { account_info: { i_account: 6 } }],
    ['Customer/get_customer_list', { limit: 5 }],
    ['Env/get_env_info', { i_env: 8 }],
    ['Voicemail/get_settings', { i_account: 2 }],
  ];
  for (const style of STYLES) {
    for (const [sm, params] of attempts) {
      const r = await callAs(style, url, sm, params, creds);
      if (r.status === 200) {
        assert.doesNotMatch(r.text, /"i_env":8/, `${style} ${sm} ${JSON.stringify(params)} answered with target data: ${r.text.slice(0, 200)}`);
      } else {
        assert.equal(r.status, 500, r.text);
        assert.notEqual(r.json.faultcode, 'Server.Dispatcher.ambiguous_location');
      }
    }
  }
  // auth_info carrying the target's i_env (form style).
  const form = new URLSearchParams({ auth_info: JSON.stringify({ session_id: creds.session_id, i_env: 8 }), params: '{}' });
  const r = await fetch(`${url}/rest/Env/get_env_info`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const text = await r.text();
  assert.doesNotMatch(text, /"i_env":8/, text);

  assert.equal(stack.seen.filter((s) => s.system === 'target' && s.path !== '/rest/Session/login').length, 0,
    `the target received: ${stack.seen.filter((s) => s.system === 'target').map((s) => `${s.path} ${s.body}`).join('; ')}`);
  const ctx = await callAs('json', url, 'Session/get_session_context', {}, creds);
  assert.equal(ctx.json.system, 'source', 'still pinned');
  const setCtx = await callAs('json', url, 'Session/set_session_context', { i_env: 8 }, creds);
  assert.equal(setCtx.status, 500, 'a retail session cannot change its context');
  assert.equal(stack.target.system.writeLog.entriesOf(2).applied_count, 0);
});

/** Sets a directory entry through the ops API, as an operator would. */
async function putLocation(stack: SpiedStack, iCustomer: number, record: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${stack.url('ops')}/v1/locations/customers/${iCustomer}`, {
    method: 'PUT', headers: { authorization: 'Bearer demo-ops-token', 'content-type': 'application/json' }, body: JSON.stringify(record),
  });
  assert.equal(r.status, 200, await r.text());
}

const loginsSeen = (stack: SpiedStack, system: 'source' | 'target', what = 'login') =>
  stack.seen.filter((s) => s.system === system && s.path === `/rest/Session/${what}`).length;

test('a retail user whose login the directory knows logs in on that system only: a customer by its login, an account by its id', async (t) => {
  const stack = await startSpiedStack(t);
  await putLocation(stack, DEMO_CUSTOMER.iCustomer, { system: 'source', login: DEMO_CUSTOMER.login, accounts: [{ i_account: DEMO_ACCOUNT.iAccount, id: DEMO_ACCOUNT.id }] });
  const customer = await loginFull(stack.url('customer'), { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password });
  assert.equal((await callAs('json', stack.url('customer'), 'Session/get_session_context', {}, customer)).json.system, 'source');
  const account = await loginFull(stack.url('account'), { login: DEMO_ACCOUNT.id, password: DEMO_ACCOUNT.password });
  assert.equal((await callAs('json', stack.url('account'), 'Session/get_session_context', {}, account)).json.system, 'source');
  assert.equal(loginsSeen(stack, 'target'), 0, 'the target was not tried first');
  assert.equal(loginsSeen(stack, 'source'), 2);
});

test('a retail login is refused where the directory places the user\'s customer elsewhere, after trying that system too', async (t) => {
  const stack = await startSpiedStack(t);
  // The login key points at the source, the customer the source names is placed on the target.
  await putLocation(stack, 999, { system: 'source', login: DEMO_CUSTOMER.login });
  await putLocation(stack, DEMO_CUSTOMER.iCustomer, { system: 'target' });
  const r = await callAs('json', stack.url('customer'), 'Session/login', { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password });
  assert.equal(r.status, 500, r.text);
  assert.equal(r.json.access_token, undefined);
  assert.equal(loginsSeen(stack, 'source'), 1);
  assert.equal(loginsSeen(stack, 'source', 'logout'), 1, 'the source session of a user placed elsewhere is ended');
  assert.equal(loginsSeen(stack, 'target'), 1, 'the system the directory places the customer on is tried');
});
