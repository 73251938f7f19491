import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiFault } from '../core/faults.ts';
import { loadCaptures } from '../../test/helpers/wire.ts';
import { decodeSoapRequest, parseSoapAction } from './soap-envelope.ts';
import { parseEndpointName } from '../core/soap-names.ts';

const CAPTURES = loadCaptures('soap-php-soapclient.jsonl');

const ENV_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
  + ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
  + ' xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer">';

function envelope(body: string, header = ''): string {
  return `${ENV_OPEN}${header ? `<SOAP-ENV:Header>${header}</SOAP-ENV:Header>` : ''}<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

function assertFault(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiFault && err.faultcode === 'Client.bad_request' && message.test(err.faultstring));
}

// What each captured PHP SoapClient request means, line by line.
const EXPECTED = [
  { service: 'Session', method: 'login', params: { login: 'admin', password: 'adminpw' } },
  { service: 'Session', method: 'login', params: { login: 'admin', password: 'wrong' } },
  { service: 'Customer', method: 'get_customer_info', params: { i_customer: 7 }, sessionId: '6a12a9919292bfd1d03cdc580615ce56' },
  { service: 'Customer', method: 'get_customer_info', params: { i_customer: 1 }, sessionId: 'not-a-session' },
  { service: 'Session', method: 'logout', params: { session_id: '6a12a9919292bfd1d03cdc580615ce56' } },
  { service: 'Session', method: 'login', params: { login: 'admin', password: 'adminpw' } },
  { service: 'Session', method: 'login', params: { login: 'admin', password: 'wrong' } },
  { service: 'Customer', method: 'get_customer_info', params: { i_customer: 1 }, sessionId: 'b8260b4a89afffd475f335c351b2b830' },
  { service: 'Customer', method: 'get_customer_info', params: { i_customer: 1 }, sessionId: 'not-a-session' },
  { service: 'Session', method: 'logout', params: { session_id: 'b8260b4a89afffd475f335c351b2b830' } },
];

test('every captured PHP SoapClient request decodes to its service, method, params and session', () => {
  assert.equal(CAPTURES.length, EXPECTED.length);
  CAPTURES.forEach((cap, i) => {
    const bytes = Buffer.from(cap.body, 'utf8');
    assert.equal(bytes.length, Number(cap.headers['content-length']), `capture ${i} byte length`);
    const req = decodeSoapRequest(bytes, { path: cap.url, soapAction: cap.headers.soapaction });
    const want = EXPECTED[i]!;
    assert.equal(req.service, want.service, `capture ${i}`);
    assert.equal(req.method, want.method, `capture ${i}`);
    assert.deepEqual(req.params, want.params, `capture ${i}`);
    assert.equal(req.sessionId, want.sessionId, `capture ${i}`);
    assert.deepEqual(req.authInfo, want.sessionId === undefined ? {} : { session_id: want.sessionId });
    assert.equal(req.namespace, `https://pb.example.com/Porta/SOAP/${want.service}`);
    assert.equal(req.endpointRealm, 'admin');
    assert.equal(req.positionalLogin, undefined);
  });
});

test('bare child params decode like a wrapped struct, typed or untyped', () => {
  const typed = decodeSoapRequest(envelope('<ns1:get_customer_list><limit xsi:type="xsd:int">10</limit><login xsi:type="xsd:string">j%</login><get_total xsi:type="xsd:boolean">true</get_total></ns1:get_customer_list>'), { path: '/soap/CustomerAdminService' });
  assert.deepEqual(typed.params, { limit: 10, login: 'j%', get_total: true });
  const untyped = decodeSoapRequest(envelope('<ns1:get_customer_list><limit>10</limit><offset>20</offset><get_total>1</get_total><i_parent>5</i_parent><login>007</login><name></name></ns1:get_customer_list>'), { path: '/soap/CustomerAdminService' });
  assert.deepEqual(untyped.params, { limit: 10, offset: 20, get_total: 1, i_parent: 5, login: '007', name: '' });
});

