import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { buildRequest, hostOf, jsonRequest, sendRaw } from '../helpers/wire.ts';
import { loginFull, startSpiedStack } from './support.ts';

function faultOf(text: string): { faultcode: string; faultstring: string } {
  const j = JSON.parse(text) as { faultcode: string; faultstring: string };
  assert.equal(typeof j.faultcode, 'string');
  assert.ok(j.faultstring.length > 10, `a clear faultstring: ${text}`);
  return j;
}

test('every malformed request is refused with a clear fault and nothing reaches a backend', async (t) => {
  const stack = await startSpiedStack(t, { config: { limits: { bodyBytes: 4096 } } });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const host = hostOf(admin);
  const before = stack.arrivals.length;
  const big = JSON.stringify({ params: { i_customer: 1, notes: 'x'.repeat(10_000) } });
  const cases: Array<[string, Buffer, RegExp]> = [
    ['a body over the limit', jsonRequest(admin, '/rest/Customer/update_customer', big, creds.access_token), /body_too_large/],
    ['malformed JSON', jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":1', creds.access_token), /bad_request/],
    ['params that are not an object', jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":[1,2]}', creds.access_token), /bad_request/],
    ['a JSON array body', jsonRequest(admin, '/rest/Customer/get_customer_info', '[1]', creds.access_token), /bad_request/],
    ['malformed JSON in a form field', buildRequest('POST', '/rest/Customer/get_customer_info', [['Host', host], ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', '40']], `auth_info=%7B%22session_id%22&params=%7B`.padEnd(40, 'x')), /bad_request/],
    ['a wrong content type', buildRequest('POST', '/rest/Customer/get_customer_info', [['Host', host], ['Content-Type', 'text/plain'], ['Authorization', `Bearer ${creds.access_token}`], ['Content-Length', '27']], '{"params":{"i_customer":1}}'), /unsupported_media_type/],
    ['a GET', buildRequest('GET', '/rest/Customer/get_customer_info', [['Host', host], ['Authorization', `Bearer ${creds.access_token}`]]), /method_not_allowed/],
    ['a path that is no API method', jsonRequest(admin, '/api/v2/customers', '{}', creds.access_token), /not_found/],
    ['bad percent-encoding in the path form', buildRequest('POST', `/rest/Customer/get_customer_info/${creds.session_id}/%7B%ZZ`, [['Host', host], ['Content-Length', '0']]), /bad_request/],
    ['a bad id', jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":-4}}', creds.access_token), /bad_request/],
  ];
  for (const [what, bytes, code] of cases) {
    const r = await sendRaw(admin, bytes);
    assert.ok(r.status >= 400, `${what}: ${r.status} ${r.text}`);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/, `${what}: content-type`);
    const f = faultOf(r.text);
    assert.match(f.faultcode, /^Server\.Dispatcher\./, what);
    assert.match(f.faultcode, code, `${what}: ${r.text}`);
  }
  assert.deepEqual(stack.arrivals.slice(before), [], 'no refused request reached a simulator');
  assert.equal(stack.source.system.writeLog.entriesOf(1).applied_count, 0);
});

test('a WebSocket upgrade is refused with a clear message and reaches no backend', async (t) => {
  const stack = await startSpiedStack(t);
  for (const listener of ['admin', 'customer', 'portasip'] as const) {
    const url = stack.url(listener);
    const r = await sendRaw(url, buildRequest('GET', '/ws', [
      ['Host', hostOf(url)], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13'],
    ]));
    assert.notEqual(r.status, 101, 'no protocol switch');
    assert.ok(r.status >= 400);
    const f = faultOf(r.text);
    assert.equal(f.faultcode, 'Server.Dispatcher.websocket_not_supported');
    assert.match(f.faultstring, /WebSocket/);
    assert.match(f.faultstring, /not supported/);
  }
  assert.deepEqual(stack.arrivals, []);
});
