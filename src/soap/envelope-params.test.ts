import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { envelopeWithParams } from './envelope-params.ts';
import { decodeSoapRequest } from './soap-envelope.ts';

const NS = 'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://pb.example/Porta/SOAP/Customer" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const HEADER = '<SOAP-ENV:Header><auth_info><session_id>s</session_id><limit>77</limit></auth_info></SOAP-ENV:Header>';

function envelope(params: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NS}>${HEADER}<SOAP-ENV:Body><ns1:get_customer_list>${params}</ns1:get_customer_list></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

const ctx = { path: '/soap/CustomerAdminService' };
const edited = (xml: string, edits: Record<string, number>) => envelopeWithParams(Buffer.from(xml, 'utf8'), edits)?.toString('utf8');

test('params a merge sets are replaced or added inside the request struct; every other byte stays', () => {
  const xml = envelope('<GetCustomerListRequest xsi:type="ns1:GetCustomerListRequest"><name xsi:type="xsd:string">J&amp;J <!-- a note --></name><limit xsi:type="xsd:int">10</limit><offset xsi:type="xsd:int">20</offset></GetCustomerListRequest>');
  const out = edited(xml, { skip_exported: 1, offset: 0, limit: 30 })!;
  assert.deepEqual(decodeSoapRequest(out, ctx).params, { name: 'J&J ', limit: 30, offset: 0, skip_exported: 1 });
  // The header's own <limit> is not a param and stays.
  assert.ok(out.includes('<limit>77</limit>'));
  const typed = (n: string, v: number) => `<${n} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="xsd:int">${v}</${n}>`;
  assert.equal(out, xml
    .replace('<limit xsi:type="xsd:int">10</limit>', typed('limit', 30))
    .replace('<offset xsi:type="xsd:int">20</offset>', typed('offset', 0))
    .replace('</GetCustomerListRequest>', `${typed('skip_exported', 1)}</GetCustomerListRequest>`));
});

test('an empty request struct, an empty operation and parts without a wrapper get the params too', () => {
  for (const params of ['<GetCustomerListRequest xsi:type="ns1:GetCustomerListRequest"/>', '<GetCustomerListRequest></GetCustomerListRequest>', '', '<limit>5</limit><name>x</name>']) {
    const out = edited(envelope(params), { skip_exported: 1, limit: 9 });
    assert.ok(out !== undefined, params);
    const decoded = decodeSoapRequest(out, ctx).params;
    assert.equal(decoded.skip_exported, 1, params);
    assert.equal(decoded.limit, 9, params);
  }
});

test('a PHP Map or a nil struct cannot take a part in place: no envelope (the merge goes as JSON)', () => {
  assert.equal(edited(envelope('<param0 xsi:type="ns2:Map" xmlns:ns2="http://xml.apache.org/xml-soap"><item><key>limit</key><value>5</value></item></param0>'), { skip_exported: 1 }), undefined);
  assert.equal(edited(envelope('<GetCustomerListRequest xsi:nil="true"/>'), { skip_exported: 1 }), undefined);
});

test('any request struct of generated fields decodes, after the edit, to its params with the edits applied', () => {
  const field = fc.constantFrom('name', 'limit', 'offset', 'skip_exported', 'email', 'i_parent');
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(field, fc.nat({ max: 999 })), { selector: ([k]) => k, maxLength: 5 }), fc.record({ limit: fc.nat({ max: 99 }), skip_exported: fc.constant(1) }, { requiredKeys: ['skip_exported'] }), (fields, edits) => {
    const parts = fields.map(([k, v]) => `<${k} xsi:type="xsd:int">${v}</${k}>`).join('');
    const out = edited(envelope(`<GetCustomerListRequest xsi:type="ns1:GetCustomerListRequest">${parts}</GetCustomerListRequest>`), edits)!;
    assert.deepEqual(decodeSoapRequest(out, ctx).params, { ...Object.fromEntries(fields), ...edits });
  }), { numRuns: 200 });
});
