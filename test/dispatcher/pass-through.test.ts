import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { jsonRequest, sendRaw, formRequest } from '../helpers/wire.ts';
import { direct, directLogin, loginFull, startSpiedStack } from './support.ts';

test('backend replies and faults pass through byte for byte, with their status and content type', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const simToken = await directLogin(stack.source.urls.admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const cases: Array<[string, unknown]> = [
    ['Customer/get_customer_info', { i_customer: 3 }],
    ['Customer/get_customer_info', { i_customer: 999_999_999 }],
    ['Customer/update_customer', { customer_info: { i_customer: 3, balance: 'lots' } }],
    ['Customer/no_such_method', { i_customer: 3 }],
    ['Account/get_account_info', { i_account: 1, detailed_info: 1 }],
  ];
  for (const [sm, params] of cases) {
    const body = JSON.stringify({ params });
    const via = await sendRaw(admin, jsonRequest(admin, `/rest/${sm}`, body, creds.access_token));
    const straight = await sendRaw(stack.source.urls.admin, jsonRequest(stack.source.urls.admin, `/rest/${sm}`, body, simToken));
    assert.equal(via.status, straight.status, `${sm}: status`);
    assert.equal(via.text, straight.text, `${sm}: body`);
    assert.match(via.headers['content-type'] ?? '', /^application\/json/, `${sm}: content-type`);
    assert.ok(via.headers['x-request-id'], 'a request id');
  }
});

test('a form-style call gets the same JSON answer as a JSON-style one', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const form = await sendRaw(admin, formRequest(admin, '/rest/Customer/get_customer_info', `auth_info=${encodeURIComponent(JSON.stringify({ session_id: creds.session_id }))}&params=${encodeURIComponent('{"i_customer":2}')}`));
  const json = await sendRaw(admin, jsonRequest(admin, '/rest/Customer/get_customer_info', '{"params":{"i_customer":2}}', creds.access_token));
  assert.equal(form.status, 200, form.text);
  assert.equal(form.text, json.text);
  assert.match(form.headers['content-type'] ?? '', /^application\/json/);
  const forwarded = stack.seen.filter((s) => s.path === '/rest/Customer/get_customer_info');
  assert.equal(forwarded.length, 2);
  for (const f of forwarded) {
    assert.match(String(f.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(f.body), { params: { i_customer: 2 } }, 'the backend gets params only, never auth_info');
  }
});

test('hop-by-hop headers are stripped; file downloads keep Content-Type and Content-Disposition', async (t) => {
  const stack = await startSpiedStack(t);
  const pdf = Buffer.from('%PDF-1.4 fake invoice\n');
  stack.source.mount('admin', {
    name: 'test-headers',
    matches: (_m, p) => p === '/rest/Invoice/get_invoice_pdf' || p === '/rest/Generic/get_hop_headers',
    fault: (f) => ({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify(f.toJSON()) }),
    handle: (req) => req.rawPath.endsWith('get_invoice_pdf')
      ? { status: 200, headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="INV-1.pdf"' }, body: pdf }
      : {
        status: 200,
        headers: {
          'content-type': 'application/json', connection: 'x-private-hop', 'x-private-hop': 'secret', 'keep-alive': 'timeout=999',
          'proxy-authenticate': 'Basic realm="backend"', upgrade: 'h2c', 'x-backend-internal': 'node-7',
        },
        body: '{"ok":1}',
      },
  });
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const r = await sendRaw(admin, jsonRequest(admin, '/rest/Generic/get_hop_headers', '{"params":{}}', creds.access_token));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '{"ok":1}');
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  for (const h of ['x-private-hop', 'proxy-authenticate', 'upgrade']) assert.equal(r.headers[h], undefined, `${h} stripped`);
  assert.notEqual(r.headers['keep-alive'], 'timeout=999', 'the backend\'s keep-alive is not passed on');
  assert.notEqual(r.headers.connection, 'x-private-hop');

  const file = await sendRaw(admin, jsonRequest(admin, '/rest/Invoice/get_invoice_pdf', '{"params":{"i_invoice":8}}', creds.access_token));
  assert.equal(file.status, 200);
  assert.equal(file.headers['content-type'], 'application/pdf');
  assert.equal(file.headers['content-disposition'], 'attachment; filename="INV-1.pdf"');
  assert.ok(file.raw.equals(pdf), 'the file bytes unchanged');
});

test('a call switched to the target by i_env gets the target\'s reply unchanged', async (t) => {
  const stack = await startSpiedStack(t);
  const admin = stack.url('admin');
  const creds = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const viaDirect = await direct(stack.target.urls.admin, 'Generic/get_version', {}, await directLogin(stack.target.urls.admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password }));
  const via = await sendRaw(admin, jsonRequest(admin, '/rest/Generic/get_version', '{"params":{"i_env":8}}', creds.access_token));
  assert.equal(via.text, viaDirect.text);
});
