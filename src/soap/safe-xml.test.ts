import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ApiFault } from '../core/faults.ts';
import { attributeNS, childByLocalName, parseXml } from './safe-xml.ts';

const NORMAL = '<?xml version="1.0" encoding="UTF-8"?>\n'
  + '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:x">'
  + '<SOAP-ENV:Body><ns1:ping><x>1</x></ns1:ping></SOAP-ENV:Body></SOAP-ENV:Envelope>';

/** Asserts a refusal with Client.bad_request matching `message`, then that a normal envelope still parses. */
function assertRefused(input: Uint8Array | string, message: RegExp, limits?: Parameters<typeof parseXml>[1]): void {
  assert.throws(() => parseXml(input, limits), (err: unknown) => {
    assert.ok(err instanceof ApiFault, `expected ApiFault, got ${String(err)}`);
    assert.equal(err.faultcode, 'Client.bad_request');
    assert.match(err.faultstring, message);
    return true;
  });
  const ok = parseXml(NORMAL);
  assert.equal(ok.localName, 'Envelope');
  assert.equal(childByLocalName(ok, 'Body')?.children[0]?.localName, 'ping');
}

test('a SOAP envelope parses into names, resolved namespaces, attributes and text', () => {
  const root = parseXml(Buffer.from(
    '<?xml version="1.0" encoding="utf-8"?><e:Envelope xmlns:e="urn:env" xmlns="urn:default" a="1" e:b="2">'
    + '<child xsi:type="xsd:int" xmlns:xsi="urn:xsi">7</child><e:other/><!-- note --><plain xmlns="">t</plain></e:Envelope>',
  ));
  assert.equal(root.name, 'e:Envelope');
  assert.equal(root.namespace, 'urn:env');
  assert.deepEqual(root.attributes.map((a) => [a.name, a.namespace, a.value]), [['a', '', '1'], ['e:b', 'urn:env', '2']]);
  const [child, other, plain] = root.children;
  assert.equal(child?.namespace, 'urn:default');
  assert.equal(child?.text, '7');
  assert.equal(attributeNS(child!, 'urn:xsi', 'type'), 'xsd:int');
  assert.equal(other?.namespace, 'urn:env');
  assert.equal(other?.children.length, 0);
  assert.equal(plain?.namespace, '');
  assert.equal(root.children.length, 3);
});

test('the five predefined entities, numeric references and CDATA are decoded, nothing else', () => {
  const root = parseXml('<a t="&lt;&quot;&#x41;&#66;&apos;&gt;">x &amp; y &#x1F600; <![CDATA[<raw> & ]]> z</a>');
  assert.equal(root.attributes[0]?.value, '<"AB\'>');
  assert.equal(root.text, 'x & y \u{1F600} <raw> &  z');
});

test('line ends are normalised and a UTF-8 byte order mark is accepted', () => {
  const root = parseXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>1\r\n2\r3</a>')]));
  assert.equal(root.text, '1\n2\n3');
});

test('element names like __proto__ stay ordinary data', () => {
  const root = parseXml('<__proto__><constructor>1</constructor></__proto__>');
  assert.equal(root.localName, '__proto__');
  assert.equal(root.children[0]?.localName, 'constructor');
});

test('billion laughs is refused at the DOCTYPE before any expansion', () => {
  const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')
    + ']><lolz>&lol9;</lolz>';
  assertRefused(lol, /DOCTYPE declarations are not accepted \(line 1, column 22\)/);
});

test('quadratic blow-up is refused, with or without a DOCTYPE', () => {
  const big = 'x'.repeat(50_000);
  const refs = '&a;'.repeat(50_000);
  assertRefused(`<!DOCTYPE r [<!ENTITY a "${big}">]><r>${refs}</r>`, /DOCTYPE/);
  assertRefused(`<r>${refs}</r>`, /undefined entity "&a;"/);
});

