import { XMLBuilder } from 'fast-xml-parser';
import type { JsonValue } from '../../core/api-call.ts';
import { SOAP_ENC_NS, SOAP_ENV_NS, XSD_NS, XSI_NS, resultPartName } from '../../core/soap-names.ts';
import { simFault } from '../api/sim-faults.ts';

/** A node as fast-xml-parser's ordered builder takes it: `{ name: children, ':@': attributes }`. */
type Node = Record<string, unknown>;

const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', suppressEmptyNode: true, processEntities: false });

const ENVELOPE_ATTRS = { 'xmlns:SOAP-ENV': SOAP_ENV_NS, 'xmlns:SOAP-ENC': SOAP_ENC_NS, 'xmlns:xsi': XSI_NS, 'xmlns:xsd': XSD_NS };

/** What the simulator's SOAP listener sends: 200 with a result, 500 with a Fault (SOAP 1.1 §6.2). */
export interface SimSoapReply {
  status: number;
  body: string;
}

// XML 1.0 cannot carry these characters at all, escaped or not.
// eslint-disable-next-line no-control-regex -- these are exactly the characters to replace
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Text safe in content and in double-quoted attributes; a carriage return survives as `&#13;`. */
function escaped(value: string): string {
  return value.replace(NOT_XML, '\uFFFD').replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);
}

function text(value: string): Node[] {
  return value === '' ? [] : [{ '#text': escaped(value) }];
}

function element(name: string, children: Node[], attributes: Record<string, string> = {}): Node {
  return { [name]: children, ':@': attributes };
}

function soapTypeOf(v: JsonValue): string {
  if (v === null || typeof v === 'number') return 'xsd:anyType';
  if (typeof v === 'string') return 'xsd:string';
  if (typeof v === 'boolean') return 'xsd:boolean';
  return Array.isArray(v) ? 'SOAP-ENC:Array' : 'SOAP-ENC:Struct';
}

/** `value` as the element `name`, typed rpc/encoded (`xsi:type` on every part). */
function part(name: string, value: JsonValue): Node {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/.test(name)) throw simFault('badRequest', `Cannot encode the key "${name.slice(0, 60)}" as a SOAP element name`);
  if (value === null) return element(name, [], { 'xsi:nil': 'true' });
  switch (typeof value) {
    case 'string': return element(name, text(value), { 'xsi:type': 'xsd:string' });
    case 'boolean': return element(name, text(String(value)), { 'xsi:type': 'xsd:boolean' });
    case 'number': {
      if (!Number.isInteger(value)) return element(name, text(Number.isFinite(value) ? String(value) : '0'), { 'xsi:type': 'xsd:double' });
      const wide = value < -2147483648 || value > 2147483647;
      return element(name, text(Number.isSafeInteger(value) ? String(value) : BigInt(value).toString()), { 'xsi:type': wide ? 'xsd:long' : 'xsd:int' });
    }
    default: break;
  }
  if (Array.isArray(value)) {
    const types = new Set(value.map(soapTypeOf));
    const itemType = types.size === 1 ? [...types][0]! : 'xsd:anyType';
    return element(name, value.map((v) => part('item', v)), { 'xsi:type': 'SOAP-ENC:Array', 'SOAP-ENC:arrayType': `${itemType}[${value.length}]` });
  }
  return element(name, Object.entries(value).map(([k, v]) => part(k, v)), { 'xsi:type': 'SOAP-ENC:Struct' });
}

function envelope(bodyContent: Node, extra: Record<string, string> = {}): string {
  const body = element('SOAP-ENV:Body', [bodyContent]);
  const attributes = Object.fromEntries(Object.entries({ ...ENVELOPE_ATTRS, ...extra }).map(([k, v]) => [k, escaped(v)]));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build([element('SOAP-ENV:Envelope', [body], attributes)]) as string}\n`;
}

/**
 * A result as PortaBilling's rpc/encoded response: `<ns1:<method>Response>` holding one part,
 * `<<Method>Response>` with the whole result (for the positional login: `session_id`, a string).
 */
export function simSoapResult(method: string, result: JsonValue, namespace: string, positionalLogin: boolean): SimSoapReply {
  let content: Node;
  if (positionalLogin) {
    const sid = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.session_id : result;
    if (typeof sid !== 'string') throw simFault('badRequest', 'Cannot encode the positional login reply: the result has no session_id string');
    content = part('session_id', sid);
  } else {
    content = part(resultPartName(method), result);
  }
  const body = envelope(element(`ns1:${method}Response`, [content]), { 'xmlns:ns1': namespace, 'SOAP-ENV:encodingStyle': SOAP_ENC_NS });
  return { status: 200, body };
}

/** A fault as a SOAP 1.1 Fault with faultcode and faultstring, always HTTP 500. */
export function simSoapFault(fault: { faultcode: string; faultstring: string }): SimSoapReply {
  const content = element('SOAP-ENV:Fault', [element('faultcode', text(fault.faultcode)), element('faultstring', text(fault.faultstring))]);
  return { status: 500, body: envelope(content) };
}
