import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, formRequest, hostOf, jsonRequest, sendRaw } from '../helpers/wire.ts';
import { fault, login, ok, restCall, sendJson, simsForSuite } from '../helpers/sim.ts';
import type { JsonReply } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

const SESSION_CODES = /^(Server\.Session\.|Client\.Session\.check_auth\.|Client\.check_auth\.)/;

describe('bad input gets a clear fault, changes nothing and never breaks the simulator', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let admin: string;
  let token: string;

  before(async () => {
    sim = await start({ role: 'source', env: 3, seed: 1, customers: 30 });
    admin = sim.urls.admin;
    token = (await login(admin, { login: 'admin', password: 'demo-admin' })).access_token;
  });

  /** A refusal: not 2xx, a JSON PortaBilling fault; and the listener still serves a normal call. */
  async function refusedThenStillServing(reply: JsonReply, what: string, notSessionFault = true): Promise<string> {
    assert.ok(reply.status === 500 || (reply.status >= 400 && reply.status < 500), `${what}: HTTP 500 or 4xx, got ${reply.status} ${reply.text.slice(0, 200)}`);
    const code = fault(reply, undefined, what);
    if (notSessionFault) assert.doesNotMatch(code, SESSION_CODES, `${what}: the session is fine, the input is not`);
    const normal = await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, token);
    assert.equal((ok(normal, `normal call after ${what}`)['customer_info'] as Record<string, unknown>)['login'], 'john.doe');
    return code;
  }

  test('malformed JSON in a JSON body', async () => {
    await refusedThenStillServing(await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params": {"i_customer": 1', token)), 'malformed JSON');
  });

  test('malformed JSON in the params form field', async () => {
    await refusedThenStillServing(await sendJson(admin, formRequest(admin, '/rest/Customer/get_customer_info', `auth_info=${encodeURIComponent(JSON.stringify({ login: 'admin', password: 'demo-admin' }))}&params=%7Bnot%20json`)), 'malformed params field');
  });

  test('params that are not an object', async () => {
    await refusedThenStillServing(await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":[1,2,3]}', token)), 'params array');
  });

  test('a known param of the wrong type (i_customer "abc")', async () => {
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":"abc"}}', token));
    await refusedThenStillServing(reply, 'i_customer "abc"');
    assert.match((reply.json as { faultstring: string }).faultstring, /i_customer/, 'the faultstring names the bad param');
  });

  test('a wrong-typed field in an update is refused and changes nothing', async () => {
    const before = ok(await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, token))['customer_info'];
    const reply = await restCall(admin, 'Customer/update_customer', { customer_info: { i_customer: 1, credit_limit: 'lots', notes: 'must not be written' } }, token);
    await refusedThenStillServing(reply, 'credit_limit "lots"');
    const afterInfo = ok(await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, token))['customer_info'];
    assert.deepEqual(afterInfo, before);
  });

  test('a huge JSON body with Content-Length is refused with a fault', async () => {
    const filler = 'x'.repeat(6 * 1024 * 1024);
    const body = `{"params":{"i_customer":1,"notes":"${filler}"}}`;
    const reply = await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', body, token));
    const code = await refusedThenStillServing(reply, 'huge body');
    assert.ok(code.length > 0);
  });

  test('a huge chunked body without Content-Length is refused with a fault', async () => {
    const chunk = 'y'.repeat(1024 * 1024);
    const chunks = Array.from({ length: 6 }, () => `${(chunk.length).toString(16)}\r\n${chunk}\r\n`).join('');
    const head = '{"params":{"notes":"';
    const tail = '"}}';
    const body = `${head.length.toString(16)}\r\n${head}\r\n${chunks}${tail.length.toString(16)}\r\n${tail}\r\n0\r\n\r\n`;
    const bytes = buildRequest('POST', '/rest/Customer/get_customer_info', [
      ['Host', hostOf(admin)],
      ['Content-Type', 'application/json'],
      ['Authorization', `Bearer ${token}`],
      ['Transfer-Encoding', 'chunked'],
    ], body);
    await refusedThenStillServing(await sendJson(admin, bytes), 'huge chunked body');
  });

  test('GET instead of POST', async () => {
    const bytes = buildRequest('GET', '/rest/Generic/get_version', [['Host', hostOf(admin)], ['Authorization', `Bearer ${token}`]]);
    await refusedThenStillServing(await sendJson(admin, bytes), 'GET');
  });

  test('an unknown service is a JSON fault, not a 404 page', async () => {
    await refusedThenStillServing(await sendJson(admin, jsonRequest(admin, '/rest/NoSuchService/get_info', '{"params":{}}', token)), 'unknown service');
  });

  test('an unknown method of a known service is a JSON fault', async () => {
    await refusedThenStillServing(await sendJson(admin, jsonRequest(admin, '/rest/Customer/no_such_method', '{"params":{}}', token)), 'unknown method');
  });

  test('a path outside /rest is a JSON fault', async () => {
    const bytes = buildRequest('POST', '/nothing/here', [['Host', hostOf(admin)], ['Content-Length', '0']]);
    await refusedThenStillServing(await sendJson(admin, bytes), 'unknown path');
  });

  test('an empty JSON body to a method that needs params', async () => {
    await refusedThenStillServing(await sendJson(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '', token)), 'empty body');
  });

  test('a body in an unsupported content type', async () => {
    const bytes = buildRequest('POST', '/rest/Customer/get_customer_info', [
      ['Host', hostOf(admin)],
      ['Content-Type', 'application/octet-stream'],
      ['Authorization', `Bearer ${token}`],
      ['Content-Length', '6'],
    ], Buffer.from([0, 1, 2, 0xff, 0xfe, 0x7b]));
    await refusedThenStillServing(await sendJson(admin, bytes), 'octet-stream body');
  });

  test('a JSON body labelled text/plain is refused', async () => {
    const body = '{"params":{"i_customer":1}}';
    const bytes = buildRequest('POST', '/rest/Customer/get_customer_info', [
      ['Host', hostOf(admin)],
      ['Content-Type', 'text/plain'],
      ['Authorization', `Bearer ${token}`],
      ['Content-Length', String(body.length)],
    ], body);
    await refusedThenStillServing(await sendJson(admin, bytes), 'text/plain body');
  });

  test('bytes that are not HTTP do not disturb the listener', async () => {
    await sendRaw(admin, Buffer.from('HELLO THERE\r\n\r\n')).catch(() => undefined);
    const normal = await restCall(admin, 'Customer/get_customer_info', { i_customer: 1 }, token);
    ok(normal, 'normal call after garbage bytes');
  });

  test('unknown params such as skip_exported are ignored, as PortaBilling does', async () => {
    const reply = await restCall(admin, 'Customer/get_customer_info', { i_customer: 1, skip_exported: 1, with_credit_limit_warnings: 0, a_flag_from_a_future_release: 'x' }, token);
    assert.equal((ok(reply, 'unknown params')['customer_info'] as Record<string, unknown>)['i_customer'], 1);
    const list = await restCall(admin, 'Customer/get_customer_list', { skip_exported: 1, check_usage: 0, with_bp_charge_cc: 0, limit: 5 }, token);
    const rows = ok(list, 'list with unknown params')['customer_list'];
    assert.ok(Array.isArray(rows) && rows.length > 0 && rows.length <= 5);
  });
});
