import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createLocationsApi } from './locations-api.ts';
import { MemoryDirectory } from '../directory/memory-directory.ts';
import { createLocationResolver } from '../directory/resolver.ts';

const TOKEN = 'ops-secret-token';

async function start(t: TestContext, directory = new MemoryDirectory()) {
  const api = createLocationsApi({ directory, resolver: createLocationResolver({ directory }), token: TOKEN });
  const server = createServer((req, res) => {
    void api(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end('not mine'); } });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKEN}`, ...headers }, ...(body === undefined ? {} : { body }) });
    return { status: res.status, type: res.headers.get('content-type'), json: await res.json().catch(() => undefined) as Record<string, unknown> | undefined };
  };
  return { directory, base, call };
}

describe('operator locations API', () => {
  it('refuses a missing or wrong token with 401 and a forbidden fault', async (t) => {
    const { base } = await start(t);
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
      const res = await fetch(`${base}/v1/locations/customers/3`, { headers });
      assert.equal(res.status, 401);
      assert.equal((await res.json() as { faultcode: string }).faultcode, 'Server.Dispatcher.forbidden');
    }
  });

  it('leaves other paths to the next handler', async (t) => {
    const { base } = await start(t);
    const res = await fetch(`${base}/healthz`);
    assert.equal(await res.text(), 'not mine');
  });

  it('GET answers system, state and how the location was resolved', async (t) => {
    const { call, directory } = await start(t);
    await directory.putCustomer({ iCustomer: 3, system: 'target', accounts: [31] });
    const c3 = await call('GET', '/v1/locations/customers/3');
    assert.equal(c3.status, 200);
    assert.match(c3.type ?? '', /application\/json/);
    assert.deepEqual({ ...c3.json, updatedAt: undefined }, { i_customer: 3, system: 'target', state: 'active', resolvedBy: 'directory', version: 1, updatedAt: undefined });
    assert.deepEqual((await call('GET', '/v1/locations/customers/4')).json, { i_customer: 4, system: 'target', state: 'active', resolvedBy: 'parity' });
    assert.deepEqual((await call('GET', '/v1/locations/customers/5')).json, { i_customer: 5, system: 'source', state: 'active', resolvedBy: 'assume-source' });
    const a31 = await call('GET', '/v1/locations/accounts/31');
    assert.deepEqual([a31.json?.i_account, a31.json?.i_customer, a31.json?.system, a31.json?.resolvedBy], [31, 3, 'target', 'directory']);
  });

  it('PUT sets a customer location with its accounts and login', async (t) => {
    const { call, directory } = await start(t);
    const put = await call('PUT', '/v1/locations/customers/7', JSON.stringify({ system: 'target', accounts: [71, { i_account: 73, login: 'p73' }], login: 'seven' }), { 'content-type': 'application/json' });
    assert.equal(put.status, 200);
    assert.deepEqual([put.json?.system, put.json?.state, put.json?.version], ['target', 'active', 1]);
    assert.equal(await directory.getAccountOwner(71), 7);
    assert.deepEqual(await directory.findKey('account-login', 'p73'), { iCustomer: 7, iAccount: 73 });
    assert.deepEqual(await directory.findKey('customer-login', 'seven'), { iCustomer: 7 });
  });

  it('bad input is a 400 fault that names the problem, and changes nothing', async (t) => {
    const { call, directory } = await start(t);
    const cases: Array<[string, string, string | undefined, RegExp]> = [
      ['GET', '/v1/locations/customers/abc', undefined, /i_customer "abc" is not a positive integer/],
      ['PUT', '/v1/locations/customers/9', '{"system":"mars"}', /system "mars"/],
      ['PUT', '/v1/locations/customers/9', '{"system":"target","accounts":[91,"x"]}', /account "x"/],
      ['PUT', '/v1/locations/customers/9', '{"system":"target","colour":1}', /Unknown field "colour"/],
      ['PUT', '/v1/locations/customers/9', '{not json', /not valid JSON/],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${body}`);
      assert.equal(r.json?.faultcode, 'Server.Dispatcher.bad_request');
      assert.match(String(r.json?.faultstring), message);
    }
    assert.equal(await directory.getCustomer(9), undefined);
    assert.equal(await directory.getAccountOwner(91), undefined);
  });

  it('PUT changing the system of a moving customer is a 409 conflict', async (t) => {
    const { call, directory } = await start(t);
    await directory.beginMove(11, 'source');
    const r = await call('PUT', '/v1/locations/customers/11', '{"system":"target"}');
    assert.equal(r.status, 409);
    assert.match(String(r.json?.faultstring), /customer 11.*moving/);
  });

  it('POST import streams CSV or NDJSON and reports accepted and rejected rows by line', async (t) => {
    const { call, directory } = await start(t);
    const csv = await call('POST', '/v1/locations/import', 'i_customer,system,login,accounts\n21,target,c21,211;213\n23,nowhere,c23,\n25,source,,\n', { 'content-type': 'text/csv' });
    assert.equal(csv.status, 200);
    assert.equal(csv.json?.accepted, 2);
    assert.deepEqual((csv.json?.rejected as Array<{ line: number }>).map((r) => r.line), [3]);
    assert.equal(await directory.getAccountOwner(213), 21);
    assert.equal(await directory.getCustomer(23), undefined);
    const nd = await call('POST', '/v1/locations/import', '{"i_customer":27,"system":"target"}\nnope\n', { 'content-type': 'application/x-ndjson' });
    assert.deepEqual([nd.json?.accepted, nd.json?.rejectedCount], [1, 1]);
  });

  it('POST import refuses an unknown content type (415) and a bad CSV header (400) without importing', async (t) => {
    const { call, directory } = await start(t);
    const json = await call('POST', '/v1/locations/import', '[]', { 'content-type': 'application/json' });
    assert.equal(json.status, 415);
    const header = await call('POST', '/v1/locations/import', 'customer,system\n31,target\n', { 'content-type': 'text/csv' });
    assert.equal(header.status, 400);
    assert.match(String(header.json?.faultstring), /unknown column "customer"/);
    assert.equal(await directory.getCustomer(31), undefined);
  });

  it('PUT and GET an owned record: its owner, and where that owner lives now', async (t) => {
    const { call, directory } = await start(t);
    await directory.putCustomer({ iCustomer: 3, system: 'target' });
    assert.equal((await call('GET', '/v1/locations/owned/invoice/5')).status, 404, 'an unknown owner is not guessed');
    const put = await call('PUT', '/v1/locations/owned/invoice/5', '{"i_customer":3}', { 'content-type': 'application/json' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json, { owned: 'invoice', id: 5, i_customer: 3, system: 'target', state: 'active', resolvedBy: 'directory' });
    assert.deepEqual(await directory.getOwner('invoice', 5), { iCustomer: 3 });
    await call('PUT', '/v1/locations/owned/xdr/5', '{"i_customer":9,"i_account":91}');
    assert.deepEqual((await call('GET', '/v1/locations/owned/xdr/5')).json, { owned: 'xdr', id: 5, i_customer: 9, i_account: 91, system: 'source', state: 'active', resolvedBy: 'assume-source' });
    await call('PUT', '/v1/locations/owned/invoice/5', '{"i_customer":9}');
    assert.equal((await call('GET', '/v1/locations/owned/invoice/5')).json?.system, 'source', 'a new owner replaces the old one');
    await directory.beginMove(9, 'source');
    assert.equal((await call('GET', '/v1/locations/owned/invoice/5')).json?.state, 'moving', 'the owner\'s move is the record\'s');
  });

  it('bad owned-record input is a 400 fault that names the problem, and changes nothing', async (t) => {
    const { call, directory } = await start(t);
    const cases: Array<[string, string, string | undefined, RegExp]> = [
      ['GET', '/v1/locations/owned/cheque/5', undefined, /kind "cheque" is not one of invoice, xdr/],
      ['PUT', '/v1/locations/owned/invoice/0', '{"i_customer":3}', /invoice id "0" is not a positive integer/],
      ['PUT', '/v1/locations/owned/invoice/-2', '{"i_customer":3}', /invoice id "-2"/],
      ['PUT', '/v1/locations/owned/invoice/6', '{"i_customer":0}', /i_customer 0 is not a positive integer/],
      ['PUT', '/v1/locations/owned/invoice/6', '{"i_customer":"3"}', /i_customer "3"/],
      ['PUT', '/v1/locations/owned/invoice/6', '{"i_customer":3,"i_account":-1}', /i_account -1/],
      ['PUT', '/v1/locations/owned/invoice/6', '{"i_customer":3,"system":"target"}', /Unknown field "system"/],
      ['PUT', '/v1/locations/owned/invoice/6', '[3]', /JSON object/],
      ['PUT', '/v1/locations/owned/invoice/6', '{nope', /not valid JSON/],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${body}`);
      assert.equal(r.json?.faultcode, 'Server.Dispatcher.bad_request');
      assert.match(String(r.json?.faultstring), message);
    }
    assert.equal(await directory.getOwner('invoice', 6), undefined);
    assert.equal((await call('DELETE', '/v1/locations/owned/invoice/6')).status, 405);
  });

  it('POST import takes owned-record rows (NDJSON and CSV)', async (t) => {
    const { call, directory } = await start(t);
    const nd = await call('POST', '/v1/locations/import', '{"owned":"invoice","id":5,"i_customer":3}\n{"owned":"invoice","id":0,"i_customer":3}\n', { 'content-type': 'application/x-ndjson' });
    assert.deepEqual([nd.json?.accepted, nd.json?.rejectedCount], [1, 1]);
    const csv = await call('POST', '/v1/locations/import', 'owned,id,i_customer,i_account\ndid,8,4,41\n', { 'content-type': 'text/csv' });
    assert.equal(csv.json?.accepted, 1);
    assert.deepEqual(await directory.getOwner('invoice', 5), { iCustomer: 3 });
    assert.deepEqual(await directory.getOwner('did', 8), { iCustomer: 4, iAccount: 41 });
  });

  it('a directory failure answers 503 directory_unavailable, not a guess', async (t) => {
    const { call, directory } = await start(t);
    await directory.close();
    const r = await call('GET', '/v1/locations/customers/4');
    assert.equal(r.status, 503);
    assert.equal(r.json?.faultcode, 'Server.Dispatcher.directory_unavailable');
  });
});
