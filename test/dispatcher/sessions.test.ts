import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_ADMIN, DEMO_RESELLER, CAPTURE_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.ts';
import { signJwt } from '../../src/sessions/jwt.ts';
import { decodeJwtPayload, jwtsIn, loadCaptures, replayCapture, type CaptureLine } from '../helpers/wire.ts';
import { apiCallsSeen, callAs, direct, directLogin, loginFull, setFaults, startSpiedStack, type SpiedStack } from './support.ts';

const SECRET = 'sessions-test-secret-0123456789';
const RELOGIN = /^(Server\.Session\.check_auth\.auth_failed|Client\.Session\.check_auth\.failed_to_process_access_token|Client\.check_auth\.envelope_missed|Client\.Session\.check_auth\.failed_to_process_jwt)$/;

/** Bits of randomness a token string can carry at most, from its alphabet and length. */
function maxBits(s: string): number {
  if (/^[0-9a-f]+$/i.test(s)) return s.length * 4;
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s.length * 6;
  return s.length * 8;
}

/** Backend tokens the simulators received from the dispatcher (Bearer headers of API calls). */
function backendTokens(stack: SpiedStack): string[] {
  return [...new Set(stack.seen.map((r) => r.headers.authorization).filter((h): h is string => typeof h === 'string').map((h) => h.replace(/^Bearer\s+/i, '')))];
}

/** Asserts that no request a simulator received carries the dispatcher's own credentials. */
function assertNeverForwarded(stack: SpiedStack, ...secrets: string[]): void {
  assert.ok(stack.seen.length > 0, 'the simulators received calls');
  for (const r of stack.seen) {
    const wire = `${JSON.stringify(r.headers)} ${r.body}`;
    for (const s of secrets) assert.ok(!wire.includes(s), `${r.system} ${r.path} received a dispatcher credential`);
  }
}

