import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.ts';
import type { BackendSession } from '../../src/sessions/session.ts';
import { apiCallsSeen, callAs, direct, directLogin, loginFull, startSpiedStack, type Creds, type SpiedStack } from './support.ts';

const ADMIN = { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password };

interface Setup { stack: SpiedStack; sessions: MemorySessionStore; creds: Creds }

async function setUp(t: Parameters<typeof startSpiedStack>[0]): Promise<Setup> {
  const sessions = new MemorySessionStore();
  const stack = await startSpiedStack(t, { deps: { sessions } });
  const creds = await loginFull(stack.url('admin'), ADMIN);
  return { stack, sessions, creds };
}

/** Changes the dispatcher's stored backend session on the source (what the backend will be sent). */
async function changeSourceSession(s: Setup, change: (b: BackendSession) => void): Promise<void> {
  const stored = await s.sessions.update(s.creds.session_id, (session) => change(session.backends.source!));
  assert.ok(stored, 'the session is stored');
}

function refreshesSeen(stack: SpiedStack): number {
  return stack.seen.filter((r) => r.system === 'source' && r.path === '/rest/Session/refresh_access_token').length;
}

function customerCallsSeen(stack: SpiedStack): number {
  return apiCallsSeen(stack, 'source').filter((r) => r.path === '/rest/Customer/get_customer_info').length;
}

test('a backend that cannot process the session\'s token: the dispatcher renews the backend session and the call succeeds', async (t) => {
  const s = await setUp(t);
  // The token is still valid for the dispatcher's clock, but the source no longer accepts it.
  await changeSourceSession(s, (b) => { b.accessToken = 'not.a.token'; });
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json.customer_info as { i_customer: number }).i_customer, 1);
  assert.equal(refreshesSeen(s.stack), 1, 'renewed once with the refresh token');
  assert.equal(customerCallsSeen(s.stack), 2, 'the refused call, then the same call with the renewed token');
  const stored = await s.sessions.get(s.creds.session_id);
  assert.notEqual(stored?.backends.source?.accessToken, 'not.a.token', 'the renewed token is stored for the next calls');
  const again = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(again.status, 200, again.text);
  assert.equal(refreshesSeen(s.stack), 1, 'the next call uses the stored renewed token');
});

test('a backend that says the session has ended: the dispatcher renews the backend session and the call succeeds', async (t) => {
  const s = await setUp(t);
  // A token of a backend session closed since (the source answers check_auth.auth_failed).
  const closed = await directLogin(s.stack.source.urls.admin, ADMIN);
  const logout = await direct(s.stack.source.urls.admin, 'Session/logout', {}, closed);
  assert.equal(logout.status, 200, logout.text);
  await changeSourceSession(s, (b) => { b.accessToken = closed; });
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(r.status, 200, r.text);
  assert.equal(refreshesSeen(s.stack), 1);
  assert.equal(customerCallsSeen(s.stack), 2);
});

test('when the backend refuses the renewal too, the client is told to log in again', async (t) => {
  const s = await setUp(t);
  await changeSourceSession(s, (b) => { b.accessToken = 'not.a.token'; b.refreshToken = 'unknown-refresh-token'; });
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(r.status, 500);
  assert.equal(r.json.faultcode, 'Server.Session.check_auth.auth_failed', r.text);
  assert.match(String(r.json.faultstring), /source/);
  assert.equal(customerCallsSeen(s.stack), 1, 'the call is not sent again without a renewed session');
});

test('a backend fault that is not about the session is passed through without a renewal', async (t) => {
  const s = await setUp(t);
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 999_999 }, s.creds);
  assert.notEqual(r.status, 200);
  assert.equal(typeof r.json.faultcode, 'string', r.text);
  assert.doesNotMatch(String(r.json.faultcode), /Session/);
  assert.equal(refreshesSeen(s.stack), 0, 'no renewal');
  assert.equal(customerCallsSeen(s.stack), 1, 'sent once');
});

test('a backend session that has (nearly) expired is renewed before the call', async (t) => {
  const s = await setUp(t);
  await changeSourceSession(s, (b) => { b.expiresAt = Math.floor(Date.now() / 1000) + 1; });
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(r.status, 200, r.text);
  assert.equal(refreshesSeen(s.stack), 1, 'renewed before the call');
  assert.equal(customerCallsSeen(s.stack), 1, 'the call was sent once, with the renewed token');
  const stored = await s.sessions.get(s.creds.session_id);
  assert.ok((stored?.backends.source?.expiresAt ?? 0) > Math.floor(Date.now() / 1000) + 60, 'the renewed expiry is stored');
});

test('a backend session still valid for a while is used as it is', async (t) => {
  const s = await setUp(t);
  await changeSourceSession(s, (b) => { b.expiresAt = Math.floor(Date.now() / 1000) + 30; });
  const r = await callAs('json', s.stack.url('admin'), 'Customer/get_customer_info', { i_customer: 1 }, s.creds);
  assert.equal(r.status, 200, r.text);
  assert.equal(refreshesSeen(s.stack), 0);
});
