import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { jwtsIn, loadCaptures, replayCapture } from '../helpers/wire.ts';
import type { CaptureLine } from '../helpers/wire.ts';
import { fault, ok, restCall, startSim, tokenPayload } from '../helpers/sim.ts';
import type { JsonReply, LoginResult } from '../helpers/sim.ts';

const ENV = 3;
const SIM_OPTIONS = { role: 'source', env: ENV, seed: 1, customers: 40, adminCredentials: { password: 'adminpw', token: 'admintoken' } } as const;

/** Codes on which real clients re-login: a call without a usable session must get one of them. */
const RELOGIN_CODES = /^(Server\.Session\.check_auth\.auth_failed|Client\.Session\.check_auth\.failed_to_process_access_token|Client\.check_auth\.envelope_missed|Client\.Session\.check_auth\.failed_to_process_jwt)$/;

/**
 * Per-realm credentials the simulator issued during this replay. Captured tokens are replaced by
 * the latest ones of the same realm: the capture's later requests carry what its server issued.
 */
interface ReplayState {
  access: Map<string, string>;
  refresh: Map<string, string>;
}

function substitutionsFor(line: CaptureLine, state: ReplayState): Map<string, string> {
  const subs = new Map<string, string>();
  const current = state.access.get(line.realm);
  if (current !== undefined) {
    for (const jwt of jwtsIn(`${line.headers['authorization'] ?? ''} ${line.body}`)) subs.set(jwt, current);
  }
  const refresh = state.refresh.get(line.realm);
  const captured = /"refresh_token":\s*"([^"]+)"/.exec(line.body)?.[1];
  if (refresh !== undefined && captured !== undefined) subs.set(captured, refresh);
  return subs;
}

/** A login reply: session_id, a 3-part JWT whose payload real clients decode, expiry fields. */
function checkLogin(reply: JsonReply, state: ReplayState, realm: string, expectedLogin: string): LoginResult {
  const body = ok(reply, `${realm} login`) as unknown as LoginResult;
  assert.equal(typeof body.session_id, 'string');
  assert.ok(body.session_id.length >= 16, 'session_id is long enough to be unguessable');
  assert.equal(typeof body.refresh_token, 'string');
  assert.ok(body.refresh_token.length > 0);
  assert.equal(typeof body.expires_in, 'number');
  assert.ok(body.expires_in > 0, 'expires_in > 0');
  assert.ok('expires_at' in body, 'expires_at present');
  const payload = tokenPayload(body);
  assert.equal(typeof payload['exp'], 'number');
  assert.equal(typeof payload['iat'], 'number');
  assert.ok((payload['exp'] as number) > (payload['iat'] as number), 'exp after iat');
  assert.ok(Math.abs((payload['exp'] as number) - (payload['iat'] as number) - body.expires_in) <= 5, 'exp - iat matches expires_in');
  assert.ok(Math.abs((payload['iat'] as number) - Date.now() / 1000) < 120, 'iat is now');
  assert.equal(payload['jti'], body.session_id, 'jti is the session id');
  assert.equal(payload['login'], expectedLogin);
  assert.equal(payload['realm'], realm);
  assert.equal(payload['i_env'], ENV);
  state.access.set(realm, body.access_token);
  state.refresh.set(realm, body.refresh_token);
  return body;
}

function checkPingAlive(reply: JsonReply): void {
  const body = ok(reply, 'ping');
  assert.deepEqual(Object.keys(body), ['user_id']);
  assert.equal(typeof body['user_id'], 'number');
  assert.ok((body['user_id'] as number) > 0, `user_id > 0 for a live session: ${reply.text}`);
}

function checkNotFound(reply: JsonReply): void {
  assert.equal(reply.status, 500, reply.text);
  // SPEC leaves the not-found code open; the simulator documents Server.Customer.customer_not_found.
  fault(reply, 'Server.Customer.customer_not_found', 'unknown customer');
}

