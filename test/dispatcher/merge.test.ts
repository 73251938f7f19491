import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { callAs, loginFull, setFaults, startSpiedStack, STYLES, type Creds, type SpiedStack } from './support.ts';

type Row = { i_customer: number; i_env: number; migration_status?: string };
const MISSING = 'x-webdispatcher-missing-system';

/** Creates a customer on the target through the dispatcher (context switched by i_env). */
async function createOnTarget(stack: SpiedStack, creds: Creds, name: string): Promise<number> {
  const admin = stack.url('admin');
  const r = await callAs('json', admin, 'Customer/add_customer', { i_env: 8, customer_info: { name } }, creds);
  assert.equal(r.status, 200, r.text);
  const id = r.json.i_customer as number;
  assert.equal(id % 2, 0, 'created on the target (even id)');
  await callAs('json', admin, 'Session/set_session_context', { i_env: 3 }, creds);
  return id;
}

test('an admin lists customers and sees a moved one exactly once, from its new system, plus the target\'s own', async (t) => {
  const stack = await startSpiedStack(t, { sourceCustomers: 30, targetCustomers: 6 });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const created = await createOnTarget(stack, creds, 'Created Through Dispatcher');
  for (const style of STYLES) {
    const r = await callAs(style, admin, 'Customer/get_customer_list', { get_total: 1, limit: 100 }, creds);
    assert.equal(r.status, 200, r.text);
    const rows = r.json.customer_list as Row[];
    const ids = rows.map((c) => c.i_customer);
    assert.equal(new Set(ids).size, ids.length, `${style}: no duplicates`);
    const john = rows.filter((c) => c.i_customer === DEMO_CUSTOMER.iCustomer);
    assert.equal(john.length, 1, 'the moved customer once');
    assert.equal(john[0]!.i_env, 8, 'from its location');
    assert.equal(john[0]!.migration_status, undefined, 'not the moved-away copy');
    assert.ok(ids.includes(created), 'the customer created on the target');
    assert.ok(ids.includes(2) && ids.includes(3), 'seeded customers of both systems');
    assert.equal(rows.length, 30 + 6 + 1, 'every customer once');
    assert.equal(r.json.total, 30 + 6 + 1, `${style}: total summed without the duplicate`);
  }
});

test('per-system paging (default) sends the same limit/offset to each system: up to 2×limit rows', async (t) => {
  const stack = await startSpiedStack(t, { sourceCustomers: 30, targetCustomers: 6 });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const r = await callAs('json', admin, 'Customer/get_customer_list', { limit: 4, offset: 2 }, creds);
  assert.equal(r.status, 200, r.text);
  const ids = (r.json.customer_list as Row[]).map((c) => c.i_customer).sort((a, b) => a - b);
  assert.deepEqual(ids, [5, 6, 7, 8, 9, 10, 11, 12]);
  const sent = stack.seen.filter((s) => s.path === '/rest/Customer/get_customer_list').map((s) => JSON.parse(s.body).params as Record<string, unknown>);
  assert.equal(sent.length, 2);
  for (const p of sent) assert.deepEqual({ limit: p.limit, offset: p.offset }, { limit: 4, offset: 2 });
});

