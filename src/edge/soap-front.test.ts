import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { ApiCall, Realm } from '../core/api-call.ts';
import type { CallPipeline } from '../execution/pipeline.ts';
import type { Reply } from '../core/reply.ts';
import { ApiFault, isApiFault } from '../core/faults.ts';
import { decodeSoapReply } from '../soap/soap-reply.ts';
import { createSoapFront } from './soap-front.ts';
import type { SoapFrontOptions } from './soap-front.ts';
import type { WsdlSource } from './system-wsdls.ts';

const NS = 'https://pb.example.com/Porta/SOAP';

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value), plan: 'single:test', systems: ['source'] };
}

/** A system's WSDL as it serves it: its own address and namespace host. */
function systemWsdl(endpoint: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<definitions name="${endpoint}" targetNamespace="https://pb.example.com/Porta/SOAP/Customer" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/">`
    + `<types><xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"><xsd:include schemaLocation='http://10.1.2.3:8444/wsdl/common.xsd'/></xsd:schema></types>`
    + `<service name="${endpoint}"><port name="${endpoint}Port"><soap:address location="http://10.1.2.3:8444/soap/${endpoint}"/></port></service></definitions>\n`;
}

/** The systems' WSDLs: every `<Service><Realm>Service.wsdl` but Nope's; the files asked for are recorded. */
const fakeWsdls = (asked: string[] = []): WsdlSource => ({
  get: async (realm, file) => {
    asked.push(`${realm}/${file}`);
    if (file.startsWith('Nope')) throw new ApiFault('Server.Dispatcher.not_found', `WSDL ${file}: the source system answered HTTP 404`, { httpStatus: 404 });
    return { system: 'source', text: systemWsdl(file.replace(/\.wsdl$/, '')), contentType: 'text/xml; charset=utf-8', fetchedAt: 0 };
  },
});

