import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator, type SimulatorInstance } from '../simulator.ts';
import { login, postForm, postJson, send } from '../testing/sim-test-client.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../demo-fixtures.ts';

let sim: SimulatorInstance;
let admin: string;
before(async () => {
  sim = await createSimulator({ role: 'source', env: 3, customers: 50, maxBodyBytes: 64 * 1024 });
  admin = sim.urls.admin;
});
after(() => sim.close());

test('the ready line names the role, the environment and every listener URL', () => {
  const ready = JSON.parse(sim.readyLine()) as { ready: boolean; role: string; env: number; urls: Record<string, string> };
  assert.equal(ready.ready, true);
  assert.equal(ready.role, 'source');
  assert.equal(ready.env, 3);
  assert.deepEqual(Object.keys(ready.urls), ['admin', 'reseller', 'customer', 'account', 'portasip', 'portal', 'provisioning']);
  for (const u of Object.values(ready.urls)) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('a login returns a session id and a JWT whose payload carries exp, jti, login, realm, i_env and i_user', async () => {
  const r = await postJson(admin, '/rest/Session/login', { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/json');
  const token = String(r.body.access_token);
  const parts = token.split('.');
  assert.equal(parts.length, 3);
  const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  assert.equal(payload.jti, r.body.session_id);
  assert.equal(payload.login, 'admin');
  assert.equal(payload.realm, 'admin');
  assert.equal(payload.i_env, 3);
  assert.equal(payload.i_user, 1);
  assert.ok(typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp > payload.iat);
  assert.equal(typeof r.body.expires_in, 'number');
  assert.equal(typeof r.body.refresh_token, 'string');
});

test('the same call works in the form, JSON+Bearer and legacy path styles, with or without a trailing slash', async () => {
  const s = await login(admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const form = await postForm(admin, '/rest/Customer/get_customer_info/', { auth_info: JSON.stringify({ session_id: s.session_id }), params: JSON.stringify({ i_customer: 1 }) });
  const json = await postJson(admin, '/rest/Customer/get_customer_info', { i_customer: 1 }, s.access_token);
  const path = await send(admin, `/rest/Customer/get_customer_info/${s.session_id}/${encodeURIComponent(JSON.stringify({ login: DEMO_CUSTOMER.login }))}`, { method: 'POST' });
  const boundary = 'xYzBoundary';
  const multipart = await send(admin, '/rest/Customer/get_customer_info', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: `--${boundary}\r\nContent-Disposition: form-data; name="auth_info"\r\n\r\n{"session_id":"${s.session_id}"}\r\n--${boundary}\r\nContent-Disposition: form-data; name="params"\r\n\r\n{"refnum":"R1"}\r\n--${boundary}--\r\n`,
  });
  for (const r of [form, json, path, multipart]) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.customer_info as Record<string, unknown>).name, 'John Doe');
  }
});

test('the legacy path login and one-shot auth_info credentials work', async () => {
  const r = await send(admin, `/rest/Session/login//${encodeURIComponent(JSON.stringify({ user: 'admin', password: DEMO_ADMIN.password }))}`, { method: 'POST' });
  assert.equal(r.status, 200);
  const oneShot = await postForm(admin, '/rest/Account/get_account_info', { auth_info: JSON.stringify({ login: 'admin', token: DEMO_ADMIN.token }), params: JSON.stringify({ id: DEMO_ACCOUNT.id }) });
  assert.equal(oneShot.status, 200);
  assert.equal((oneShot.body.account_info as Record<string, unknown>).i_account, DEMO_ACCOUNT.iAccount);
});

test('ping, refresh and logout take the token from params without an Authorization header', async () => {
  const s = await login(admin, 'admin', { password: DEMO_ADMIN.password });
  const ping = await postJson(admin, '/rest/Session/ping', { access_token: s.access_token });
  assert.deepEqual(ping.body, { user_id: 1 });
  const refreshed = await postJson(admin, '/rest/Session/refresh_access_token', { refresh_token: s.refresh_token });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.session_id, s.session_id);
  const stale = await postJson(admin, '/rest/Session/refresh_access_token', { refresh_token: s.refresh_token });
  assert.equal(stale.body.faultcode, 'Server.Session.check_auth.auth_failed');
  const out = await postJson(admin, '/rest/Session/logout', { access_token: String(refreshed.body.access_token) });
  assert.equal(out.status, 200);
  assert.deepEqual((await postJson(admin, '/rest/Session/ping', { session_id: s.session_id })).body, { user_id: 0 });
  const after = await postJson(admin, '/rest/Generic/get_version', {}, s.access_token);
  assert.equal(after.body.faultcode, 'Server.Session.check_auth.auth_failed');
});

