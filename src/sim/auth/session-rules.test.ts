import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSimulator } from '../simulator.ts';
import { login, postJson } from '../testing/sim-test-client.ts';
import { CAPTURE_ACCOUNT, CAPTURE_ADMIN, DEMO_ADMIN } from '../demo-fixtures.ts';
import { BRUTE_FORCE_MAX_FAILURES } from './session-manager.ts';

test('repeated failed logins lock the login out even with the right password', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 10 });
  t.after(() => sim.close());
  for (let i = 0; i < BRUTE_FORCE_MAX_FAILURES; i++) {
    const r = await postJson(sim.urls.account, '/rest/Session/login', { login: CAPTURE_ACCOUNT.login, password: `wrong${i}` });
    assert.equal(r.body.faultcode, 'Server.Session.auth_failed');
  }
  const locked = await postJson(sim.urls.account, '/rest/Session/login', { login: CAPTURE_ACCOUNT.login, password: CAPTURE_ACCOUNT.password });
  assert.equal(locked.body.faultcode, 'Server.Session.cannot_login_brute_force_activity');
  const otherUser = await postJson(sim.urls.admin, '/rest/Session/login', { login: 'admin', password: DEMO_ADMIN.password });
  assert.equal(otherUser.status, 200, 'the lockout is per login');
});

test('sessions expire after the configured lifetime', async (t) => {
  // 2 s, not 1: a token's exp is whole seconds, so a 1 s session logged in at x.99 s has a token
  // that is valid for only 10 ms (the call right after the login would be a coin toss).
  const sim = await createSimulator({ role: 'source', env: 3, customers: 10, sessionTtlSeconds: 2 });
  t.after(() => sim.close());
  const s = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  assert.equal((await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token)).status, 200);
  await sleep(2100);
  const byToken = await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token);
  assert.equal(byToken.body.faultcode, 'Server.Session.check_auth.auth_failed');
  const ping = await postJson(sim.urls.admin, '/rest/Session/ping', { session_id: s.session_id });
  assert.deepEqual(ping.body, { user_id: 0 });
});

test('a user with an IP allow-list is refused from another address', async (t) => {
  const sim = await createSimulator({
    role: 'target',
    env: 8,
    customers: 10,
    extraUsers: [
      { realm: 'admin', login: 'fenced', password: 'pw', allowedIps: ['10.20.30.40'] },
      { realm: 'admin', login: 'local', password: 'pw', allowedIps: ['127.0.0.1'] },
    ],
  });
  t.after(() => sim.close());
  const r = await postJson(sim.urls.admin, '/rest/Session/login', { login: 'fenced', password: 'pw' });
  assert.equal(r.body.faultcode, 'Server.Session.ip_not_allowed');
  assert.equal((await postJson(sim.urls.admin, '/rest/Session/login', { login: 'local', password: 'pw' })).status, 200);
});

test('the captures\' admin credentials can replace the demo ones', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 10, adminCredentials: CAPTURE_ADMIN });
  t.after(() => sim.close());
  assert.equal((await postJson(sim.urls.admin, '/rest/Session/login', { login: 'admin', token: 'admintoken' })).status, 200);
  assert.equal((await postJson(sim.urls.admin, '/rest/Session/login', { login: 'admin', token: DEMO_ADMIN.token })).body.faultcode, 'Server.Session.auth_failed');
});