test('exact paging returns exactly limit rows of one global order across pages, with any offset', async (t) => {
  const stack = await startSpiedStack(t, { sourceCustomers: 20, targetCustomers: 6, config: { routing: { paging: 'exact' } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await migrate(stack, 5, 'target');
  const created = await createOnTarget(stack, creds, 'Exact Paging Extra');
  const expected = [...new Set([...stack.source.system.store.customerIds(), ...stack.target.system.store.customerIds()])].sort((a, b) => a - b);
  assert.ok(expected.includes(created) && expected.includes(5));
  const all = await callAs('json', admin, 'Customer/get_customer_list', { get_total: 1 }, creds);
  assert.equal(all.json.total, expected.length, all.text.slice(0, 200));
  for (const [limit, offsets] of [[7, [0, 7, 14, 21, 28]], [5, [3, 11, 24, 26]], [1, [0, 9, 26]]] as const) {
    for (const offset of offsets) {
      const r = await callAs('form', admin, 'Customer/get_customer_list', { limit, offset }, creds);
      assert.equal(r.status, 200, r.text);
      const rows = r.json.customer_list as Row[];
      assert.deepEqual(rows.map((c) => c.i_customer), expected.slice(offset, offset + limit), `limit ${limit} offset ${offset}`);
      const five = rows.find((c) => c.i_customer === 5);
      if (five) assert.equal(five.i_env, 8, 'the moved customer from the target');
    }
  }
});

test('a system failing mid-session fails the merge with a fault naming it', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.target, { outage: 'refuse' });
  const r = await callAs('json', admin, 'Customer/get_customer_list', { limit: 5 }, creds);
  assert.equal(r.status, 500, r.text);
  assert.match(String(r.json.faultcode), /^Server\./);
  assert.match(String(r.json.faultstring), /target/);
});

test('with partialMerge: partial, a failing system leaves the other\'s rows and a marker header', async (t) => {
  const stack = await startSpiedStack(t, { config: { routing: { partialMerge: 'partial' } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.source, { outage: 'refuse' });
  const r = await callAs('json', admin, 'Customer/get_customer_list', { limit: 5, get_total: 1 }, creds);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get(MISSING), 'source');
  const rows = r.json.customer_list as Row[];
  assert.ok(rows.length > 0 && rows.every((c) => c.i_env === 8), 'the target\'s rows');
});

test('a session that never had a system fails the merge under the default policy, naming the system', async (t) => {
  const stack = await startSpiedStack(t);
  await setFaults(stack.target, { outage: 'refuse' });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.target, { outage: 'none' });
  for (const style of STYLES) {
    const r = await callAs(style, admin, 'Customer/get_customer_list', { limit: 5, get_total: 1 }, creds);
    assert.equal(r.status, 500, `${style}: ${r.text}`);
    assert.equal(r.json.faultcode, 'Server.Dispatcher.backend_unavailable');
    assert.match(String(r.json.faultstring), /no target system/);
    assert.equal(r.json.total, undefined, 'no total of one system alone');
  }
});

test('a session that never had a system, under partialMerge: partial, merges the other\'s rows with the marker header', async (t) => {
  const stack = await startSpiedStack(t, { config: { routing: { partialMerge: 'partial' } } });
  await setFaults(stack.target, { outage: 'refuse' });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.target, { outage: 'none' });
  const r = await callAs('path', admin, 'Customer/get_customer_list', { limit: 5 }, creds);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get(MISSING), 'target');
  const rows = r.json.customer_list as Row[];
  assert.equal(rows.length, 5);
  assert.ok(rows.every((c) => c.i_env === 3));
});

test('a system that refused the login, or answers the list with a PortaBilling fault, fails the merge under fail and is marked under partial', async (t) => {
  for (const policy of ['fail', 'partial'] as const) {
    for (const how of ['refused at login', 'fault now'] as const) {
      const stack = await startSpiedStack(t, { config: { routing: { partialMerge: policy } } });
      const admin = stack.url('admin');
      if (how === 'refused at login') await setFaults(stack.target, { refuse_logins: true });
      const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
      if (how === 'refused at login') await setFaults(stack.target, { refuse_logins: false });
      else await setFaults(stack.target, { error_rate: 1 });
      const r = await callAs('json', admin, 'Customer/get_customer_list', { limit: 5, get_total: 1 }, creds);
      if (policy === 'fail') {
        assert.equal(r.status, 500, `${how}: ${r.text}`);
        assert.match(String(r.json.faultstring), /target/, how);
      } else {
        assert.equal(r.status, 200, `${how}: ${r.text}`);
        assert.equal(r.headers.get(MISSING), 'target', how);
        assert.ok((r.json.customer_list as Row[]).every((c) => c.i_env === 3), how);
      }
    }
  }
});