function checkAccountInfoOf(reply: JsonReply, login: string): void {
  const info = ok(reply, 'get_account_info')['account_info'] as Record<string, unknown> | undefined;
  assert.ok(info, `account_info present: ${reply.text.slice(0, 300)}`);
  assert.equal(info['login'], login);
  assert.equal(typeof info['i_account'], 'number');
  assert.equal(info['i_account'], 19);
}

function checkCustomer7(reply: JsonReply): void {
  const info = ok(reply, 'get_customer_info')['customer_info'] as Record<string, unknown> | undefined;
  assert.ok(info, 'customer_info present');
  assert.equal(info['i_customer'], 7);
  assert.equal(info['i_env'], ENV);
  for (const field of ['login', 'name', 'balance', 'iso_4217']) assert.ok(field in info, `customer_info.${field}`);
}

function checkXdrList(reply: JsonReply, limit: number, withTotal: boolean): void {
  const body = ok(reply, 'get_xdr_list');
  const list = body['xdr_list'];
  assert.ok(Array.isArray(list), 'xdr_list is an array');
  assert.ok(list.length <= limit, `at most ${limit} xdrs`);
  for (const x of list as Array<Record<string, unknown>>) assert.equal(x['i_account'], 19, 'only the session account\'s xdrs');
  if (withTotal) assert.equal(typeof body['total'], 'number');
}

type Check = (reply: JsonReply, state: ReplayState) => void;

/** Replays a capture file in order; `checks[i]` judges the reply to line i. */
async function replayFile(t: TestContext, file: string, checks: ReadonlyArray<readonly [string, Check]>): Promise<{ state: ReplayState; urls: Record<string, string> }> {
  const sim = await startSim(t, SIM_OPTIONS);
  const urls: Record<string, string> = { ...sim.urls };
  const lines = loadCaptures(file);
  assert.equal(lines.length, checks.length, `${file} has ${lines.length} lines; the test judges ${checks.length}`);
  const state: ReplayState = { access: new Map(), refresh: new Map() };
  for (const [i, line] of lines.entries()) {
    const [url, check] = checks[i]!;
    assert.equal(line.url, url, `${file} line ${i + 1} is ${line.url}`);
    const base = urls[line.realm];
    assert.ok(base, `listener for realm ${line.realm}`);
    const raw = await replayCapture(line, base, substitutionsFor(line, state));
    let json: unknown;
    try { json = JSON.parse(raw.text); } catch { json = undefined; }
    const reply: JsonReply = { ...raw, json };
    assert.match(reply.headers['content-type'] ?? '', /^application\/json\b/, `${file} line ${i + 1}: content-type`);
    await t.test(`line ${i + 1}: ${line.realm} ${line.url} ${line.body.slice(0, 60)}`, () => check(reply, state));
  }
  return { state, urls };
}