test('nested structs, arrays, nil, doubles and PHP maps convert to JSON values', () => {
  const req = decodeSoapRequest(envelope(
    '<ns1:update_customer><UpdateCustomerRequest xsi:type="ns1:UpdateCustomerRequest"><customer_info xsi:type="ns1:CustomerInfo">'
    + '<i_customer xsi:type="xsd:long">7</i_customer><balance xsi:type="xsd:double">-1.5e2</balance><notes xsi:nil="true"/>'
    + '<email xsi:type="xsd:string"> a@b </email>'
    + '<tags xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="xsd:string[2]"><item xsi:type="xsd:string">x</item><item xsi:type="xsd:string">y</item></tags>'
    + '<extra xmlns:m="http://xml.apache.org/xml-soap" xsi:type="m:Map"><item><key>k</key><value xsi:type="xsd:int">3</value></item></extra>'
    + '<phones><phone>1</phone><phone>2</phone></phones>'
    + '</customer_info></UpdateCustomerRequest></ns1:update_customer>',
  ), { path: '/soap/Customer/update_customer' });
  assert.deepEqual(req.params, {
    customer_info: { i_customer: 7, balance: -150, notes: null, email: ' a@b ', tags: ['x', 'y'], extra: { k: 3 }, phones: ['1', '2'] },
  });
  assert.equal(req.service, 'Customer');
  assert.equal(req.endpointRealm, undefined);
});

test('values that contradict their xsi:type are refused with the element path', () => {
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info><i_customer xsi:type="xsd:int">abc</i_customer></ns1:get_customer_info>'), { path: '/soap/CustomerAdminService' }),
    /Bad SOAP value at \/get_customer_info\/i_customer: "abc" is not a valid xsd:int/);
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info><x xsi:type="xsd:double">INF</x></ns1:get_customer_info>'), { path: '/soap/CustomerAdminService' }), /not a valid finite xsd:double/);
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info><x xsi:type="xsd:boolean">yes</x></ns1:get_customer_info>'), { path: '/soap/CustomerAdminService' }), /not a valid xsd:boolean/);
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info><x xsi:type="xsd:long">99999999999999999999</x></ns1:get_customer_info>'), { path: '/soap/CustomerAdminService' }), /out of the supported integer range/);
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info><x href="#id1"/></ns1:get_customer_info><multiRef id="id1">7</multiRef>'), { path: '/soap/CustomerAdminService' }), /multi-reference values/);
});

test('the auth_info header is matched by local name in any namespace, or none', () => {
  const body = '<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>';
  const forms = [
    '<auth_info xmlns="https://other.host/Porta/SOAP/Session"><session_id>s1</session_id></auth_info>',
    '<auth_info><session_id>s1</session_id></auth_info>',
    '<x:auth_info xmlns:x="urn:whatever"><x:session_id>s1</x:session_id></x:auth_info>',
  ];
  for (const h of forms) {
    const req = decodeSoapRequest(envelope(body, h), { path: '/soap/CustomerAdminService' });
    assert.equal(req.sessionId, 's1', h);
    assert.deepEqual(req.params, { i_customer: 3 });
  }
  const withEnv = decodeSoapRequest(envelope(body, '<auth_info><login>admin</login><token>tok</token><i_env>8</i_env></auth_info>'), { path: '/soap/CustomerAdminService' });
  assert.deepEqual(withEnv.auth, { login: 'admin', token: 'tok' });
  assert.deepEqual(withEnv.authInfo, { login: 'admin', token: 'tok', i_env: 8 });
  assert.equal(withEnv.sessionId, undefined);
});