/** A listener with the SOAP front over a fake pipeline that records calls and answers `answer(call)`. */
async function startFront(t: TestContext, answer: (call: ApiCall) => Reply | Promise<Reply>, options: Partial<SoapFrontOptions> = {}, realm: Realm = 'admin') {
  const calls: ApiCall[] = [];
  const pipeline: CallPipeline = { execute: async (call: ApiCall) => { calls.push(call); return answer(call); } };
  const front = createSoapFront(pipeline, { wsdls: fakeWsdls(), ...options });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void front.handle(req, res, req.method === 'POST' ? Buffer.concat(chunks) : undefined, { realm, clientIp: '127.0.0.1', requestId: 'req-1' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { calls, front, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Raw request so the Host header can be anything. */
function send(url: string, method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { 'content-type': 'text/xml; charset=utf-8', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function envelope(op: string, header = ''): string {
  return `<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="${NS}/Customer" xmlns:s="${NS}/Session">`
    + `${header === '' ? '' : `<S:Header>${header}</S:Header>`}<S:Body>${op}</S:Body></S:Envelope>`;
}

function faultOf(text: string): ApiFault {
  try {
    decodeSoapReply(text);
  } catch (err) {
    if (isApiFault(err)) return err;
    throw err;
  }
  assert.fail(`not a SOAP fault: ${text.slice(0, 300)}`);
}

test('a SOAP call becomes the same ApiCall as REST, with the auth_info session as dispatcher credentials', async (t) => {
  const { calls, url } = await startFront(t, () => json(200, { customer_info: { i_customer: 7, name: 'A & B' } }), {}, 'reseller');
  const r = await send(url, 'POST', '/soap/CustomerResellerService', envelope('<c:get_customer_info><i_customer>7</i_customer></c:get_customer_info>', '<s:auth_info><session_id>abc</session_id><i_env>8</i_env></s:auth_info>'), { soapaction: `"${NS}/Customer#get_customer_info"` });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(decodeSoapReply(r.text), { customer_info: { i_customer: 7, name: 'A & B' } });
  assert.match(r.text, new RegExp(`xmlns:ns1="${NS}/Customer"`), 'the reply echoes the request namespace');
  const call = calls[0]!;
  assert.equal(call.realm, 'reseller');
  assert.equal(call.style, 'soap');
  assert.equal(call.portasip, false);
  assert.equal(call.service, 'Customer');
  assert.equal(call.method, 'get_customer_info');
  assert.deepEqual(call.params, { i_customer: 7 });
  assert.deepEqual(call.credentials, { sessionId: 'abc' });
  assert.deepEqual(call.authInfo, { session_id: 'abc', i_env: 8 }, 'i_env in auth_info reaches the router');
  assert.equal(call.requestId, 'req-1');
});

test('an untyped PHP Map auth_info header is read as the struct it means', async (t) => {
  const { calls, url } = await startFront(t, () => json(200, {}));
  const header = '<s:auth_info><item><key>session_id</key><value>sid-9</value></item></s:auth_info>';
  const r = await send(url, 'POST', '/soap/Customer/get_customer_list', envelope('<c:get_customer_list/>', header));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(calls[0]!.credentials, { sessionId: 'sid-9' });
});

test('one-shot auth_info login and password become credentials for the pipeline', async (t) => {
  const { calls, url } = await startFront(t, () => json(200, {}));
  await send(url, 'POST', '/soap/Customer/get_customer_list', envelope('<c:get_customer_list/>', '<auth_info><login>admin</login><token>tk</token></auth_info>'));
  assert.deepEqual(calls[0]!.credentials, { login: 'admin', token: 'tk' });
});

test('a backend fault keeps its faultcode and faultstring as a SOAP fault', async (t) => {
  const { url } = await startFront(t, () => json(500, { faultcode: 'Server.Customer.not_found', faultstring: 'Customer <5> not found' }));
  const r = await send(url, 'POST', '/soap/Customer/get_customer_info', envelope('<c:get_customer_info><i_customer>5</i_customer></c:get_customer_info>'));
  assert.equal(r.status, 500);
  const f = faultOf(r.text);
  assert.equal(f.faultcode, 'Server.Customer.not_found');
  assert.equal(f.faultstring, 'Customer <5> not found');
});

test('a fault thrown by the pipeline becomes a SOAP fault', async (t) => {
  const { url } = await startFront(t, () => { throw new ApiFault('Server.Dispatcher.customer_migrating', 'Customer 1 is being migrated', { httpStatus: 503 }); });
  const r = await send(url, 'POST', '/soap/Customer/get_customer_info', envelope('<c:get_customer_info><i_customer>1</i_customer></c:get_customer_info>'));
  assert.equal(r.status, 500, 'SOAP 1.1 sends faults with 500');
  assert.equal(faultOf(r.text).faultcode, 'Server.Dispatcher.customer_migrating');
});

test('an unexpected error becomes an internal SOAP fault, not a crash', async (t) => {
  const { url } = await startFront(t, () => { throw new TypeError('boom'); });
  const r = await send(url, 'POST', '/soap/Customer/get_customer_info', envelope('<c:get_customer_info/>'));
  assert.equal(r.status, 500);
  const f = faultOf(r.text);
  assert.equal(f.faultcode, 'Server.Dispatcher.internal_error');
  assert.doesNotMatch(f.faultstring, /boom/);
});

test('the positional login answers the session id as a string; the struct login answers session_id', async (t) => {
  const { calls, url } = await startFront(t, () => json(200, { session_id: 'sess-1', access_token: 'a.b.c', expires_in: 3600 }));
  const positional = await send(url, 'POST', '/soap/SessionAdminService', envelope('<s:login><c-gensym3>admin</c-gensym3><c-gensym5>pw</c-gensym5></s:login>'), { soapaction: `"${NS}/Session#login"` });
  assert.equal(decodeSoapReply(positional.text), 'sess-1');
  assert.deepEqual(calls[0]!.params, { login: 'admin', password: 'pw' });
  assert.equal(calls[0]!.service, 'Session');
  const struct = await send(url, 'POST', '/soap/Session/login', envelope('<s:login><LoginRequest><login>admin</login><password>pw</password></LoginRequest></s:login>'));
  assert.equal((decodeSoapReply(struct.text) as { session_id: string }).session_id, 'sess-1');
});

test('a streamed pipeline reply is encoded, and the missing-system header is kept', async (t) => {
  const { url } = await startFront(t, () => ({
    status: 200, headers: { 'content-type': 'application/json', 'content-length': '999', 'x-webdispatcher-missing-system': 'target' },
    body: Readable.from([Buffer.from('{"customer_list":[{"i_customer":1}'), Buffer.from('],"total":1}')]), plan: 'merge', systems: ['source'],
  }));
  const r = await send(url, 'POST', '/soap/Customer/get_customer_list', envelope('<c:get_customer_list/>'));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(decodeSoapReply(r.text), { customer_list: [{ i_customer: 1 }], total: 1 });
  assert.equal(r.headers['x-webdispatcher-missing-system'], 'target');
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.text), 'the backend content-length is not passed on');
});

test('the system\'s WSDL names the address the client used, and never echoes a hostile Host header', async (t) => {
  const { url, calls } = await startFront(t, () => json(200, {}));
  const port = new URL(url).port;
  const plain = await send(url, 'GET', '/wsdl/CustomerAdminService.wsdl', '', { host: `api.example.org:${port}` });
  assert.equal(plain.status, 200);
  assert.equal(plain.text, systemWsdl('CustomerAdminService').replace(/http:\/\/10\.1\.2\.3:8444/g, `http://api.example.org:${port}`), 'only the addresses change');
  const query = await send(url, 'GET', '/soap/CustomerAdminService?wsdl', '', { host: `api.example.org:${port}` });
  assert.equal(query.text, plain.text);
  const hostile = await send(url, 'GET', '/wsdl/CustomerAdminService.wsdl', '', { host: 'evil"><x a="' });
  assert.equal(hostile.status, 200);
  assert.doesNotMatch(hostile.text, /evil/);
  assert.match(hostile.text, new RegExp(`location="http://127\\.0\\.0\\.1:${port}/soap/CustomerAdminService"`), 'falls back to the listener address');
  assert.equal(calls.length, 0, 'a WSDL needs no backend');
});

test('a configured public URL wins for WSDL addresses', async (t) => {
  const { url } = await startFront(t, () => json(200, {}), { publicUrls: { admin: 'https://api.example.net' } });
  const r = await send(url, 'GET', '/wsdl/SessionAdminService.wsdl');
  assert.match(r.text, /location="https:\/\/api\.example\.net\/soap\/SessionAdminService"/);
});

test('unknown WSDLs, another realm\'s WSDL and a GET on an endpoint get SOAP faults', async (t) => {
  const { url } = await startFront(t, () => json(200, {}));
  const unknown = await send(url, 'GET', '/wsdl/NopeAdminService.wsdl');
  assert.equal(unknown.status, 404);
  assert.equal(faultOf(unknown.text).faultcode, 'Server.Dispatcher.not_found');
  const other = await send(url, 'GET', '/wsdl/CustomerCustomerService.wsdl');
  assert.equal(other.status, 404);
  assert.match(faultOf(other.text).faultstring, /CustomerAdminService\.wsdl/);
  const get = await send(url, 'GET', '/soap/CustomerAdminService');
  assert.equal(get.status, 405);
  assert.equal(faultOf(get.text).faultcode, 'Server.Dispatcher.method_not_allowed');
});

test('the front claims /soap and /wsdl paths only', () => {
  const front = createSoapFront({ execute: async () => { throw new Error('not called'); } }, { wsdls: fakeWsdls() });
  assert.equal(front.handles('/soap/CustomerAdminService'), true);
  assert.equal(front.handles('/soap'), true);
  assert.equal(front.handles('/wsdl/CustomerAdminService.wsdl'), true);
  assert.equal(front.handles('/rest/Customer/get_customer_info'), false);
  assert.equal(front.handles('/soapy'), false);
});

test('a call for one system reaches the pipeline as the client\'s envelope, and its non-JSON reply comes back byte for byte', async (t) => {
  const backendReply = '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>Server.Customer.x</faultcode><faultstring>as &lt;sent&gt;</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>';
  const forwarded: Buffer[] = [];
  const calls: ApiCall[] = [];
  const pipeline: CallPipeline = {
    execute: async (call, raw) => {
      calls.push(call);
      const envelope = raw.envelope!;
      forwarded.push(envelope.withSession('backend-sid'));
      assert.equal(envelope.path, '/soap/CustomerAdminService');
      assert.deepEqual(envelope.headers, { soapaction: `"${NS}/Customer#get_any_new_method"` });
      assert.deepEqual(envelope.faultOf(backendReply), { faultcode: 'Server.Customer.x', faultstring: 'as <sent>' });
      assert.equal(envelope.faultOf('<not-soap/>'), undefined);
      return { status: 500, headers: { 'content-type': 'text/xml; charset=utf-8', 'x-webdispatcher-systems': 'target' }, body: backendReply, plan: 'single:locator', systems: ['target'] };
    },
  };
  const front = createSoapFront(pipeline, { wsdls: fakeWsdls() });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { void front.handle(req, res, Buffer.concat(chunks), { realm: 'admin', clientIp: '127.0.0.1', requestId: 'req-2' }); });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const body = envelope('<c:get_any_new_method><new_field>kept &amp; as sent</new_field><i_customer>8</i_customer></c:get_any_new_method>', '<s:auth_info><session_id>client-sid</session_id></s:auth_info>');
  const r = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'POST', '/soap/CustomerAdminService', body, { soapaction: `"${NS}/Customer#get_any_new_method"` });
  assert.equal(r.status, 500);
  assert.equal(r.text, backendReply);
  assert.equal(r.headers['x-webdispatcher-systems'], 'target');
  assert.deepEqual(calls[0]!.params, { new_field: 'kept & as sent', i_customer: 8 }, 'decoded only to route');
  assert.equal(forwarded[0]!.toString(), body.replace('<s:auth_info><session_id>client-sid</session_id></s:auth_info>', '<s:auth_info><session_id>backend-sid</session_id></s:auth_info>'));
});
