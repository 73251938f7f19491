import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { apiCallsSeen, callAs, loginFull, startSpiedStack, STYLES, type SpiedStack } from './support.ts';

const envOf = (json: Record<string, unknown>): unknown => ((json.customer_info ?? json.env_info) as { i_env?: unknown } | undefined)?.i_env;

/** Which systems received API calls (not Session/*) since `from`. */
function systemsSince(stack: SpiedStack, from: number): string[] {
  return [...new Set(stack.seen.slice(from).filter((r) => !r.path.startsWith('/rest/Session/')).map((r) => r.system))].sort();
}

for (const style of STYLES) {
  test(`${style} style: calls go to the location of the customer or account they name`, async (t) => {
    const stack = await startSpiedStack(t, { config: { routing: { unknownOdd: 'discover' } } });
    const admin = stack.url('admin');
    const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
    const target2 = stack.target.system.store.getCustomer(2)!;
    const cases: Array<[string, string, unknown, 'source' | 'target']> = [
      ['top-level i_customer (source)', 'Customer/get_customer_info', { i_customer: 1 }, 'source'],
      ['top-level i_customer (target)', 'Customer/get_customer_info', { i_customer: 2 }, 'target'],
      ['top-level i_account (target)', 'Account/get_account_info', { i_account: 2 }, 'target'],
      ['i_customer in customer_info', 'Customer/update_customer', { customer_info: { i_customer: 2, notes: `routed ${style}` } }, 'target'],
      ['i_account in account_info', 'Account/update_account', { account_info: { i_account: 2, note: `routed ${style}` } }, 'target'],
      ['i_customer in account_info', 'Account/get_account_list', { account_info: { i_customer: 2 } }, 'target'],
      ['account by id', 'Account/get_account_info', { id: DEMO_ACCOUNT.id }, 'source'],
      ['account by id (target)', 'Account/get_account_info', { id: stack.target.system.store.getAccount(2)!.id }, 'target'],
      ['account by login', 'Account/get_account_info', { login: DEMO_ACCOUNT.login }, 'source'],
      ['customer by login (target)', 'Customer/get_customer_info', { login: target2.login }, 'target'],
      ['customer by name (target)', 'Customer/get_customer_info', { name: target2.name }, 'target'],
      ['customer by refnum (target)', 'Customer/get_customer_info', { refnum: target2.refnum }, 'target'],
      ['customer by login (source)', 'Customer/get_customer_info', { login: DEMO_CUSTOMER.login }, 'source'],
    ];
    for (const [what, sm, params, where] of cases) {
      const from = stack.seen.length;
      const r = await callAs(style, admin, sm, params, creds);
      assert.equal(r.status, 200, `${what}: ${r.text}`);
      const last = stack.seen.slice(from).filter((x) => x.path === `/rest/${sm}`).at(-1);
      assert.equal(last?.system, where, `${what} ran on ${last?.system}`);
      if (sm === 'Customer/get_customer_info') assert.equal(envOf(r.json), where === 'source' ? 3 : 8);
    }
    assert.equal(stack.target.system.writeLog.entriesOf(2).applied_count, 2, 'both writes landed on the target');
    assert.equal(stack.source.system.writeLog.entriesOf(2).applied_count, 0);
  });
}

test('a call naming records on two systems is refused and reaches no backend', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  for (const style of STYLES) {
    const from = stack.seen.length;
    for (const params of [{ i_customer: 2, i_account: 1 }, { i_customer: 1, account_info: { i_account: 4 } }]) {
      const r = await callAs(style, admin, 'Account/get_account_info', params, creds);
      assert.equal(r.status, 500, r.text);
      assert.equal(r.json.faultcode, 'Server.Dispatcher.ambiguous_location', r.text);
      assert.match(String(r.json.faultstring), /source/);
      assert.match(String(r.json.faultstring), /target/);
    }
    assert.deepEqual(systemsSince(stack, from), [], `${style}: nothing reached a backend`);
  }
});

test('a bad id is refused with a clear fault before any backend', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const from = stack.seen.length;
  const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 'drop table' }, creds);
  assert.equal(r.status, 500);
  assert.match(String(r.json.faultcode), /bad_request/);
  assert.match(String(r.json.faultstring), /i_customer/);
  assert.deepEqual(systemsSince(stack, from), []);
});