for (const [how, secret] of [['a password', { password: DEMO_ADMIN.password }], ['an API token', { token: DEMO_ADMIN.token }]] as const) {
  test(`an admin logging in with ${how} gets the dispatcher's own session bound to both systems`, async (t) => {
    const stack = await startSpiedStack(t);
    const admin = stack.url('admin');
    const creds = await loginFull(admin, { login: DEMO_ADMIN.login, ...secret });
    assert.equal(creds.headers.get('x-webdispatcher-missing-system'), null, 'both systems present');

    // Both systems got the same login, in the admin realm.
    const logins = stack.seen.filter((r) => r.path === '/rest/Session/login');
    assert.deepEqual(logins.map((r) => r.system).sort(), ['source', 'target']);
    for (const l of logins) {
      assert.equal(l.listener, 'admin');
      assert.deepEqual(JSON.parse(l.body).params, { login: DEMO_ADMIN.login, ...secret });
    }

    // session_id: ≥128 bits of randomness, different every login.
    assert.ok(maxBits(creds.session_id) >= 128, `session_id ${creds.session_id} is too short to hold 128 random bits`);
    const again = await loginFull(admin, { login: DEMO_ADMIN.login, ...secret });
    assert.notEqual(again.session_id, creds.session_id);
    assert.notEqual(again.access_token, creds.access_token);

    // access_token: a JWT clients decode.
    const p = decodeJwtPayload(creds.access_token);
    assert.equal(typeof p.exp, 'number');
    assert.equal(typeof p.iat, 'number');
    assert.ok(Math.abs((p.iat as number) - Date.now() / 1000) < 60, 'iat is now');
    assert.ok((p.exp as number) > (p.iat as number));
    assert.ok(Math.abs((p.exp as number) - (p.iat as number) - creds.expires_in) <= 2, 'exp - iat = expires_in');
    assert.ok(creds.expires_in > 0);
    assert.equal(typeof creds.refresh_token, 'string');
    assert.ok(!Number.isNaN(Date.parse(creds.expires_at)) || typeof creds.expires_at === 'string');
    assert.equal(p.jti, creds.session_id);
    assert.equal(p.login, DEMO_ADMIN.login);
    assert.equal(p.realm, 'admin');
    assert.equal(p.i_env, 3, 'i_env of the default (source) context');

    // Calls reach both systems...
    const src = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
    const tgt = await callAs('form', admin, 'Customer/get_customer_info', { i_customer: 2 }, creds);
    assert.equal(src.status, 200, src.text);
    assert.equal(tgt.status, 200, tgt.text);

    // ...with backend tokens the client never sees, and never with the dispatcher's own.
    const backend = backendTokens(stack);
    assert.ok(backend.length >= 2, 'each system got its own backend token');
    for (const b of backend) {
      assert.notEqual(b, creds.access_token);
      assert.equal(decodeJwtPayload(b).i_env === 3 || decodeJwtPayload(b).i_env === 8, true, 'a backend token is the simulator\'s');
      for (const clientSaw of [JSON.stringify(creds), src.text, tgt.text]) assert.ok(!clientSaw.includes(b), 'a backend token reached the client');
      const backendSessionId = decodeJwtPayload(b).jti as string;
      assert.ok(!JSON.stringify(creds).includes(backendSessionId), 'a backend session id reached the client');
    }
    assertNeverForwarded(stack, creds.access_token, creds.session_id, creds.refresh_token);

    // The simulators know nothing of the dispatcher's session: its token and id open nothing there.
    for (const sim of [stack.source, stack.target]) {
      assert.equal(sim.system.sessions.live(creds.session_id), undefined);
      const viaToken = await direct(sim.urls.admin, 'Customer/get_customer_info', { i_customer: 1 }, creds.access_token);
      assert.equal(viaToken.json.faultcode, 'Client.Session.check_auth.failed_to_process_access_token', viaToken.text);
      const viaSid = await callAs('form', sim.urls.admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
      assert.equal(viaSid.json.faultcode, 'Server.Session.check_auth.auth_failed', viaSid.text);
    }
  });
}

test('a reseller logs in by password and by API token through the dispatcher', async (t) => {
  const stack = await startSpiedStack(t, {
    sim: { extraUsers: [{ realm: 'reseller', login: 'reseller-api', password: 'pw-reseller-api', token: 'reseller-api-token', iCustomer: DEMO_RESELLER.iCustomer }] },
  });
  const url = stack.url('reseller');
  for (const secret of [{ login: DEMO_RESELLER.login, password: DEMO_RESELLER.password }, { login: 'reseller-api', token: 'reseller-api-token' }]) {
    const creds = await loginFull(url, secret);
    assert.equal(creds.headers.get('x-webdispatcher-missing-system'), null);
    const p = decodeJwtPayload(creds.access_token);
    assert.equal(p.realm, 'reseller');
    assert.equal(p.login, secret.login);
    const ping = await callAs('json', url, 'Session/ping', { access_token: creds.access_token });
    assert.ok((ping.json.user_id as number) > 0, ping.text);
    const list = await callAs('json', url, 'Customer/get_customer_list', { limit: 5 }, creds);
    assert.equal(list.status, 200, list.text);
    for (const c of list.json.customer_list as Array<{ i_parent: number }>) assert.equal(c.i_parent, DEMO_RESELLER.iCustomer, 'only its own customers');
  }
  const logins = stack.seen.filter((r) => r.path === '/rest/Session/login');
  assert.equal(logins.length, 4, 'each login went to both systems');
  assert.ok(logins.every((r) => r.listener === 'reseller'));
});

test('a wrong password is refused with Server.Session.auth_failed', async (t) => {
  const stack = await startSpiedStack(t);
  const r = await callAs('json', stack.url('admin'), 'Session/login', { login: DEMO_ADMIN.login, password: 'wrong' });
  assert.equal(r.status, 500);
  assert.equal(r.json.faultcode, 'Server.Session.auth_failed', r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
});

test('ping, refresh_access_token and logout work with the token in params and no Authorization header', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
  const ping = await callAs('json', admin, 'Session/ping', { access_token: creds.access_token });
  assert.equal(ping.status, 200);
  assert.ok((ping.json.user_id as number) > 0, ping.text);

  const refreshed = await callAs('json', admin, 'Session/refresh_access_token', { refresh_token: creds.refresh_token });
  assert.equal(refreshed.status, 200, refreshed.text);
  const next = refreshed.json as { access_token: string; refresh_token: string; expires_in: number };
  assert.equal(typeof next.access_token, 'string');
  assert.ok(next.expires_in > 0);
  assert.equal(decodeJwtPayload(next.access_token).jti, creds.session_id);
  const withNew = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 3 }, { session_id: creds.session_id, access_token: next.access_token });
  assert.equal(withNew.status, 200, withNew.text);
  const reused = await callAs('json', admin, 'Session/refresh_access_token', { refresh_token: creds.refresh_token });
  assert.equal(reused.json.faultcode, 'Server.Session.check_auth.auth_failed', `a used refresh token is rotated out: ${reused.text}`);

  // Remember the backend sessions to prove logout ends both.
  const backendIds = backendTokens(stack).map((b) => decodeJwtPayload(b).jti as string);
  assert.ok(backendIds.length >= 1);
  const out = await callAs('json', admin, 'Session/logout', { access_token: next.access_token });
  assert.equal(out.status, 200, out.text);
  const logouts = stack.seen.filter((r) => r.path === '/rest/Session/logout');
  assert.deepEqual(logouts.map((r) => r.system).sort(), ['source', 'target'], 'logout ends both backend sessions');
  for (const id of backendIds) {
    assert.equal(stack.source.system.sessions.live(id), undefined);
    assert.equal(stack.target.system.sessions.live(id), undefined);
  }
  const after = await callAs('json', admin, 'Session/ping', { access_token: next.access_token });
  assert.deepEqual(after.json, { user_id: 0 });
  const call = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 3 }, { session_id: creds.session_id, access_token: next.access_token });
  assert.equal(call.json.faultcode, 'Server.Session.check_auth.auth_failed', call.text);
  assertNeverForwarded(stack, creds.access_token, next.access_token, creds.session_id);
});

