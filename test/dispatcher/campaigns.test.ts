import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, login, call } from '../helpers/stack.ts';
import { campaignApi } from '../helpers/campaigns.ts';
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
});