test('every request of the WebTrit Python client capture gets the reply a real PortaBilling gives', async (t) => {
  const { state, urls } = await replayFile(t, 'rest-webtrit-python.jsonl', [
    ['/rest/Session/login', (r, s) => { checkLogin(r, s, 'admin', 'admin'); }],
    ['/rest/Account/get_account_info', (r) => checkAccountInfoOf(r, 'alice')],
    ['/rest/Customer/get_customer_info', checkCustomer7],
    ['/rest/Customer/get_customer_list', (r) => {
      const list = ok(r, 'get_customer_list')['customer_list'];
      assert.ok(Array.isArray(list), 'customer_list is an array');
    }],
    ['/rest/Generic/get_version', (r) => { ok(r, 'get_version'); }],
    ['/rest/Env/get_env_info', (r) => {
      const body = ok(r, 'get_env_info');
      assert.ok(JSON.stringify(body).includes(`"i_env":${ENV}`), `env info names i_env ${ENV}: ${r.text}`);
    }],
    ['/rest/Customer/get_customer_info', checkNotFound],
    ['/rest/Session/login', (r, s) => {
      const login = checkLogin(r, s, 'account', 'alice');
      assert.equal(tokenPayload(login)['i_account'], 19, 'token carries the account id');
    }],
    ['/rest/Session/login', (r) => { assert.equal(r.status, 500); fault(r, 'Server.Session.auth_failed', 'wrong password'); }],
    ['/rest/Session/ping', checkPingAlive],
    ['/rest/Account/get_account_info', (r) => checkAccountInfoOf(r, 'alice')],
    ['/rest/Account/get_alias_list', (r) => {
      const body = ok(r, 'get_alias_list');
      assert.ok(Array.isArray(body['alias_list']), `alias_list is an array: ${r.text}`);
    }],
    ['/rest/Account/get_xdr_list', (r) => checkXdrList(r, 50, true)],
    ['/rest/Session/refresh_access_token', (r, s) => {
      const body = ok(r, 'refresh_access_token');
      assert.equal(typeof body['access_token'], 'string');
      const payload = tokenPayload({ access_token: body['access_token'] as string });
      assert.equal(payload['realm'], 'account');
      assert.equal(payload['login'], 'alice');
      assert.equal(typeof payload['exp'], 'number');
      s.access.set('account', body['access_token'] as string);
      if (typeof body['refresh_token'] === 'string') s.refresh.set('account', body['refresh_token']);
    }],
    ['/rest/Session/logout', (r) => { ok(r, 'logout'); }],
    ['/rest/Account/get_account_info', (r) => { assert.equal(r.status, 500); fault(r, 'Server.Session.check_auth.auth_failed', 'token of a logged-out session'); }],
    ['/rest/Account/get_account_info', (r) => { assert.equal(r.status, 500); fault(r, RELOGIN_CODES, 'no credentials at all'); }],
  ]);

  await t.test('the admin session from the token login is still alive at the end', async () => {
    checkPingAlive(await restCall(urls['admin']!, 'Session/ping', { access_token: state.access.get('admin') }));
  });
});

test('every request of the portabilling PHP client capture gets the reply a real PortaBilling gives', async (t) => {
  const { state, urls } = await replayFile(t, 'rest-porta-billing-php.jsonl', [
    ['/rest/Session/login', (r, s) => { checkLogin(r, s, 'admin', 'admin'); }],
    ['/rest/Account/get_account_info', (r) => checkAccountInfoOf(r, 'alice')],
    ['/rest/Customer/get_customer_info', checkCustomer7],
    ['/rest/Customer/get_customer_list', (r) => {
      const list = ok(r, 'get_customer_list')['customer_list'];
      assert.ok(Array.isArray(list), 'customer_list is an array');
      assert.ok(list.length > 0 && list.length <= 10, `1..10 customers, got ${list.length}`);
    }],
    ['/rest/Customer/get_customer_info', checkNotFound],
    ['/rest/Session/ping', checkPingAlive],
    ['/rest/Session/logout', (r) => { ok(r, 'logout'); }],
    ['/rest/Session/login', (r, s) => { checkLogin(r, s, 'account', 'alice'); }],
    ['/rest/Session/login', (r) => { assert.equal(r.status, 500); fault(r, 'Server.Session.auth_failed', 'wrong password'); }],
    ['/rest/Account/get_account_info', (r) => checkAccountInfoOf(r, 'alice')],
    ['/rest/Account/get_xdr_list', (r) => checkXdrList(r, 10, false)],
    ['/rest/Session/logout', (r) => { ok(r, 'logout'); }],
  ]);

  await t.test('after logout the admin token no longer opens calls', async () => {
    const reply = await restCall(urls['admin']!, 'Customer/get_customer_info', { i_customer: 7 }, state.access.get('admin'));
    assert.equal(reply.status, 500);
    fault(reply, 'Server.Session.check_auth.auth_failed');
  });

  await t.test('after logout ping says the session is not alive', async () => {
    const reply = await restCall(urls['account']!, 'Session/ping', { access_token: state.access.get('account') });
    if (reply.status === 200) {
      assert.deepEqual(reply.json, { user_id: 0 });
      assert.match(reply.headers['content-type'] ?? '', /^application\/json\b/);
    } else {
      fault(reply, RELOGIN_CODES);
    }
  });
});