test('unknown, expired and garbage credentials get the faults clients re-login on', async (t) => {
  const sessions = new MemorySessionStore();
  const stack = await startSpiedStack(t, { config: { sessions: { store: 'memory', secret: SECRET } }, deps: { sessions } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });

  await t.test('an unknown session id', async () => {
    const r = await callAs('form', admin, 'Customer/get_customer_info', { i_customer: 1 }, { session_id: 'f'.repeat(48), access_token: '' });
    assert.equal(r.status, 500);
    assert.equal(r.json.faultcode, 'Server.Session.check_auth.auth_failed', r.text);
  });
  await t.test('a well-signed token of an unknown session', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = signJwt({ iat: now, exp: now + 600, jti: 'no-such-session', login: 'admin', realm: 'admin', i_env: 3 }, SECRET);
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, { session_id: '', access_token: forged });
    assert.equal(r.json.faultcode, 'Server.Session.check_auth.auth_failed', r.text);
  });
  await t.test('a garbage Bearer token', async () => {
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, { session_id: '', access_token: 'garbage.not-a.jwt' });
    assert.equal(r.status, 500);
    assert.equal(r.json.faultcode, 'Client.Session.check_auth.failed_to_process_access_token', r.text);
  });
  await t.test('a backend (simulator) token presented to the dispatcher', async () => {
    const simToken = await directLogin(stack.source.urls.admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, { session_id: '', access_token: simToken });
    assert.equal(r.json.faultcode, 'Client.Session.check_auth.failed_to_process_access_token', r.text);
  });
  await t.test('no credentials at all', async () => {
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 });
    assert.match(String(r.json.faultcode), RELOGIN, r.text);
  });
  await t.test('a session the store has expired', async () => {
    const s = await sessions.get(creds.session_id);
    assert.ok(s, 'the session is stored');
    await sessions.put({ ...s, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
    assert.equal(r.json.faultcode, 'Server.Session.check_auth.auth_failed', r.text);
    const ping = await callAs('json', admin, 'Session/ping', { access_token: creds.access_token });
    assert.deepEqual(ping.json, { user_id: 0 });
  });
  assert.equal(apiCallsSeen(stack, 'source').length + apiCallsSeen(stack, 'target').length, 0, 'no refused call reached a backend');
});

