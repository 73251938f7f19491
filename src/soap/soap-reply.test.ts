import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiFault } from '../core/faults.ts';
import type { JsonValue } from '../core/api-call.ts';
import { parseXml } from './safe-xml.ts';
import { SOAP_CONTENT_TYPE, decodeSoapReply, encodeSoapFault, encodeSoapReply } from './soap-reply.ts';
import { resultPartName } from '../core/soap-names.ts';

const NS = 'https://pb.example.com/Porta/SOAP/Customer';

test('a JSON result survives encoding as an rpc/encoded reply and decoding back', () => {
  const results: JsonValue[] = [
    { customer_info: { i_customer: 7, login: 'john', balance: -12.25, notes: null, active: true, big: 5_000_000_000 } },
    { customer_list: [{ i_customer: 1, login: 'a' }, { i_customer: 3, login: 'b' }], total: 2 },
    { customer_list: [], total: 0 },
    { one_list: [{ x: 1 }] },
    { nested: { deeper: { list: [[1, 2], ['a', null]] } } },
    { empty: {} },
    {},
  ];
  for (const result of results) {
    const reply = encodeSoapReply('get_customer_list', result, { namespace: NS });
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, SOAP_CONTENT_TYPE);
    assert.deepEqual(decodeSoapReply(reply.body), result);
  }
});

test('the reply is an ns1:<method>Response holding one <Method>Response part with xsi:types', () => {
  const { body } = encodeSoapReply('get_customer_info', { customer_info: { i_customer: 7, ids: [1] } }, { namespace: NS });
  const root = parseXml(body);
  const response = root.children[0]?.children[0];
  assert.equal(response?.name, 'ns1:get_customer_infoResponse');
  assert.equal(response?.namespace, NS);
  assert.equal(response?.children.length, 1);
  assert.equal(response?.children[0]?.name, 'GetCustomerInfoResponse');
  assert.match(body, /<i_customer xsi:type="xsd:int">7<\/i_customer>/);
  assert.match(body, /<ids xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="xsd:anyType\[1\]"><item xsi:type="xsd:int">1<\/item><\/ids>/);
  assert.equal(resultPartName('get_vd_counter_list'), 'GetVdCounterListResponse');
});

test('text is escaped so that markup, quotes and control characters cannot break the reply', () => {
  const hostile = '</name><injected/>&amp; "q" \'a\' ]]> \r\u0000\u0007 \u{1F600} \uD800';
  const reply = encodeSoapReply('get_customer_info', { customer_info: { name: hostile } }, { namespace: 'urn:"x"&' });
  assert.ok(!reply.body.includes('<injected/>'));
  const back = decodeSoapReply(reply.body) as { customer_info: { name: string } };
  assert.equal(back.customer_info.name, '</name><injected/>&amp; "q" \'a\' ]]> \r\uFFFD\uFFFD \u{1F600} \uFFFD');
});

test('keys that are not XML names are refused rather than emitted as markup', () => {
  assert.throws(() => encodeSoapReply('x', { 'a b><c': 1 }, { namespace: NS }), (e: unknown) => e instanceof ApiFault && /Cannot encode the key "a b><c"/.test(e.faultstring));
});

test('the positional login reply is the session id as a plain string', () => {
  const reply = encodeSoapReply('login', { session_id: 'abc123', access_token: 'x.y.z' }, { namespace: NS, positionalLogin: true });
  assert.match(reply.body, /<ns1:loginResponse><session_id xsi:type="xsd:string">abc123<\/session_id><\/ns1:loginResponse>/);
  assert.equal(decodeSoapReply(reply.body), 'abc123');
});

test('faults are SOAP 1.1 Faults with faultcode and faultstring, sent with HTTP 500', () => {
  const reply = encodeSoapFault(new ApiFault('Server.Session.auth_failed', 'Login <failed> & "denied"', { httpStatus: 401 }));
  assert.equal(reply.status, 500);
  assert.equal(reply.contentType, 'text/xml; charset=utf-8');
  assert.match(reply.body, /<SOAP-ENV:Fault><faultcode>Server.Session.auth_failed<\/faultcode><faultstring>Login &lt;failed&gt; &amp; &quot;denied&quot;<\/faultstring><\/SOAP-ENV:Fault>/);
  assert.throws(() => decodeSoapReply(reply.body), (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Session.auth_failed' && e.faultstring === 'Login <failed> & "denied"');
});
