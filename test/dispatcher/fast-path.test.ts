import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig, startStack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { buildRequest, hostOf, sendRaw } from '../helpers/wire.ts';

interface Creds { accessToken: string; sessionId: string }

async function loginAt(admin: string): Promise<Creds> {
  const res = await fetch(`${admin}/rest/Session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password } }) });
  const json = await res.json() as { access_token: string; session_id: string };
  return { accessToken: json.access_token, sessionId: json.session_id };
}

/** Requests as clients send them, with the listener's own credentials; the lean server and node:http must answer them alike. */
function cases(base: string, c: Creds): Array<[string, Buffer]> {
  const host: [string, string] = ['Host', hostOf(base)];
  const length = (body: string): [string, string] => ['Content-Length', String(Buffer.byteLength(body))];
  const json = (path: string, body: string, extra: Array<[string, string]> = []): Buffer => buildRequest('POST', path, [host, ['Content-Type', 'application/json'], ['Authorization', `Bearer ${c.accessToken}`], length(body), ...extra], body);
  const form = new URLSearchParams({ auth_info: JSON.stringify({ session_id: c.sessionId }), params: JSON.stringify({ i_customer: 2 }) }).toString();
  return [
    ['JSON + Bearer, source customer', json('/rest/Customer/get_customer_info', '{"params":{"i_customer":1}}')],
    ['JSON + Bearer, target customer', json('/rest/Customer/get_customer_info', '{"params":{"i_customer":2}}')],
    ['query string and Connection: close', json('/rest/Customer/get_customer_info?x=1', '{"params":{"i_customer":1}}', [['Connection', 'close']])],
    ['form-encoded auth_info + params', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/x-www-form-urlencoded'], length(form)], form)],
    ['merged list', json('/rest/Customer/get_customer_list', '{"params":{"limit":5,"offset":0}}')],
    ['malformed JSON', json('/rest/Customer/get_customer_info', '{"params":{"i_customer":')],
    ['body not an object', json('/rest/Customer/get_customer_info', '[1,2]')],
    ['empty body', json('/rest/Customer/get_customer_info', '')],
    ['unknown customer', json('/rest/Customer/get_customer_info', '{"params":{"i_customer":999999}}')],
    ['no credentials', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], length('{"params":{"i_customer":1}}')], '{"params":{"i_customer":1}}')],
    ['a token this server did not issue', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], ['Authorization', 'Bearer abc.def.ghi'], length('{"params":{}}')], '{"params":{}}')],
    ['a POST without a length (its body is read as the next request)', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], ['Authorization', `Bearer ${c.accessToken}`]])],
    ['not an API path', json('/nothing/here', '{}')],
    ['GET of a REST method', buildRequest('GET', '/rest/Customer/get_customer_info', [host, ['Authorization', `Bearer ${c.accessToken}`]])],
    ['a body over the limit', json('/rest/Customer/get_customer_info', `{"params":{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}}`)],
    ['duplicate Content-Length', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], ['Content-Length', '2'], ['Content-Length', '2']], '{}')],
    ['a head ending in bare LF', Buffer.from(`POST /rest/Customer/get_customer_info HTTP/1.1\nHost: ${hostOf(base)}\nContent-Type: application/json\n\n`, 'latin1')],
    ['Transfer-Encoding: gzip', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], ['Transfer-Encoding', 'gzip']], '{}')],
    ['Transfer-Encoding: gzip, chunked', buildRequest('POST', '/rest/Customer/get_customer_info', [host, ['Content-Type', 'application/json'], ['Authorization', `Bearer ${c.accessToken}`], ['Transfer-Encoding', 'gzip, chunked']], '2\r\n{}\r\n0\r\n\r\n')],
  ];
}

function essence(reply: { status: number; headers: Record<string, string>; text: string }): unknown {
  let body: unknown = reply.text;
  try {
    const json = JSON.parse(reply.text) as Record<string, unknown>;
    // What a client acts on: the fault code, or the keys of the result (ids and texts may differ per session).
    body = typeof json.faultcode === 'string' ? { faultcode: json.faultcode } : { keys: Object.keys(json).sort() };
  } catch {
    body = { text: reply.text.slice(0, 80) };
  }
  return { status: reply.status, type: (reply.headers['content-type'] ?? '').split(';')[0], body };
}

test('the lean server and node:http give clients the same answers, and the lean server serves the REST calls', async (t) => {
  const stack = await startStack(t);
  const nodeOnly = await startDispatcher(testConfig(stack.source, stack.target, { listen: { fastPath: false } }));
  t.after(() => nodeOnly.close());
  const leanAdmin = stack.url('admin');
  const nodeAdmin = nodeOnly.urls.admin!;
  const [leanCreds, nodeCreds] = await Promise.all([loginAt(leanAdmin), loginAt(nodeAdmin)]);
  const leanCases = cases(leanAdmin, leanCreds);
  const nodeCases = cases(nodeAdmin, nodeCreds);
  for (let i = 0; i < leanCases.length; i++) {
    const [name, leanBytes] = leanCases[i]!;
    const [lean, node] = await Promise.all([sendRaw(leanAdmin, leanBytes), sendRaw(nodeAdmin, nodeCases[i]![1])]);
    assert.deepEqual(essence(lean), essence(node), name);
    if (name.includes('bare LF')) assert.equal(lean.status, 400, name);
    if (name.startsWith('Transfer-Encoding')) assert.equal(lean.status, 501, name);
    // node:http's own 400s (unparseable requests) and the framing 501s carry no request id; every answer of ours does.
    if (lean.status !== 400 && lean.status !== 501) assert.match(lean.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/, `${name}: x-request-id`);
  }
  const metrics = await (await fetch(`${stack.url('ops')}/metrics`)).text();
  const served = Number(/webdispatcher_fast_path_requests_total\{listener="admin"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  const handedOff = Number(/webdispatcher_fast_path_handoffs_total\{listener="admin"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  // Login and the eleven lean-shaped cases above; the over-limit body, the duplicate length, the
  // bare-LF head and the two Transfer-Encoding requests went to node:http.
  assert.ok(served >= 12, `served lean: ${served}\n${metrics}`);
  assert.equal(handedOff, 5);
  const nodeMetrics = await (await fetch(`${nodeOnly.urls.ops!}/metrics`)).text();
  assert.doesNotMatch(nodeMetrics, /webdispatcher_fast_path_requests_total\{listener="admin"\} [1-9]/);
});
