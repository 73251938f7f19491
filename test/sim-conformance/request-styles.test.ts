import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, decodeJwtPayload, formRequest, hostOf, jsonRequest, multipartRequest, sendRaw, sendSequence } from '../helpers/wire.ts';
import { fault, login, ok, restCall, sendJson, simsForSuite } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

const ENV = 3;
const enc = encodeURIComponent;

function customerInfo(body: Record<string, unknown>): Record<string, unknown> {
  const info = body['customer_info'];
  assert.ok(info !== null && typeof info === 'object', 'customer_info present');
  return info as Record<string, unknown>;
}

function accountInfo(body: Record<string, unknown>): Record<string, unknown> {
  const info = body['account_info'];
  assert.ok(info !== null && typeof info === 'object', 'account_info present');
  return info as Record<string, unknown>;
}

describe('the simulator accepts every request style real PortaBilling clients use', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let admin: string;
  before(async () => {
    sim = await start({ role: 'source', env: ENV, seed: 1, customers: 30 });
    admin = sim.urls.admin;
  });

  test('form-urlencoded auth_info session_id + params, as in PortaOne\'s documentation', async () => {
    const { session_id } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const body = `auth_info=${enc(JSON.stringify({ session_id }))}&params=%7B%22i_account%22%3A1%2C%22get_included_services%22%3A1%7D`;
    const reply = await sendJson(admin, formRequest(admin, '/rest/Account/get_account_info', body));
    const info = accountInfo(ok(reply, 'form get_account_info'));
    assert.equal(info['i_account'], 1);
    assert.equal(info['id'], '15551230001');
    assert.equal(info['i_customer'], 1);
  });

  test('form login on /rest/Session/login/ with a trailing slash (n8n style) returns a session usable in form calls', async () => {
    const reply = await sendJson(admin, formRequest(admin, '/rest/Session/login/', 'params=%7B%22login%22%3A%22admin%22%2C%22password%22%3A%22demo-admin%22%7D'));
    const result = ok(reply, 'form login');
    assert.equal(typeof result['session_id'], 'string');
    assert.equal(decodeJwtPayload(result['access_token'] as string)['jti'], result['session_id']);
    const call = await sendJson(admin, formRequest(admin, '/rest/Customer/get_customer_info/', `auth_info=${enc(JSON.stringify({ session_id: result['session_id'] }))}&params=${enc('{"i_customer":1}')}`));
    assert.equal(customerInfo(ok(call, 'form call with trailing slash'))['login'], 'john.doe');
  });

  test('multipart/form-data with auth_info and params fields', async () => {
    const { session_id } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const reply = await sendJson(admin, multipartRequest(admin, '/rest/Customer/get_customer_info', [
      ['auth_info', JSON.stringify({ session_id })],
      ['params', '{"i_customer":1}'],
    ]));
    const info = customerInfo(ok(reply, 'multipart get_customer_info'));
    assert.equal(info['i_customer'], 1);
    assert.equal(info['name'], 'John Doe');
  });

  test('multipart login returns a session', async () => {
    const reply = await sendJson(admin, multipartRequest(admin, '/rest/Session/login', [['params', '{"login":"admin","password":"demo-admin"}']], 'xYzBoundary0123'));
    assert.equal(typeof ok(reply, 'multipart login')['session_id'], 'string');
  });

  test('legacy path form: session id and URL-encoded params JSON as path segments', async () => {
    const { session_id } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const bytes = buildRequest('POST', `/rest/Customer/get_customer_info/${session_id}/%7B%22login%22%3A%22john.doe%22%7D`, [
      ['Host', hostOf(admin)],
      ['Content-Length', '0'],
    ]);
    const info = customerInfo(ok(await sendJson(admin, bytes), 'path-form get_customer_info'));
    assert.equal(info['i_customer'], 1);
    assert.equal(info['login'], 'john.doe');
  });

  test('legacy path login /rest/Session/login//{…} with URL-encoded JSON', async () => {
    const bytes = buildRequest('POST', `/rest/Session/login//${enc('{"login":"admin","password":"demo-admin"}')}`, [
      ['Host', hostOf(admin)],
      ['Content-Length', '0'],
    ]);
    const result = ok(await sendJson(admin, bytes), 'path login');
    assert.equal(typeof result['session_id'], 'string');
    const info = await sendJson(admin, buildRequest('POST', `/rest/Customer/get_customer_info/${result['session_id'] as string}/${enc('{"i_customer":1}')}`, [['Host', hostOf(admin)], ['Content-Length', '0']]));
    assert.equal(customerInfo(ok(info, 'path call after path login'))['login'], 'john.doe');
  });

  test('older clients log in with {"user","password"}', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Session/login', '{"params":{"user":"admin","password":"demo-admin"}}'));
    const result = ok(reply, 'user/password login');
    assert.equal(decodeJwtPayload(result['access_token'] as string)['login'], 'admin');
  });

  test('admin integrations log in with {"login","token"} (API token)', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Session/login', '{"params":{"login":"admin","token":"demo-admin-token"}}'));
    const result = ok(reply, 'token login');
    const payload = decodeJwtPayload(result['access_token'] as string);
    assert.equal(payload['realm'], 'admin');
    assert.equal(payload['i_env'], ENV);
    const info = await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, result['access_token'] as string);
    assert.equal(customerInfo(ok(info, 'call with token-login session'))['login'], 'john.doe');
  });

  test('a wrong API token is refused with exactly Server.Session.auth_failed', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Session/login', '{"params":{"login":"admin","token":"not-the-token"}}'));
    assert.equal(reply.status, 500);
    fault(reply, 'Server.Session.auth_failed');
  });

  test('one-shot auth_info with login+password in form fields runs the call', async () => {
    const body = `auth_info=${enc('{"login":"admin","password":"demo-admin"}')}&params=${enc('{"i_customer":1}')}`;
    const info = customerInfo(ok(await sendJson(admin, formRequest(admin, '/rest/Customer/get_customer_info', body)), 'one-shot form'));
    assert.equal(info['login'], 'john.doe');
  });

  test('one-shot auth_info with login+token in a JSON body runs the call', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"auth_info":{"login":"admin","token":"demo-admin-token"},"params":{"i_customer":1}}'));
    assert.equal(customerInfo(ok(reply, 'one-shot JSON'))['login'], 'john.doe');
  });

  test('one-shot auth_info with a wrong password is refused with Server.Session.auth_failed', async () => {
    const body = `auth_info=${enc('{"login":"admin","password":"nope"}')}&params=${enc('{"i_customer":1}')}`;
    const reply = await sendJson(admin, formRequest(admin, '/rest/Customer/get_customer_info', body));
    assert.equal(reply.status, 500);
    fault(reply, /^Server\.Session\.(check_auth\.)?auth_failed$/);
  });

  test('a JSON body may carry auth_info.session_id instead of a Bearer header', async () => {
    const { session_id } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', JSON.stringify({ auth_info: { session_id }, params: { i_customer: 1 } })));
    assert.equal(customerInfo(ok(reply, 'JSON auth_info'))['login'], 'john.doe');
  });

  test('a retail customer logs in form-style on the customer listener and reads itself', async () => {
    const customerUrl = sim.urls.customer;
    const reply = await sendJson(customerUrl, formRequest(customerUrl, '/rest/Session/login', `params=${enc('{"login":"john.doe","password":"demo-john"}')}`));
    const result = ok(reply, 'customer login');
    const payload = decodeJwtPayload(result['access_token'] as string);
    assert.equal(payload['realm'], 'customer');
    assert.equal(payload['login'], 'john.doe');
    assert.equal(payload['i_customer'] ?? payload['i_user'], 1);
    const me = await sendJson(customerUrl, formRequest(customerUrl, '/rest/Customer/get_customer_info', `auth_info=${enc(JSON.stringify({ session_id: result['session_id'] }))}&params=%7B%7D`));
    assert.equal(customerInfo(ok(me, 'customer get_customer_info {}'))['i_customer'], 1);
  });

  test('an account logs in on the account listener with its id and reads itself', async () => {
    const accountUrl = sim.urls.account;
    const result = await login(accountUrl, { login: '15551230001', password: 'demo-john' });
    const payload = decodeJwtPayload(result.access_token);
    assert.equal(payload['realm'], 'account');
    assert.equal(payload['i_account'], 1);
    const me = await restCall(accountUrl, 'Account/get_account_info', {}, result.access_token);
    assert.equal(accountInfo(ok(me, 'account get_account_info {}'))['id'], '15551230001');
  });

  test('a customer\'s credentials do not open a session on the admin listener', async () => {
    const reply = await restCall(admin, 'Session/login', { login: 'john.doe', password: 'demo-john' });
    assert.equal(reply.status, 500);
    fault(reply, 'Server.Session.auth_failed');
  });

  test('an unknown session id is refused with Server.Session.check_auth.auth_failed, byte-exact fault body', async () => {
    const body = `auth_info=${enc('{"session_id":"527865ee75368ff2d2c4f4881"}')}&params=${enc('{"i_customer":1}')}`;
    const reply = await sendJson(admin, formRequest(admin, '/rest/Customer/get_customer_info', body));
    assert.equal(reply.status, 500);
    fault(reply, 'Server.Session.check_auth.auth_failed');
  });

  test('a garbage Bearer token is refused with Client.Session.check_auth.failed_to_process_access_token', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":1}}', 'garbage'));
    assert.equal(reply.status, 500);
    fault(reply, 'Client.Session.check_auth.failed_to_process_access_token');
  });

  test('a Bearer token with a forged signature is refused as an unprocessable access token', async () => {
    const { access_token } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const [h, p] = access_token.split('.');
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":1}}', `${h}.${p}.c2lnbmF0dXJl`));
    assert.equal(reply.status, 500);
    fault(reply, /^(Client\.Session\.check_auth\.failed_to_process_access_token|Client\.Session\.check_auth\.failed_to_process_jwt)$/);
  });

  test('an access token of one realm is not accepted on another realm\'s listener', async () => {
    const account = await login(sim.urls.account, { login: '15551230001', password: 'demo-john' });
    const reply = await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, account.access_token);
    assert.equal(reply.status, 500);
    fault(reply, /^(Server\.Session\.check_auth\.auth_failed|Client\.Session\.check_auth\.failed_to_process_access_token)$/);
  });

  test('a login reply to a JSON login carries session_id, access_token, refresh_token, expires_at, expires_in', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Session/login', '{"params":{"login":"admin","password":"demo-admin"}}'));
    const result = ok(reply, 'login');
    for (const key of ['session_id', 'access_token', 'refresh_token', 'expires_at', 'expires_in']) assert.ok(key in result, `login result has ${key}`);
    const payload = decodeJwtPayload(result['access_token'] as string);
    for (const key of ['exp', 'iat', 'jti', 'login', 'realm', 'i_env']) assert.ok(key in payload, `token payload has ${key}`);
    assert.equal(payload['i_user'], 1);
  });
  test('one keep-alive connection carries many calls in a row, faults included, as python-requests and Guzzle reuse sockets', async () => {
    const { session_id, access_token } = await login(admin, { login: 'admin', password: 'demo-admin' });
    const replies = await sendSequence(admin, [
      jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":7}}', access_token),
      jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":999999999}}', access_token),
      jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{', access_token),
      formRequest(admin, '/rest/Customer/get_customer_info', `auth_info=${enc(JSON.stringify({ session_id }))}&params=${enc('{"i_customer":1}')}`),
      multipartRequest(admin, '/rest/Account/get_account_info', [['auth_info', JSON.stringify({ session_id })], ['params', '{"i_account":1}']]),
      buildRequest('POST', `/rest/Customer/get_customer_info/${session_id}/${enc('{"login":"john.doe"}')}`, [['Host', hostOf(admin)], ['Content-Length', '0']]),
      jsonRequest(admin, '/rest/Generic/get_version', '{"params":{}}', access_token),
    ]);
    assert.equal(replies.length, 7);
    const parsed = replies.map((r) => ({ ...r, json: JSON.parse(r.text) as unknown }));
    assert.equal(customerInfo(ok(parsed[0]!))['i_customer'], 7);
    fault(parsed[1]!, 'Server.Customer.customer_not_found');
    fault(parsed[2]!, 'Client.bad_request');
    assert.equal(customerInfo(ok(parsed[3]!))['i_customer'], 1);
    assert.equal(accountInfo(ok(parsed[4]!))['i_account'], 1);
    assert.equal(customerInfo(ok(parsed[5]!))['login'], 'john.doe');
    ok(parsed[6]!);
  });

  test('per-realm API docs are served at /doc/api/<X>Interface.json (SPEC §3)', async () => {
    for (const [realm, x] of [['admin', 'Admin'], ['reseller', 'Reseller'], ['customer', 'Customer'], ['account', 'Account']] as const) {
      const url = sim.urls[realm];
      const reply = await sendRaw(url, buildRequest('GET', `/doc/api/${x}Interface.json`, [['Host', hostOf(url)]]));
      assert.equal(reply.status, 200, `${realm}: GET /doc/api/${x}Interface.json → ${reply.status}`);
      assert.match(reply.headers['content-type'] ?? '', /json/);
      const doc = JSON.parse(reply.text) as { name: string; services: { name: string; methods: { name: string }[] }[] };
      assert.equal(doc.name, `${x}Interface`);
      const customer = doc.services.find((s) => s.name === 'Customer');
      assert.ok(customer?.methods.some((m) => m.name === 'get_customer_info'), `${x}Interface documents Customer/get_customer_info`);
    }
  });
});