test('login comes as a struct (named) or positionally, and only the positional one is flagged', () => {
  const path = '/soap/SessionAdminService';
  const ns = 'xmlns:s="https://pb.example.com/Porta/SOAP/Session"';
  const positional = decodeSoapRequest(envelope(`<s:login ${ns}><param0 xsi:type="xsd:string">admin</param0><param1 xsi:type="xsd:string">pw</param1></s:login>`), { path });
  assert.deepEqual(positional.params, { login: 'admin', password: 'pw' });
  assert.equal(positional.positionalLogin, true);
  const named = decodeSoapRequest(envelope(`<s:login ${ns}><login>admin</login><token>t</token></s:login>`), { path });
  assert.deepEqual(named.params, { login: 'admin', token: 't' });
  assert.equal(named.positionalLogin, undefined);
  const map = decodeSoapRequest(envelope(`<s:login ${ns} xmlns:m="http://xml.apache.org/xml-soap"><param0 xsi:type="m:Map"><item><key>login</key><value>admin</value></item><item><key>password</key><value>pw</value></item></param0></s:login>`), { path });
  assert.deepEqual(map.params, { login: 'admin', password: 'pw' });
  assert.equal(map.positionalLogin, undefined);
  assertFault(() => decodeSoapRequest(envelope(`<s:login ${ns}><a>1</a><b>2</b><c>3</c></s:login>`), { path }), /login expects a struct/);
});

test('the service comes from the path, else SOAPAction, else the operation namespace', () => {
  const body = envelope('<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>');
  assert.equal(decodeSoapRequest(body, { path: '/soap/Customer/get_customer_info/' }).service, 'Customer');
  assert.equal(decodeSoapRequest(body, { path: '/soap', soapAction: '"https://h/Porta/SOAP/Customer#get_customer_info"' }).service, 'Customer');
  assert.equal(decodeSoapRequest(body, { path: '/soap/' }).service, 'Customer');
  assert.equal(decodeSoapRequest(body, { path: '/soap/AccountCustomerService?wsdl=0', soapAction: '""' }).endpointRealm, 'customer');
  assertFault(() => decodeSoapRequest(body, { path: '/soap/Customer/get_account_info' }), /path names method get_account_info but the SOAP Body calls get_customer_info/);
  assertFault(() => decodeSoapRequest(body, { path: '/soap/CustomerAdminService', soapAction: '"urn:x/Porta/SOAP/Customer#update_customer"' }), /SOAPAction names operation update_customer/);
  assertFault(() => decodeSoapRequest(body, { path: '/soap/AccountAdminService', soapAction: '"urn:x/Porta/SOAP/Customer#get_customer_info"' }), /path names service Account but SOAPAction names Customer/);
  assertFault(() => decodeSoapRequest(body, { path: '/rest/Customer/get_customer_info' }), /posted to \/soap/);
});

test('endpoint names and SOAPAction headers split into service, realm and operation', () => {
  assert.deepEqual(parseEndpointName('SessionAdminService'), { service: 'Session', realm: 'admin' });
  assert.deepEqual(parseEndpointName('CustomerCustomerService'), { service: 'Customer', realm: 'customer' });
  assert.deepEqual(parseEndpointName('CustomerClassResellerService'), { service: 'CustomerClass', realm: 'reseller' });
  assert.deepEqual(parseEndpointName('AccountService'), { service: 'Account' });
  assert.deepEqual(parseSoapAction('"https://pb.example.com/Porta/SOAP/Session#login"'), { service: 'Session', operation: 'login' });
  assert.deepEqual(parseSoapAction('""'), {});
});

test('documents that are not SOAP 1.1 requests are refused clearly', () => {
  const path = '/soap/CustomerAdminService';
  assertFault(() => decodeSoapRequest('<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>', { path }), /SOAP 1.2 envelopes are not supported/);
  assertFault(() => decodeSoapRequest('<html><body/></html>', { path }), /root element is <html>/);
  assertFault(() => decodeSoapRequest(`${ENV_OPEN}</SOAP-ENV:Envelope>`, { path }), /has no Body/);
  assertFault(() => decodeSoapRequest(envelope(''), { path }), /names no operation/);
  assertFault(() => decodeSoapRequest(envelope('<ns1:get_customer_info/>').replace('<!--', ''), { path: '/soap/Customer/x-y' }), /Bad SOAP method name/);
  assertFault(() => decodeSoapRequest('<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>' + envelope('<ns1:x>&a;</ns1:x>'), { path }), /DOCTYPE/);
});