test('an access token past its exp is refused even while its session lives on', async (t) => {
  const stack = await startSpiedStack(t, { config: { sessions: { store: 'memory', secret: SECRET } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const now = Math.floor(Date.now() / 1000);
  const stale = signJwt({ iat: now - 7200, exp: now - 3600, jti: creds.session_id, login: 'admin', realm: 'admin', i_env: 3 }, SECRET);
  const r = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, { session_id: '', access_token: stale });
  assert.equal(r.json.faultcode, 'Server.Session.check_auth.auth_failed', r.text);
});

for (const [what, faults, missing] of [
  ['the target is down (connections refused)', { outage: 'refuse' }, 'target'],
  ['the source refuses logins', { refuse_logins: true }, 'source'],
] as const) {
  test(`when ${what} at login, the session works with the other system and says which one is missing`, async (t) => {
    const stack = await startSpiedStack(t);
    await setFaults(stack.sim(missing), faults);
    const admin = stack.url('admin');
    const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
    assert.equal(creds.headers.get('x-webdispatcher-missing-system'), missing);
    const present = missing === 'source' ? 'target' : 'source';
    const presentId = present === 'source' ? 1 : 2;
    const ok = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: presentId }, creds);
    assert.equal(ok.status, 200, ok.text);
    const ctx = await callAs('json', admin, 'Session/get_session_context', {}, creds);
    assert.equal(ctx.json.system, present, `context falls back to the present system: ${ctx.text}`);
    assert.equal(decodeJwtPayload(creds.access_token).i_env, present === 'source' ? 3 : 8);
    const gone = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: missing === 'source' ? 1 : 2 }, creds);
    assert.equal(gone.status, 500);
    assert.equal(gone.json.faultcode, 'Server.Dispatcher.backend_unavailable', gone.text);
    assert.match(String(gone.json.faultstring), new RegExp(missing));
  });
}