test('external entities (file and http) are refused and never fetched', async (t) => {
  let hits = 0;
  const server = createServer((_req, res) => { hits++; res.end('<x/>'); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/evil.dtd`;
  assertRefused('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>', /DOCTYPE/);
  assertRefused(`<!DOCTYPE foo [<!ENTITY xxe SYSTEM "${url}">]><foo>&xxe;</foo>`, /DOCTYPE/);
  assertRefused(`<!DOCTYPE foo SYSTEM "${url}"><foo/>`, /DOCTYPE/);
  assertRefused('<foo>&xxe;</foo>', /undefined entity/);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(hits, 0);
});

test('parameter entities and stray ENTITY declarations are refused', () => {
  assertRefused('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1/p.dtd"> %p;]><x/>', /DOCTYPE/);
  assertRefused('<x><!ENTITY a "b"></x>', /ENTITY declarations are not accepted/);
  assertRefused('<x><![CDATA[<!doctype x>]]></x>', /DOCTYPE/);
});

test('10,000 nested elements are refused at the depth cap', () => {
  const deep = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
  assertRefused(deep, /nested deeper than 64 levels \(line 1, column 193\)/);
  assert.equal(parseXml('<a>'.repeat(64) + '</a>'.repeat(64)).localName, 'a');
});

test('50 MB of attributes is refused by the size cap, and too many attributes by the attribute cap', () => {
  const attrs = Buffer.alloc(50 * 1024 * 1024, 0x20);
  Buffer.from('<a ').copy(attrs, 0);
  assertRefused(attrs, /52428800 bytes, over the 4194304-byte limit/);
  const many = '<a ' + Array.from({ length: 65 }, (_, i) => `a${i}="v"`).join(' ') + '/>';
  assertRefused(many, /more than 64 attributes on <a>/);
  assertRefused('<a x="1" x="2"/>', /duplicate attribute x/);
});

test('element count, name length and text length are capped', () => {
  assertRefused(`<r>${'<i/>'.repeat(1001)}</r>`, /more than 1000 elements/, { maxElements: 1000 });
  assertRefused(`<${'n'.repeat(300)}/>`, /element name longer than 256 characters/);
  assertRefused(`<r>${'t'.repeat(2000)}</r>`, /text of <r> longer than 1000 characters/, { maxTextLength: 1000 });
  assertRefused(`<r a="${'t'.repeat(2000)}"/>`, /attribute value longer than 1000 characters/, { maxTextLength: 1000 });
});

test('malformed documents are refused with their line and column', () => {
  assertRefused('<a>\n  <b></a>', /<\/a> does not close <b> \(line 2, column 6\)/);
  assertRefused('<a>', /unterminated element <a>/);
  assertRefused('<a></a><b/>', /content after the root element/);
  assertRefused('hello', /text before the root element/);
  assertRefused('', /no root element/);
  assertRefused('<a b=c/>', /attribute value must be quoted/);
  assertRefused('<a b="<"/>', /"<" in an attribute value/);
  assertRefused('<a>&amp</a>', /"&" that does not start/);
  assertRefused('<p:a/>', /undeclared namespace prefix "p"/);
  assertRefused('<a>\u0001</a>', /U\+0001 is not allowed/);
  assertRefused('<a>&#0;</a>', /not a valid XML character/);
  assertRefused('<a>&#xD800;</a>', /not a valid XML character/);
  assertRefused('<a>&#x110000;</a>', /not a valid XML character/);
  assertRefused('<a>&#xZZ;</a>', /malformed character reference/);
});

test('unterminated CDATA, comments and processing instructions are refused', () => {
  assertRefused('<a><![CDATA[never closed</a>', /unterminated CDATA section/);
  assertRefused('<a><!-- never closed</a>', /unterminated comment/);
  assertRefused('<a><?php system("id"); ?></a>', /processing instructions are not accepted/);
  assertRefused('<?xml-stylesheet href="x"?><a/>', /processing instructions are not accepted/);
});

test('UTF-16, UTF-32 and declared non-UTF-8 encodings are refused', () => {
  assertRefused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a/>', 'utf16le')]), /UTF-16 \(byte order mark\)/);
  assertRefused(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<a/>', 'utf16le').swap16()]), /UTF-16 \(byte order mark\)/);
  assertRefused(Buffer.from('<a/>', 'utf16le'), /looks UTF-16 encoded/);
  assertRefused(Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x3c, 0, 0, 0]), /UTF-32/);
  assertRefused(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>caf\xe9</a>', 'latin1'), /encoding "ISO-8859-1" is not supported; send UTF-8 \(line 1, column 1\)/);
  assertRefused('<?xml version="1.0" encoding="ISO-8859-1"?><a>cafe</a>', /encoding "ISO-8859-1" is not supported; send UTF-8/);
  assertRefused('<?xml version="1.0" encoding="UTF-16"?><a/>', /encoding "UTF-16" is not supported/);
});

test('invalid UTF-8 (stray, overlong, surrogate, truncated) is refused with its byte offset', () => {
  assertRefused(Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]), /invalid UTF-8 at byte offset 3/);
  assertRefused(Buffer.from([0x3c, 0x61, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x61, 0x3e]), /invalid UTF-8 at byte offset 3/);
  assertRefused(Buffer.from([0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]), /invalid UTF-8 at byte offset 3/);
  assertRefused(Buffer.from([0x3c, 0x61, 0x2f, 0x3e, 0xe2, 0x82]), /invalid UTF-8 at byte offset 4/);
});

test('names are XML 1.0 names: non-ASCII letters pass, ×, ÷, NBSP, C1 controls and a leading · do not (found by differential fuzzing)', () => {
  const tree = parseXml('<été xmlns:日本="urn:x"><日本:名前 a·b="1" ǅ-x="2">x</日本:名前><_\u0300/></été>');
  assert.equal(tree.children[0]!.localName, '名前');
  assert.deepEqual(tree.children[0]!.attributes.map((a) => a.name), ['a·b', 'ǅ-x']);
  assert.equal(parseXml('<a\u{10000}/>').name, 'a\u{10000}');
  assertRefused('<a×/>', /expected whitespace before an attribute/);
  assertRefused('<×/>', /expected element name/);
  assertRefused('<·a/>', /expected element name/);
  assertRefused('<a b÷="1"/>', /expected "=" after attribute b/);
  assertRefused('<\u00a0/>', /expected element name/);
  assertRefused('<\u0085a/>', /expected element name/);
  assertRefused('<a></a\u00d7>', /expected ">"/);
});

test('the xml and xmlns prefixes keep their namespaces (Namespaces in XML 3; found by differential fuzzing)', () => {
  assert.equal(parseXml('<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>').attributes[0]!.namespace, 'http://www.w3.org/XML/1998/namespace');
  assertRefused('<a xmlns:xml="\t"><b xml:lang="en"/></a>', /reserved namespace prefix/);
  assertRefused('<a xmlns:xml="urn:x"/>', /reserved namespace prefix/);
  assertRefused('<a xmlns:xmlns="urn:x"/>', /reserved namespace prefix/);
  assertRefused('<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>', /reserved namespace prefix/);
  assertRefused('<a xmlns="http://www.w3.org/2000/xmlns/"/>', /reserved namespace prefix/);
});
