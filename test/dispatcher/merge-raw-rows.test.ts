import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonFault, type SimHttpResponse } from '../../src/sim/http/sim-http.ts';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { startStack, login, call } from '../helpers/stack.ts';

/** Makes a simulator answer every get_customer_list with these bytes (HTTP 200, JSON). */
function answerLists(sim: SimulatorInstance, body: string | Buffer): void {
  sim.mount('admin', {
    name: 'canned-list',
    matches: (method, rawPath) => method === 'POST' && rawPath === '/rest/Customer/get_customer_list',
    handle: (): SimHttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body }),
    fault: jsonFault,
  });
}

test('a merged list carries each system\'s rows as the system wrote them, odd JSON included', async (t) => {
  const stack = await startStack(t);
  // Escaped keys, whitespace, an id in exponent form, a number past double precision, decoys in nested objects, a moved-away copy.
  answerLists(stack.source, '{ "customer_list" : [ {"i_\\u0063ustomer":1001,"name":"a]},{\\"b","big":12345678901234567890,"sub":{"i_customer":1002}} ,\n'
    + '{"i_customer":1002,"migration_status":"mov\\u0065d"} ], "total" : 2 }');
  answerLists(stack.target, '{"customer_list":[{"i_customer":1.002e3,"name":"\\u00e9\\/😀"},{"i_customer":1004,"migration_status":"active"}],"total":2}');
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const res = await fetch(`${stack.url('admin')}/rest/Customer/get_customer_list`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params: { get_total: 1 } }),
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.equal(text, '{"customer_list":[{"i_\\u0063ustomer":1001,"name":"a]},{\\"b","big":12345678901234567890,"sub":{"i_customer":1002}},'
    + '{"i_customer":1.002e3,"name":"\\u00e9\\/😀"},{"i_customer":1004,"migration_status":"active"}],"total":3}');
  assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
});

test('a reply the scanner does not vouch for is merged from JSON.parse, as before', async (t) => {
  const stack = await startStack(t);
  // -0 would be written back as 0, and bytes that are not UTF-8 as U+FFFD: these rows are rebuilt.
  answerLists(stack.source, Buffer.concat([Buffer.from('{"customer_list":[{"i_customer":1001,"name":"'), Buffer.from([0xff]), Buffer.from('","z":-0}],"total":1}')]));
  answerLists(stack.target, '{"customer_list":[{"i_customer":1002, "e":1E2}],"total":1}');
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const r = await call(stack.url('admin'), 'Customer/get_customer_list', { get_total: 1 }, token);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { customer_list: [{ i_customer: 1001, name: '\ufffd', z: 0 }, { i_customer: 1002, e: 100 }], total: 2 });
});

test('a system answering 200 with invalid JSON fails the merge with a fault naming it', async (t) => {
  const stack = await startStack(t);
  answerLists(stack.target, '{"customer_list":[{"i_customer":1002,}],"total":1}');
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const r = await call(stack.url('admin'), 'Customer/get_customer_list', { limit: 5 }, token);
  assert.equal(r.status, 500, JSON.stringify(r.json));
  assert.match(String(r.json.faultstring), /target/);
});
