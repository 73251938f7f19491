import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseXml, childByLocalName } from './safe-xml.ts';
import type { XmlElement } from './safe-xml.ts';
import { envelopeWithSession, splitEnvelope } from './envelope-splice.ts';
import { decodeSoapRequest } from './soap-envelope.ts';

const NS = 'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

function plain(el: XmlElement): unknown {
  return { name: el.name, ns: el.namespace, attrs: el.attributes.map((a) => [a.name, a.value]), text: el.text, children: el.children.map(plain) };
}

function body(xml: string): unknown {
  const root = parseXml(xml);
  return plain(root.children.find((c) => c.localName === 'Body')!);
}

function forwarded(xml: string, sid: string): string {
  return envelopeWithSession(splitEnvelope(Buffer.from(xml, 'utf8')), sid).toString('utf8');
}

test('the client auth_info is replaced by the backend session and nothing else changes', () => {
  const xml = `<?xml version="1.0"?><SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header><ns2:auth_info xmlns:ns2="https://pb.example/Porta/SOAP/Session" xsi:type="ns2:AuthInfo"><session_id>client-sid</session_id><i_env>3</i_env></ns2:auth_info></SOAP-ENV:Header><SOAP-ENV:Body><ns1:get_customer_info xmlns:ns1="https://pb.example/Porta/SOAP/Customer"><GetCustomerInfoRequest><i_customer xsi:type="xsd:int">7</i_customer></GetCustomerInfoRequest></ns1:get_customer_info></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  const out = forwarded(xml, 'backend&sid');
  assert.equal(out, xml.replace(/<ns2:auth_info[^>]*>.*<\/ns2:auth_info>/, '<ns2:auth_info xmlns:ns2="https://pb.example/Porta/SOAP/Session"><session_id>backend&amp;sid</session_id></ns2:auth_info>'));
  const decoded = decodeSoapRequest(out, { path: '/soap/Customer/get_customer_info' });
  assert.deepEqual(decoded.authInfo, { session_id: 'backend&sid' });
  assert.deepEqual(decoded.params, { i_customer: 7 });
});

test('a PHP Map auth_info, a self-closing Header and a missing Header each get a struct auth_info', () => {
  const op = '<SOAP-ENV:Body><ns1:ping xmlns:ns1="urn:x"/></SOAP-ENV:Body>';
  const map = `<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header><auth_info xsi:type="ns2:Map" xmlns:ns2="http://xml.apache.org/xml-soap"><item><key>session_id</key><value>c</value></item></auth_info></SOAP-ENV:Header>${op}</SOAP-ENV:Envelope>`;
  for (const xml of [map, `<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header/>${op}</SOAP-ENV:Envelope>`, `<SOAP-ENV:Envelope ${NS}>${op}</SOAP-ENV:Envelope>`, `<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header><other>1</other></SOAP-ENV:Header>${op}</SOAP-ENV:Envelope>`]) {
    const out = forwarded(xml, 's1');
    const header = childByLocalName(parseXml(out), 'Header')!;
    const auth = childByLocalName(header, 'auth_info')!;
    assert.deepEqual(auth.children.map((c) => [c.localName, c.text]), [['session_id', 's1']], out);
    assert.deepEqual(body(out), body(xml));
  }
});

test('auth_info look-alikes in comments, CDATA, attribute values and the Body (the parser refuses processing instructions, so none reach the cut) are left alone', () => {
  const xml = `<SOAP-ENV:Envelope ${NS}><!-- <auth_info>x</auth_info> --><SOAP-ENV:Header a="<auth_info>"><![CDATA[<auth_info>]]><auth_info><session_id>c</session_id></auth_info></SOAP-ENV:Header><SOAP-ENV:Body><op><auth_info>param</auth_info></op></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  const out = forwarded(xml, 's2');
  assert.equal(out, xml.replace('<auth_info><session_id>c</session_id></auth_info>', '<auth_info><session_id>s2</session_id></auth_info>'));
});

test('bytes outside the auth_info are the client\'s bytes, whatever their encoding', () => {
  const xml = Buffer.concat([Buffer.from(`<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header><auth_info><session_id>c</session_id></auth_info></SOAP-ENV:Header><SOAP-ENV:Body><op><name>`), Buffer.from('Zoë ☎ 𝄞', 'utf8'), Buffer.from('</name></op></SOAP-ENV:Body></SOAP-ENV:Envelope>')]);
  const split = splitEnvelope(xml);
  const out = envelopeWithSession(split, 's');
  assert.ok(out.includes(Buffer.from('Zoë ☎ 𝄞', 'utf8')));
  assert.deepEqual(Buffer.concat([split.head, Buffer.from('<auth_info><session_id>c</session_id></auth_info>'), split.tail]), xml);
});

/** Differential against the XML parser: whatever surrounds it, the forwarded envelope parses to the client's Body and a header holding only the session. */
test('property: the forwarded envelope parses to the same Body and a single session_id in auth_info', () => {
  const text = fc.stringMatching(/^[a-z <>&"'\]-]{0,12}$/).map((s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  const noise = fc.oneof(
    text.map((t) => `<!--${t.replace(/-/g, '')}-->`),
    text.map((t) => `<![CDATA[${t.replace(/\]\]>/g, '')}]]>`),
    text.map((t) => `<x a="${t.replace(/"/g, '&quot;')}">${t}</x>`),
    fc.constant('<y/>'),
    fc.constant('<auth_info_not>1</auth_info_not>'),
  );
  const headerKids = fc.array(noise, { maxLength: 3 });
  fc.assert(fc.property(
    fc.boolean(), headerKids, headerKids, fc.option(fc.constantFrom('', 'p:', 'q:'), { nil: undefined }), fc.array(noise, { maxLength: 3 }), fc.stringMatching(/^[A-Za-z0-9&<>"._-]{1,12}$/),
    (hasHeader, before, after, authPrefix, bodyKids, sid) => {
      const auth = authPrefix === undefined ? '' : `<${authPrefix}auth_info${authPrefix === '' ? '' : ` xmlns:${authPrefix.slice(0, -1)}="urn:s"`}><session_id>c</session_id></${authPrefix}auth_info>`;
      const header = hasHeader ? `<SOAP-ENV:Header>${before.join('')}${auth}${after.join('')}</SOAP-ENV:Header>` : '';
      const xml = `<SOAP-ENV:Envelope ${NS}>${header}<SOAP-ENV:Body><op>${bodyKids.join('')}<auth_info>b</auth_info></op></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
      parseXml(xml);
      const out = forwarded(xml, sid);
      assert.deepEqual(body(out), body(xml));
      const h = childByLocalName(parseXml(out), 'Header')!;
      const auths = h.children.filter((c) => c.localName === 'auth_info');
      assert.equal(auths.length, 1, out);
      assert.deepEqual(auths[0]!.children.map((c) => [c.localName, c.text]), [['session_id', sid]]);
      if (hasHeader) assert.equal(h.children.length, before.filter((n) => n.startsWith('<x') || n.startsWith('<y') || n.startsWith('<auth_info_not')).length + after.filter((n) => n.startsWith('<x') || n.startsWith('<y') || n.startsWith('<auth_info_not')).length + 1);
    },
  ), { numRuns: 2000 });
});