test('a moved customer is found by id, by account and by account key on the target', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  for (const [sm, params] of [
    ['Customer/get_customer_info', { i_customer: 1 }],
    ['Account/get_account_info', { i_account: DEMO_ACCOUNT.iAccount }],
    ['Account/get_account_info', { id: DEMO_ACCOUNT.id }],
    ['Customer/get_customer_xdrs', { customer_info: { i_customer: 1 }, limit: 3 }],
  ] as const) {
    const from = stack.seen.length;
    const r = await callAs('form', admin, sm, params, creds);
    assert.equal(r.status, 200, `${sm} ${JSON.stringify(params)}: ${r.text}`);
    assert.deepEqual(systemsSince(stack, from), ['target'], `${sm} ${JSON.stringify(params)}`);
  }
});

test('a moved customer is found by login on the target', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const from = stack.seen.length;
  const r = await callAs('json', admin, 'Customer/get_customer_info', { login: DEMO_CUSTOMER.login }, creds);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(systemsSince(stack, from), ['target']);
  assert.equal(envOf(r.json), 8);
});

for (const style of STYLES) {
  test(`${style} style: an i_env switches the context (sticky) and get/set_session_context answer from the dispatcher`, async (t) => {
    const stack = await startSpiedStack(t);
    const admin = stack.url('admin');
    const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
    const ctx0 = await callAs(style, admin, 'Session/get_session_context', {}, creds);
    assert.equal(ctx0.status, 200, ctx0.text);
    assert.equal(ctx0.json.i_env, 3, 'default context: source');

    const sw = await callAs(style, admin, 'Env/get_env_info', { i_env: 8 }, creds);
    assert.equal(envOf(sw.json), 8, sw.text);
    const sticky = await callAs(style, admin, 'Env/get_env_info', {}, creds);
    assert.equal(envOf(sticky.json), 8, `sticky: ${sticky.text}`);
    const ctx1 = await callAs(style, admin, 'Session/get_session_context', {}, creds);
    assert.equal(ctx1.json.i_env, 8);
    assert.equal(ctx1.json.system, 'target');
    // A locator still wins over the context.
    const loc = await callAs(style, admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
    assert.equal(envOf(loc.json), 3);
    assert.equal(envOf((await callAs(style, admin, 'Env/get_env_info', {}, creds)).json), 8, 'a locator does not move the context');

    const set = await callAs(style, admin, 'Session/set_session_context', { i_env: 3 }, creds);
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.i_env, 3);
    assert.equal(envOf((await callAs(style, admin, 'Env/get_env_info', {}, creds)).json), 3);
    const bad = await callAs(style, admin, 'Session/set_session_context', { i_env: 99 }, creds);
    assert.equal(bad.status, 500);
    assert.ok(String(bad.json.faultstring).length > 0);
    // The context is the session's, not the connection's: the other styles see it too.
    for (const other of STYLES) assert.equal((await callAs(other, admin, 'Session/get_session_context', {}, creds)).json.i_env, 3);
    assert.ok(!stack.seen.some((r) => r.path.includes('session_context')), 'session context calls are answered by the dispatcher');
  });
}

test('an i_env in auth_info switches the context too', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const form = new URLSearchParams({ auth_info: JSON.stringify({ session_id: creds.session_id, i_env: 8 }), params: '{}' });
  const r = await fetch(`${admin}/rest/Env/get_env_info`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(envOf(json), 8, JSON.stringify(json));
  const ctx = await callAs('json', admin, 'Session/get_session_context', {}, creds);
  assert.equal(ctx.json.system, 'target');
  const forwarded = stack.seen.filter((s) => s.path === '/rest/Env/get_env_info').at(-1);
  assert.ok(forwarded && !forwarded.body.includes(creds.session_id), 'auth_info is not forwarded');
});

test('calls naming nothing run in the default context, which the config can set to the target', async (t) => {
  const stack = await startSpiedStack(t, { config: { routing: { defaultContext: 'target' } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const r = await callAs('json', admin, 'Env/get_env_info', {}, creds);
  assert.equal(envOf(r.json), 8, r.text);
  assert.deepEqual(apiCallsSeen(stack, 'source'), []);
});
