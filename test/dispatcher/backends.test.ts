import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { callAs, loginFull, setFaults, startSpiedStack } from './support.ts';

test('a system in outage yields Server.Dispatcher.backend_unavailable, and the other keeps working', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  for (const outage of ['refuse', 'reset'] as const) {
    await setFaults(stack.target, { outage });
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 2 }, creds);
    assert.equal(r.status, 500, r.text);
    assert.equal(r.json.faultcode, 'Server.Dispatcher.backend_unavailable', `${outage}: ${r.text}`);
    assert.match(String(r.json.faultstring), /target/);
    const ok = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
    assert.equal(ok.status, 200, ok.text);
  }
  await setFaults(stack.target, { outage: 'none' });
  const back = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 2 }, creds);
  assert.equal(back.status, 200, `after the outage: ${back.text}`);
});

test('a write that may have reached the backend is not retried; a read may be retried once', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.target, { outage: 'reset' });
  const count = (path: string) => stack.arrivals.filter((a) => a.system === 'target' && a.path === path).length;

  const w = await callAs('json', admin, 'Customer/update_customer', { customer_info: { i_customer: 2, notes: 'once' } }, creds);
  assert.equal(w.json.faultcode, 'Server.Dispatcher.backend_unavailable', w.text);
  assert.equal(count('/rest/Customer/update_customer'), 1, 'the write was sent exactly once');

  const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 2 }, creds);
  assert.equal(r.json.faultcode, 'Server.Dispatcher.backend_unavailable', r.text);
  const reads = count('/rest/Customer/get_customer_info');
  assert.ok(reads >= 1 && reads <= 2, `a read is tried at most twice, got ${reads}`);
  await setFaults(stack.target, { outage: 'none' });
  assert.equal(stack.target.system.writeLog.entriesOf(2).applied_count, 0);
});

test('a backend slower than the headers timeout yields Server.Dispatcher.backend_timeout', async (t) => {
  const stack = await startSpiedStack(t, { config: { timeouts: { connectMs: 1000, headersMs: 150, bodyMs: 1000 } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  // undici's headers timer ticks about every 0.5 s (fast timers): the latency must exceed it by far.
  await setFaults(stack.source, { latency_ms: 2500 });
  const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
  assert.equal(r.status, 500, r.text);
  assert.equal(r.json.faultcode, 'Server.Dispatcher.backend_timeout', r.text);
  await setFaults(stack.source, { latency_ms: 0 });
});
