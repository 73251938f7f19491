import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig, call, login } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

/** Account 13 of the source (customer 5's first line) is the heavy user. */
const HEAVY_ACCOUNT = 13;
const HEAVY_COUNT = 12_000;
const LIMIT = 10_000;

test('a 10,000-xDR get_xdr_list from one system arrives through the dispatcher complete and unchanged', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1, heavyXdrs: { iAccount: HEAVY_ACCOUNT, count: HEAVY_COUNT } });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1 });
  t.after(() => target.close());
  const dispatcher = await startDispatcher(testConfig(source, target), {});
  t.after(() => dispatcher.close());
  const via = dispatcher.urls.admin;
  assert.ok(via !== undefined);

  const params = { i_account: HEAVY_ACCOUNT, limit: LIMIT, offset: 0, get_total: 1 };
  const direct = await call(source.urls.admin, 'Account/get_xdr_list', params, await login(source.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token }));
  const routed = await call(via, 'Account/get_xdr_list', params, await login(via, DEMO_ADMIN.login, { token: DEMO_ADMIN.token }));
  assert.equal(routed.status, 200, JSON.stringify(routed.json).slice(0, 300));
  assert.match(routed.headers.get('content-type') ?? '', /application\/json/);

  const want = direct.json.xdr_list as Record<string, unknown>[];
  const got = routed.json.xdr_list as Record<string, unknown>[];
  assert.equal(want.length, LIMIT, 'the simulator honours the limit');
  assert.equal(got.length, LIMIT, 'every row arrives');
  assert.equal(routed.json.total, HEAVY_COUNT);
  assert.deepEqual(got.at(-1), want.at(-1), 'the last element is intact');
  assert.equal(got.at(-1)?.i_account, HEAVY_ACCOUNT);
  assert.deepEqual(got, want, 'the whole list is byte-for-byte the system\'s');
  assert.equal(new Set(got.map((x) => x.i_xdr)).size, LIMIT, 'no row repeated');

  const tail = await call(via, 'Account/get_xdr_list', { ...params, offset: LIMIT }, await login(via, DEMO_ADMIN.login, { token: DEMO_ADMIN.token }));
  const rest = tail.json.xdr_list as Record<string, unknown>[];
  assert.equal(rest.length, HEAVY_COUNT - LIMIT, 'the next page holds the remainder');
  assert.ok(String(rest[0]?.connect_time) <= String(got.at(-1)?.connect_time), 'pages continue the newest-first order');
});