test('credential faults use the codes clients re-login on', async () => {
  assert.equal((await postJson(admin, '/rest/Generic/get_version', {})).body.faultcode, 'Client.check_auth.envelope_missed');
  assert.equal((await postJson(admin, '/rest/Generic/get_version', {}, 'not.a.jwt')).body.faultcode, 'Client.Session.check_auth.failed_to_process_access_token');
  assert.equal((await postJson(admin, '/rest/Generic/get_version', {}, 'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.sig')).body.faultcode, 'Client.Session.check_auth.failed_to_process_access_token');
  assert.equal((await postForm(admin, '/rest/Generic/get_version', { auth_info: '{"session_id":"nope"}' })).body.faultcode, 'Server.Session.check_auth.auth_failed');
  const bad = await postJson(admin, '/rest/Session/login', { login: 'admin', password: 'wrong' });
  assert.equal(bad.status, 500);
  assert.deepEqual(Object.keys(bad.body), ['faultcode', 'faultstring']);
  assert.equal(bad.body.faultcode, 'Server.Session.auth_failed');
});

test('bad input gets a clear fault and changes nothing', async () => {
  const s = await login(admin, 'admin', { token: DEMO_ADMIN.token });
  const before = await postJson(admin, '/rest/Customer/get_customer_info', { i_customer: 3 }, s.access_token);
  const cases: [string, RequestInit, string][] = [
    ['malformed JSON', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.access_token}` }, body: '{"params":' }, 'Client.bad_request'],
    ['params not an object', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.access_token}` }, body: '{"params":[1]}' }, 'Client.bad_request'],
    ['GET', { method: 'GET', headers: { authorization: `Bearer ${s.access_token}` } }, 'Client.bad_request'],
    ['text/xml body', { method: 'POST', headers: { 'content-type': 'text/xml', authorization: `Bearer ${s.access_token}` }, body: '<x/>' }, 'Client.bad_request'],
    ['huge body', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.access_token}` }, body: JSON.stringify({ params: { customer_info: { i_customer: 3, notes: 'x'.repeat(200_000) } } }) }, 'Client.request_too_large'],
  ];
  for (const [what, init, code] of cases) {
    const r = await send(admin, '/rest/Customer/update_customer', init);
    assert.equal(r.status, 500, what);
    assert.equal(r.contentType, 'application/json', what);
    assert.equal(r.body.faultcode, code, what);
  }
  const wrongType = await postJson(admin, '/rest/Customer/update_customer', { customer_info: { i_customer: 3, notes: 'changed', credit_limit: 'lots' } }, s.access_token);
  assert.equal(wrongType.body.faultcode, 'Client.validation_error');
  assert.match(String(wrongType.body.faultstring), /credit_limit/);
  assert.equal((await postJson(admin, '/rest/Customer/get_customer_info', { i_customer: 'seven' }, s.access_token)).body.faultcode, 'Client.validation_error');
  const afterwards = await postJson(admin, '/rest/Customer/get_customer_info', { i_customer: 3 }, s.access_token);
  assert.deepEqual(afterwards.body, before.body);
  const unknown = await postJson(admin, '/rest/Nope/nothing', {}, s.access_token);
  assert.equal(unknown.body.faultcode, 'Client.unknown_method');
  const unknownParams = await postJson(admin, '/rest/Customer/get_customer_list', { skip_exported: 1, with_credit_limit_warnings: 0, limit: 2 }, s.access_token);
  assert.equal((unknownParams.body.customer_list as unknown[]).length, 2);
});

test('lookups by every locator and a not-found fault for a missing customer', async () => {
  const s = await login(admin, 'admin', { token: DEMO_ADMIN.token });
  const missing = await postJson(admin, '/rest/Customer/get_customer_info', { i_customer: 999_999_999 }, s.access_token);
  assert.equal(missing.body.faultcode, 'Server.Customer.customer_not_found');
  const byAlice = await postJson(admin, '/rest/Account/get_account_info', { login: 'alice' }, s.access_token);
  assert.equal((byAlice.body.account_info as Record<string, unknown>).i_customer, 7);
  const list = await postJson(admin, '/rest/Customer/get_customer_list', { login: 'cust1%', get_total: 1 }, s.access_token);
  const logins = (list.body.customer_list as Record<string, unknown>[]).map((c) => c.login);
  assert.ok(logins.length > 0 && logins.every((l) => String(l).startsWith('cust1')));
  assert.equal(list.body.total, logins.length);
  const env = await postJson(admin, '/rest/Env/get_env_info', {}, s.access_token);
  assert.equal((env.body.env_info as Record<string, unknown>).i_env, 3);
});
