import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readSoapList, writeSoapList } from './soap-list.ts';
import { decodeSoapReply } from './soap-reply.ts';

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer"><SOAP-ENV:Body><ns1:get_customer_listResponse><GetCustomerListResponse xsi:type="SOAP-ENC:Struct">';
const TAIL = '</GetCustomerListResponse></ns1:get_customer_listResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>\n';

interface GenRow { id: number; name: string; moved: boolean; decoration: 'none' | 'comment' | 'cdata' | 'empty' }

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function item(r: GenRow): string {
  const name = r.decoration === 'cdata' ? `<![CDATA[${r.name.replace(/]]>/g, '')}]]>` : escape(r.name);
  return `<item xsi:type="SOAP-ENC:Struct"><i_customer xsi:type="xsd:int">${r.id}</i_customer>`
    + (r.decoration === 'comment' ? '<!-- <i_customer>999</i_customer> -->' : '')
    + `<name xsi:type="xsd:string">${name}</name>`
    + (r.decoration === 'empty' ? '<companyname xsi:type="xsd:string"/><i_parent xsi:nil="true"/>' : '')
    + (r.moved ? '<migration_status xsi:type="xsd:string">moved</migration_status>' : r.decoration === 'empty' ? '<migration_status xsi:type="xsd:string">active</migration_status>' : '')
    + '</item>';
}

function reply(rows: GenRow[], total: number | undefined): string {
  const list = rows.length === 0
    ? '<customer_list xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="xsd:anyType[0]"/>'
    : `<customer_list xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="SOAP-ENC:Struct[${rows.length}]">${rows.map(item).join('')}</customer_list>`;
  return HEAD + list + (total === undefined ? '' : `<total xsi:type="xsd:int">${total}</total>`) + TAIL;
}

// The reference: fast-xml-parser's reading of the same bytes (order kept, nothing converted).
const reference = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false, processEntities: true, commentPropName: '#comment', cdataPropName: '#cdata' });

/** What the library reads as the items of customer_list, each as its own document. */
function referenceItems(xml: string): unknown[] {
  type Node = Record<string, unknown>;
  const find = (nodes: Node[], name: string): Node[] => (nodes.find((n) => name in n)?.[name] as Node[] | undefined) ?? [];
  const doc = reference.parse(xml) as Node[];
  const listNodes = find(find(find(find(find(doc, 'SOAP-ENV:Envelope'), 'SOAP-ENV:Body'), 'ns1:get_customer_listResponse'), 'GetCustomerListResponse'), 'customer_list');
  return listNodes.filter((n) => 'item' in n);
}

const genRow = fc.record({
  id: fc.integer({ min: 1, max: 1_000_000 }),
  name: fc.string({ unit: fc.constantFrom('a', 'é', '&', '<', '>', '"', ' ', '\u4e2d', ']'), maxLength: 12 }),
  moved: fc.boolean(),
  decoration: fc.constantFrom('none', 'comment', 'cdata', 'empty'),
}) as fc.Arbitrary<GenRow>;

test('a SOAP list reply is cut into the rows the library reads, each with its id and moved mark, byte for byte', () => {
  fc.assert(fc.property(fc.array(genRow, { maxLength: 8 }), fc.option(fc.nat({ max: 99 }), { nil: undefined }), (rows, total) => {
    const xml = reply(rows, total);
    const list = readSoapList(Buffer.from(xml, 'utf8'), 'i_customer');
    assert.ok(list !== undefined);
    assert.deepEqual(list.rows.map((r) => [r.id, r.moved]), rows.map((r) => [r.id, r.moved]));
    assert.equal(list.total, total);
    const lib = referenceItems(xml);
    assert.equal(lib.length, rows.length);
    list.rows.forEach((r, i) => {
      assert.equal(r.bytes.toString('utf8'), item(rows[i]!));
      assert.deepEqual(reference.parse(r.bytes.toString('utf8')), [lib[i]]);
    });
  }), { numRuns: 300 });
});

test('a merged list written into one reply\'s frame holds exactly the given rows and total, and stays well-formed', () => {
  fc.assert(fc.property(fc.array(genRow, { maxLength: 6 }), fc.array(genRow, { maxLength: 6 }), fc.nat({ max: 500 }), (frameRows, otherRows, total) => {
    const frame = readSoapList(Buffer.from(reply(frameRows, 7), 'utf8'), 'i_customer')!;
    const other = readSoapList(Buffer.from(reply(otherRows, 3), 'utf8'), 'i_customer')!;
    const rows = [...frame.rows.filter((r) => !r.moved), ...other.rows];
    const out = Buffer.concat(writeSoapList(frame, rows, total)).toString('utf8');
    assert.equal(XMLValidator.validate(out), true);
    const wantRows = [...frameRows.filter((r) => !r.moved), ...otherRows];
    const expected = reply(wantRows, total).replace(/arrayType="xsd:anyType\[0\]"\/>/, frameRows.length === 0 ? 'arrayType="xsd:anyType[0]"/>' : 'arrayType="SOAP-ENC:Struct[0]"/>');
    if (wantRows.length > 0 && frameRows.length === 0) {
      // An empty frame keeps its own item type; only the count changes.
      assert.equal(out, expected.replace(`SOAP-ENC:arrayType="SOAP-ENC:Struct[${wantRows.length}]"`, `SOAP-ENC:arrayType="xsd:anyType[${wantRows.length}]"`));
    } else {
      assert.equal(out, expected);
    }
    assert.deepEqual(decodeSoapReply(out), decodeSoapReply(reply(wantRows, total)));
  }), { numRuns: 300 });
});

test('a fault, a reply without a list, or a list in a second result part is no list', () => {
  const fault = '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>Server.x</faultcode><faultstring>no</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>';
  assert.equal(readSoapList(Buffer.from(fault), 'i_customer'), undefined);
  assert.equal(readSoapList(Buffer.from(HEAD + '<total xsi:type="xsd:int">1</total>' + TAIL), 'i_customer'), undefined);
  assert.equal(readSoapList(Buffer.from('not xml <'), 'i_customer'), undefined);
  // Parts style: the list is a part of the response itself.
  const parts = HEAD.replace('<GetCustomerListResponse xsi:type="SOAP-ENC:Struct">', '') + `<customer_list SOAP-ENC:arrayType="SOAP-ENC:Struct[1]">${item({ id: 4, name: 'x', moved: false, decoration: 'none' })}</customer_list><total>1</total>` + TAIL.replace('</GetCustomerListResponse>', '');
  assert.deepEqual(readSoapList(Buffer.from(parts), 'i_customer')?.rows.map((r) => r.id), [4]);
});

test('an id that is no whole number leaves the row without an id', () => {
  const xml = HEAD + '<customer_list SOAP-ENC:arrayType="SOAP-ENC:Struct[2]"><item><i_customer>x1</i_customer></item><item><i_customer/></item></customer_list>' + TAIL;
  assert.deepEqual(readSoapList(Buffer.from(xml), 'i_customer')?.rows.map((r) => r.id), [undefined, undefined]);
});
