import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, call, login, migrate } from '../helpers/stack.ts';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

test('an admin logs in once and reads customers of both systems by i_customer', async (t) => {
  const stack = await startStack(t);
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const john = await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, token);
  assert.equal(john.status, 200, JSON.stringify(john.json));
  assert.equal((john.json.customer_info as { i_env: number }).i_env, 3);
  const even = await call(stack.url('admin'), 'Customer/get_customer_info', { i_customer: 2 }, token);
  assert.equal(even.status, 200, JSON.stringify(even.json));
  assert.equal((even.json.customer_info as { i_env: number }).i_env, 8);
});

test('John Doe reads his balance before and after his move with the same URL and credentials', async (t) => {
  const stack = await startStack(t);
  const before = await login(stack.url('customer'), DEMO_CUSTOMER.login, { password: DEMO_CUSTOMER.password });
  const b = await call(stack.url('customer'), 'Customer/get_customer_info', {}, before);
  assert.equal(b.status, 200, JSON.stringify(b.json));
  assert.equal((b.json.customer_info as { i_env: number }).i_env, 3);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const stale = await call(stack.url('customer'), 'Customer/get_customer_info', {}, before);
  assert.equal(stale.json.faultcode, 'Server.Session.check_auth.auth_failed');
  const after = await login(stack.url('customer'), DEMO_CUSTOMER.login, { password: DEMO_CUSTOMER.password });
  const a = await call(stack.url('customer'), 'Customer/get_customer_info', {}, after);
  assert.equal(a.status, 200, JSON.stringify(a.json));
  const info = a.json.customer_info as { i_env: number; balance: number };
  assert.equal(info.i_env, 8);
  assert.equal(info.balance, (b.json.customer_info as { balance: number }).balance);
});

test('a merged customer list keeps the same total across a move, on every page', async (t) => {
  const stack = await startStack(t);
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const page = async (offset: number) => (await call(stack.url('admin'), 'Customer/get_customer_list', { limit: 5, offset, get_total: 1 }, token)).json as { total: number; customer_list: Array<{ i_customer: number }> };
  const before = await page(0);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const after = [await page(0), await page(5), await page(10)];
  for (const p of after) assert.equal(p.total, before.total, 'a moved customer is counted once');
  const everything = (await call(stack.url('admin'), 'Customer/get_customer_list', { limit: 1000, get_total: 1 }, token)).json as { total: number; customer_list: Array<{ i_customer: number; i_env: number }> };
  assert.equal(everything.customer_list.length, before.total);
  assert.deepEqual(everything.customer_list.filter((c) => c.i_customer === 1).map((c) => c.i_env), [8]);
});

test('a body over the limit is refused with 413 and the connection is closed rather than read to the end', async (t) => {
  const stack = await startStack(t);
  const res = await fetch(`${stack.url('admin')}/rest/Customer/get_customer_info`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
  });
  assert.equal(res.status, 413);
  assert.equal(res.headers.get('connection'), 'close');
  assert.equal(((await res.json()) as { faultcode: string }).faultcode, 'Server.Dispatcher.body_too_large');
});
