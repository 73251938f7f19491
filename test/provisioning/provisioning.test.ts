import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startStack, migrate, type Stack } from '../helpers/stack.ts';
import { createLogger } from '../../src/core/logger.ts';
import { DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { DEMO_PHONE_MAC, seededMac } from '../../src/sim/provisioning/device-registry.ts';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a request target byte for byte (fetch would normalise `..` and backslashes away). */
function raw(baseUrl: string, target: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<RawReply> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: o.method ?? 'GET', path: target, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function provisioningStack(t: Parameters<typeof startStack>[0], config: Record<string, unknown> = {}): Promise<{ stack: Stack; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const stack = await startStack(t, { config, deps: { logger } });
  return { stack, lines };
}

const backendHits = (stack: Stack) => stack.source.web.provisioningStats.requests + stack.target.web.provisioningStats.requests;

test('an unmoved phone gets its file from the source after the target says 404, and the fetch is logged with MAC and system', async (t) => {
  const { stack, lines } = await provisioningStack(t);
  const url = stack.dispatcher.urls.provisioning!;
  const r = await raw(url, `/${DEMO_PHONE_MAC}.cfg`, { headers: { 'x-request-id': 'phone-1' } });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['x-webdispatcher-system'], 'source');
  assert.equal(r.headers['x-request-id'], 'phone-1');
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  assert.match(r.body, /sip\.source\.pbx\.example\.net/);
  assert.match(r.body, /account\.1\.user_name = 15551230001/);
  assert.equal(stack.target.web.provisioningStats.requests, 1, 'the target was asked first');
  const log = lines.find((l) => l.msg === 'provisioning fetch');
  assert.equal(log?.mac, DEMO_PHONE_MAC);
  assert.equal(log?.system, 'source');
  assert.equal(log?.fallback, true);
});

test('a moved account\'s phone gets its file from the target, with the target\'s SIP server', async (t) => {
  const { stack } = await provisioningStack(t);
  const url = stack.dispatcher.urls.provisioning!;
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const sourceBefore = stack.source.web.provisioningStats.requests;
  for (const name of [`/${DEMO_PHONE_MAC}.cfg`, '/00-15-65-12-34-56.xml', '/00:15:65:12:34:56.cfg']) {
    const r = await raw(url, name);
    assert.equal(r.status, 200, `${name}: ${r.body}`);
    assert.equal(r.headers['x-webdispatcher-system'], 'target', name);
    assert.match(r.body, /sip\.target\.pbx\.example\.net/, name);
  }
  assert.equal(stack.source.web.provisioningStats.requests, sourceBefore, 'the source was never asked');
  // The source itself no longer serves it: the account moved away.
  const direct = await raw(stack.source.urls.provisioning!, `/${DEMO_PHONE_MAC}.cfg`);
  assert.equal(direct.status, 404);
});

test('a seeded phone (MAC in upper case) is served through the fallback and HEAD, ETag and If-Modified-Since pass through', async (t) => {
  const { stack } = await provisioningStack(t);
  const url = stack.dispatcher.urls.provisioning!;
  const mac = seededMac(7).toUpperCase();
  const get = await raw(url, `/${mac}.xml`);
  assert.equal(get.status, 200, get.body);
  assert.match(String(get.headers['content-type']), /^application\/xml/);
  const etag = String(get.headers.etag);
  const lastModified = String(get.headers['last-modified']);
  assert.match(etag, /^"/);
  assert.ok(lastModified.endsWith('GMT'));
  const head = await raw(url, `/${mac}.xml`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers.etag, etag);
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)));
  const inm = await raw(url, `/${mac}.xml`, { headers: { 'if-none-match': etag } });
  assert.equal(inm.status, 304);
  assert.equal(inm.body, '');
  assert.equal(inm.headers.etag, etag);
  const ims = await raw(url, `/${mac}.xml`, { headers: { 'if-modified-since': lastModified } });
  assert.equal(ims.status, 304);
  const stale = await raw(url, `/${mac}.xml`, { headers: { 'if-none-match': '"something-else"' } });
  assert.equal(stale.status, 200);
});

test('an unknown MAC is a 404 after asking both systems', async (t) => {
  const { stack } = await provisioningStack(t);
  const r = await raw(stack.dispatcher.urls.provisioning!, '/0000deadbeef.cfg');
  assert.equal(r.status, 404);
  assert.equal(stack.target.web.provisioningStats.requests, 1);
  assert.equal(stack.source.web.provisioningStats.requests, 1);
});

test('with fallbackToSource off, an unmoved phone is a 404 from the target alone', async (t) => {
  const { stack } = await provisioningStack(t, { provisioning: { fallbackToSource: false } });
  const r = await raw(stack.dispatcher.urls.provisioning!, `/${DEMO_PHONE_MAC}.cfg`);
  assert.equal(r.status, 404);
  assert.equal(stack.source.web.provisioningStats.requests, 0);
});

test('every traversal and absolute-URL form is a 400 without touching a backend', async (t) => {
  const { stack } = await provisioningStack(t);
  const url = stack.dispatcher.urls.provisioning!;
  const forms = [
    '/../etc/passwd',
    '/cfg/../../etc/passwd',
    '/a..cfg',
    '/%2e%2e/etc/passwd',
    '/%2E%2E%2Fetc%2Fpasswd',
    '/..%2fetc%2fpasswd',
    '/%252e%252e/etc/passwd',
    '/%25252e%25252e%25252fetc',
    '/..%5cetc%5cpasswd',
    '/..\\etc\\passwd',
    '/cfg\\001565123456.cfg',
    '/%c0%ae%c0%ae/etc/passwd',
    'http://evil.example/001565123456.cfg',
    '//evil.example/001565123456.cfg',
    `/${'a'.repeat(300)}.cfg`,
    '/./001565123456.cfg',
    '/.hidden',
    '/a//b.cfg',
    '/a/b/c/d/e.cfg',
    '/001565123456.cfg;.xml',
    '/c:/windows/win.ini',
    '/00:15:65:12:34:56:78.cfg',
  ];
  for (const target of forms) {
    const r = await raw(url, target);
    assert.equal(r.status, 400, `${target} → ${r.status} ${r.body}`);
    assert.match(r.body, /^Bad provisioning path: /, target);
  }
  assert.equal(backendHits(stack), 0, 'no backend saw any of them');
});

test('methods other than GET and HEAD are a 405 naming the allowed ones, without touching a backend', async (t) => {
  const { stack } = await provisioningStack(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await raw(stack.dispatcher.urls.provisioning!, `/${DEMO_PHONE_MAC}.cfg`, { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  assert.equal(backendHits(stack), 0);
});

test('a transfer carries the device bindings: the target serves the phone, the source answers 404', async (t) => {
  const { stack } = await provisioningStack(t);
  const mac = seededMac(7);
  await migrate(stack, 3, 'target');
  const target = await raw(stack.target.urls.provisioning!, `/${mac}.cfg`);
  assert.equal(target.status, 200, target.body);
  assert.match(target.body, /served by the target system \(i_env 8\)/);
  const source = await raw(stack.source.urls.provisioning!, `/${mac}.cfg`);
  assert.equal(source.status, 404);
});