test('when both systems refuse the login, the client gets Server.Session.auth_failed', async (t) => {
  const stack = await startSpiedStack(t);
  await setFaults(stack.source, { refuse_logins: true });
  await setFaults(stack.target, { outage: 'refuse' });
  const r = await callAs('json', stack.url('admin'), 'Session/login', { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  assert.equal(r.status, 500);
  assert.equal(r.json.faultcode, 'Server.Session.auth_failed', r.text);
});

test('a simulator refresh token still renews its session after the access token expired', async (t) => {
  const stack = await startSpiedStack(t, { sim: { sessionTtlSeconds: 1 } });
  const login = await direct(stack.source.urls.admin, 'Session/login', { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await sleep(1100);
  const r = await direct(stack.source.urls.admin, 'Session/refresh_access_token', { refresh_token: login.json.refresh_token });
  assert.equal(r.status, 200, `refresh after access-token expiry: ${r.text}`);
});

test('expired backend sessions are renewed transparently', async (t) => {
  const stack = await startSpiedStack(t, { sim: { sessionTtlSeconds: 1 } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const before = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
  assert.equal(before.status, 200, before.text);
  await sleep(1100);
  const after = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 1 }, creds);
  assert.equal(after.status, 200, `after the backend session expired: ${after.text}`);
  const other = await callAs('json', admin, 'Customer/get_customer_info', { i_customer: 2 }, creds);
  assert.equal(other.status, 200, other.text);
});

// --- Wire captures replayed through the dispatcher, literal bytes --------------------------

interface ReplayState { access: Map<string, string>; refresh: Map<string, string> }

function substitutions(line: CaptureLine, s: ReplayState): Map<string, string> {
  const subs = new Map<string, string>();
  const current = s.access.get(line.realm);
  if (current !== undefined) for (const jwt of jwtsIn(`${line.headers['authorization'] ?? ''} ${line.body}`)) subs.set(jwt, current);
  const captured = /"refresh_token":\s*"([^"]+)"/.exec(line.body)?.[1];
  const refresh = s.refresh.get(line.realm);
  if (captured !== undefined && refresh !== undefined) subs.set(captured, refresh);
  return subs;
}

type Check = (status: number, json: Record<string, unknown>, s: ReplayState, realm: string) => void;
const okLogin: Check = (status, json, s, realm) => {
  assert.equal(status, 200, JSON.stringify(json));
  const p = decodeJwtPayload(json.access_token as string);
  assert.equal(p.jti, json.session_id, 'the dispatcher\'s own token');
  assert.equal(p.realm, realm);
  assert.equal(typeof p.exp, 'number');
  assert.ok((json.expires_in as number) > 0);
  s.access.set(realm, json.access_token as string);
  s.refresh.set(realm, json.refresh_token as string);
};
const ok200: Check = (status, json) => assert.equal(status, 200, JSON.stringify(json));
const alive: Check = (status, json) => {
  assert.equal(status, 200);
  assert.ok((json.user_id as number) > 0, JSON.stringify(json));
};
const faultIs = (code: string | RegExp): Check => (status, json) => {
  assert.equal(status, 500, JSON.stringify(json));
  if (typeof code === 'string') assert.equal(json.faultcode, code);
  else assert.match(String(json.faultcode), code);
};
const notFound: Check = (status, json) => {
  assert.equal(status, 500);
  assert.doesNotMatch(String(json.faultcode), RELOGIN);
  assert.match(String(json.faultcode), /not_found/);
};
const refreshed: Check = (status, json, s, realm) => {
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(decodeJwtPayload(json.access_token as string).realm, realm);
  s.access.set(realm, json.access_token as string);
  s.refresh.set(realm, json.refresh_token as string);
};

const CAPTURES: Array<[string, Check[]]> = [
  ['rest-webtrit-python.jsonl', [okLogin, ok200, ok200, ok200, ok200, ok200, notFound, okLogin, faultIs('Server.Session.auth_failed'), alive, ok200, ok200, ok200, refreshed, ok200, faultIs('Server.Session.check_auth.auth_failed'), faultIs(RELOGIN)]],
  ['rest-porta-billing-php.jsonl', [okLogin, ok200, ok200, ok200, notFound, alive, ok200, okLogin, faultIs('Server.Session.auth_failed'), ok200, ok200, ok200]],
];

for (const [file, checks] of CAPTURES) {
  test(`the ${file} capture replays through the dispatcher with literal bytes`, async (t) => {
    const stack = await startSpiedStack(t, {
      sim: { adminCredentials: CAPTURE_ADMIN },
      config: { ops: { serviceLogin: { login: 'admin', token: CAPTURE_ADMIN.token } } },
    });
    const lines = loadCaptures(file);
    assert.equal(lines.length, checks.length);
    const state: ReplayState = { access: new Map(), refresh: new Map() };
    const issued: string[] = [];
    for (const [i, line] of lines.entries()) {
      const reply = await replayCapture(line, stack.url(line.realm), substitutions(line, state));
      assert.match(reply.headers['content-type'] ?? '', /^application\/json/, `line ${i + 1}: content-type`);
      const json = JSON.parse(reply.text) as Record<string, unknown>;
      try {
        checks[i]!(reply.status, json, state, line.realm);
      } catch (err) {
        throw new Error(`${file} line ${i + 1} ${line.url}: ${(err as Error).message}`, { cause: err });
      }
      for (const k of ['access_token', 'session_id', 'refresh_token']) if (typeof json[k] === 'string') issued.push(json[k]);
    }
    assert.ok(issued.length >= 4);
    assertNeverForwarded(stack, ...issued);
    assert.ok(stack.seen.some((r) => r.path === '/rest/Account/get_xdr_list' && r.system === 'source'), 'alice\'s calls reached the source where she lives');
  });
}
