import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEspfRequest } from './espf-codec.ts';
import { findLocators } from '../routing/locators.ts';
import { isReadCall } from '../core/method-kinds.ts';
import { ApiFault, DispatcherFaultCode } from '../core/faults.ts';

const req = (method: string, url: string, body = '', headers: Record<string, string> = {}) => ({
  method, url, body: Buffer.from(body), clientIp: '127.0.0.1', requestId: 'r',
  headers: { authorization: 'Bearer tok', ...(body === '' ? {} : { 'content-type': 'application/json' }), ...headers },
});

test('an ESPF path names its customer, account or owned record by the collection before the id', () => {
  const c = decodeEspfRequest(req('GET', '/espf/v1/customers/5'), 'admin').call;
  assert.equal(c.method, 'GET /customers/{id}');
  assert.equal(c.credentials.accessToken, 'tok');
  assert.deepEqual(findLocators(c), [{ kind: 'customer', iCustomer: 5 }]);
  assert.ok(isReadCall(c));
  const a = decodeEspfRequest(req('PUT', '/espf/v1/accounts/7/aliases', '{"alias":"x"}'), 'admin').call;
  assert.equal(a.method, 'PUT /accounts/{id}/aliases');
  assert.deepEqual(findLocators(a), [{ kind: 'account', iAccount: 7 }]);
  assert.ok(!isReadCall(a));
  assert.deepEqual(findLocators(decodeEspfRequest(req('DELETE', '/espf/v1/invoices/9'), 'admin').call), [{ kind: 'owned', owned: 'invoice', id: 9 }]);
});

test('an ESPF body is searched like REST params, and the request is kept whole for the backend', () => {
  const d = decodeEspfRequest(req('POST', '/espf/v1/dids/assign?x=1', '{"i_did_number":4,"i_master_account":11}'), 'admin');
  assert.deepEqual(findLocators(d.call), [{ kind: 'account', iAccount: 11 }]);
  assert.equal(d.raw.espf?.method, 'POST');
  assert.equal(d.raw.espf?.path, '/espf/v1/dids/assign?x=1');
  assert.equal(d.raw.espf?.body.toString(), '{"i_did_number":4,"i_master_account":11}');
});

test('a path and a body naming different customers are both found (the router refuses the conflict)', () => {
  const c = decodeEspfRequest(req('PUT', '/espf/v1/customers/5', '{"i_customer":6}'), 'admin').call;
  assert.deepEqual(findLocators(c), [{ kind: 'customer', iCustomer: 6 }, { kind: 'customer', iCustomer: 5 }]);
});

test('bad ESPF requests get clear faults', () => {
  const fault = (fn: () => unknown, code: string, status: number) => assert.throws(fn, (e: unknown) => e instanceof ApiFault && e.faultcode === code && e.httpStatus === status);
  fault(() => decodeEspfRequest(req('TRACE', '/espf/v1/customers/5'), 'admin'), DispatcherFaultCode.methodNotAllowed, 405);
  fault(() => decodeEspfRequest(req('GET', '/espf/v1/'), 'admin'), DispatcherFaultCode.notFound, 404);
  fault(() => decodeEspfRequest(req('GET', '/espf/v1/customers/../../etc'), 'admin'), DispatcherFaultCode.notFound, 404);
  fault(() => decodeEspfRequest(req('POST', '/espf/v1/customers', '{bad'), 'admin'), DispatcherFaultCode.badRequest, 400);
  fault(() => decodeEspfRequest(req('GET', '/espf/v1/customers/5/customers/6'), 'admin'), DispatcherFaultCode.ambiguousLocation, 500);
});
