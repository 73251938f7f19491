import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson, send } from '../testing/sim-test-client.ts';
import { DEMO_ADMIN } from '../demo-fixtures.ts';

const setFaults = (base: string, body: object) => send(base, '/sim/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const clearFaults = (base: string) => send(base, '/sim/faults', { method: 'DELETE' });

test('an error rate of 1 fails every API call with the injected fault, and DELETE clears it', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const s = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  assert.equal((await setFaults(sim.urls.admin, { error_rate: 1, latency_ms: 5 })).status, 200);
  const r = await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token);
  assert.equal(r.status, 500);
  assert.equal(r.body.faultcode, 'Server.Sim.injected_error');
  assert.equal((await send(sim.urls.admin, '/sim/info', { method: 'GET' })).status, 200, 'control routes are exempt');
  await clearFaults(sim.urls.admin);
  assert.equal((await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token)).status, 200);
});

test('refused logins fail while existing sessions keep working', async (t) => {
  const sim = await createSimulator({ role: 'target', env: 8, customers: 5 });
  t.after(() => sim.close());
  const s = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  await setFaults(sim.urls.admin, { refuse_logins: true });
  assert.equal((await postJson(sim.urls.admin, '/rest/Session/login', { login: 'admin', token: DEMO_ADMIN.token })).body.faultcode, 'Server.Session.auth_failed');
  assert.equal((await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token)).status, 200);
});

test('a refuse outage closes the other listeners and resets admin API calls until cleared', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  assert.equal((await setFaults(sim.urls.admin, { outage: 'refuse' })).status, 200);
  await assert.rejects(fetch(`${sim.urls.customer}/rest/Session/login`, { method: 'POST', body: '{}' }), (err: Error) => {
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    assert.equal(cause?.code, 'ECONNREFUSED');
    return true;
  });
  await assert.rejects(fetch(`${sim.urls.admin}/rest/Session/login`, { method: 'POST', body: '{}' }));
  assert.equal((await clearFaults(sim.urls.admin)).status, 200);
  const r = await postJson(sim.urls.customer, '/rest/Session/login', { login: 'john.doe', password: 'demo-john' });
  assert.equal(r.status, 200);
});

test('a reset outage destroys connections of API calls', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  await setFaults(sim.urls.admin, { outage: 'reset' });
  await assert.rejects(fetch(`${sim.urls.account}/rest/Session/login`, { method: 'POST', body: '{}' }));
  await clearFaults(sim.urls.admin);
  assert.equal((await postJson(sim.urls.account, '/rest/Session/ping', {})).status, 200);
});

test('invalid fault settings are refused and change nothing', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const r = await setFaults(sim.urls.admin, { error_rate: 2 });
  assert.equal(r.body.faultcode, 'Client.validation_error');
  const bad = await setFaults(sim.urls.admin, { outage: 'sometimes' });
  assert.equal(bad.body.faultcode, 'Client.validation_error');
  const now = await send(sim.urls.admin, '/sim/faults', { method: 'GET' });
  assert.deepEqual(now.body.faults, { latency_ms: 0, jitter_ms: 0, error_rate: 0, refuse_logins: false, outage: 'none' });
});
