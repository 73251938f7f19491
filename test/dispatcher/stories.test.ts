import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { apiCallsSeen, callAs, loginFull, startSpiedStack, STYLES } from './support.ts';

type Xdr = { i_xdr: number; charged_amount: number };

test('John Doe checks his balance and xDRs before and after his move with the same URL and credentials', async (t) => {
  const stack = await startSpiedStack(t);
  const url = stack.url('customer');
  const john = { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password };
  const before = await loginFull(url, john);
  const read = async (creds: typeof before, style: (typeof STYLES)[number]) => {
    const info = await callAs(style, url, 'Customer/get_customer_info', {}, creds);
    assert.equal(info.status, 200, info.text);
    const xdrs = await callAs(style, url, 'Customer/get_customer_xdrs', { limit: 50 }, creds);
    assert.equal(xdrs.status, 200, xdrs.text);
    const c = info.json.customer_info as { balance: number; i_env: number };
    return { balance: c.balance, env: c.i_env, xdrs: (xdrs.json.xdr_list as Xdr[]).map((x) => x.i_xdr) };
  };
  const b = await read(before, 'json');
  assert.equal(b.env, 3);
  assert.equal(b.balance, 42.5);
  assert.ok(b.xdrs.length > 0, 'John has xDRs');
  for (const style of STYLES) assert.deepEqual(await read(before, style), b, `${style} style reads the same`);

  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const stale = await callAs('json', url, 'Customer/get_customer_info', {}, before);
  assert.equal(stale.json.faultcode, 'Server.Session.check_auth.auth_failed', 'the old session asks for a re-login');
  const sourceCallsAfterMove = apiCallsSeen(stack, 'source').length;

  const after = await loginFull(url, john);
  for (const style of STYLES) {
    const a = await read(after, style);
    assert.equal(a.env, 8, `${style}: from the target`);
    assert.equal(a.balance, b.balance, 'same balance');
    assert.deepEqual(a.xdrs, b.xdrs, 'same xDRs');
  }
  assert.equal(apiCallsSeen(stack, 'source').length, sourceCallsAfterMove, 'nothing of John\'s went to the source after the move');
});

test('an admin reads a volume-discount counter with i_customer + i_vd_plan for a moved customer', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
  const plans = await callAs('json', admin, 'DiscountPlan/get_discount_plan_list', {}, creds);
  const plan = (plans.json.discount_plan_list as Array<{ i_discount_plan: number; i_vd_plan: number | null }>).find((p) => p.i_discount_plan === 1);
  assert.ok(plan && typeof plan.i_vd_plan === 'number', `John's discount plan has a volume-discount plan: ${plans.text.slice(0, 300)}`);
  const iVdPlan = plan.i_vd_plan;
  const q = { i_customer: DEMO_CUSTOMER.iCustomer, i_vd_plan: iVdPlan };
  const pre = await callAs('json', admin, 'Customer/get_vd_counter_list', q, creds);
  assert.equal(pre.status, 200, pre.text);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  for (const style of STYLES) {
    const from = stack.seen.length;
    const r = await callAs(style, admin, 'Customer/get_vd_counter_list', q, creds);
    assert.equal(r.status, 200, r.text);
    const list = r.json.counter_list as Array<{ i_vd_plan: number; i_customer: number; remaining: number }>;
    assert.equal(list.length, 1, r.text);
    assert.equal(list[0]!.i_vd_plan, iVdPlan);
    assert.equal(list[0]!.i_customer, DEMO_CUSTOMER.iCustomer);
    assert.deepEqual(stack.seen.slice(from).map((s) => s.system), ['target'], `${style}: read on the target`);
  }
});

test('subscriptions are listed in the target context after an i_env switch and in the source context after switching back', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const list = async (style: (typeof STYLES)[number], params: Record<string, unknown>, where: 'source' | 'target') => {
    const from = stack.seen.length;
    const r = await callAs(style, admin, 'Subscription/get_subscription_list', params, creds);
    assert.equal(r.status, 200, `${JSON.stringify(params)}: ${r.text}`);
    assert.ok(Array.isArray(r.json.subscription_list));
    assert.deepEqual(stack.seen.slice(from).map((s) => s.system), [where], `${style} ${JSON.stringify(params)}`);
    return r.json.subscription_list as Array<{ i_customer: number }>;
  };
  for (const style of STYLES) {
    await list(style, { i_env: 8, login: 'cust2' }, 'target');
    const sticky = await list(style, { login: 'cust4' }, 'target');
    for (const s of sticky) assert.equal(s.i_customer, 4);
    await list(style, { i_env: 3, login: 'cust3' }, 'source');
    await list(style, { login: 'cust5' }, 'source');
  }
});

test('a customer class is updated on both systems by switching context', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const update = (name: string, extra: Record<string, unknown> = {}) =>
    callAs('form', admin, 'CustomerClass/update_customer_class', { ...extra, customer_class_info: { i_customer_class: 1, name, grace_period: 7 } }, creds);
  const s = await update('Residential (source)');
  assert.equal(s.status, 200, s.text);
  const sw = await callAs('json', admin, 'Session/set_session_context', { i_env: 8 }, creds);
  assert.equal(sw.status, 200, sw.text);
  const tg = await update('Residential (target)');
  assert.equal(tg.status, 200, tg.text);
  assert.equal(stack.source.system.store.config.customerClasses.get(1)?.name, 'Residential (source)');
  assert.equal(stack.target.system.store.config.customerClasses.get(1)?.name, 'Residential (target)');
  // The same through an i_env in the call itself.
  const back = await update('Residential (both)', { i_env: 3 });
  assert.equal(back.status, 200, back.text);
  assert.equal(stack.source.system.store.config.customerClasses.get(1)?.name, 'Residential (both)');
  assert.equal(stack.target.system.store.config.customerClasses.get(1)?.name, 'Residential (target)');
  for (const sim of [stack.source, stack.target]) assert.equal(sim.system.store.config.customerClasses.get(1)?.grace_period, 7);
});

test('a voicemail setting is changed through a broadcast', async (t) => {
  const stack = await startSpiedStack(t);
  const creds = await loginFull(stack.url('admin'), { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const res = await fetch(`${stack.url('portasip')}/portasip/Voicemail/update_settings`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${creds.access_token}` },
    body: JSON.stringify({ params: { i_account: DEMO_ACCOUNT.iAccount, voicemail_settings: { notify: 'Y', email: 'john.vm@example.com' } } }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const acct = stack.source.system.store.getAccount(DEMO_ACCOUNT.iAccount)!;
  const vm = stack.source.system.store.portaSipOf(acct).voicemail;
  assert.equal(vm.notify, 'Y');
  assert.equal(vm.email, 'john.vm@example.com');
  assert.deepEqual(stack.seen.filter((s) => s.path.startsWith('/portasip/')).map((s) => s.system).sort(), ['source', 'target']);
});
