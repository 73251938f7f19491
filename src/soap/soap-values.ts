import { ApiFault, PortaFaultCode } from '../core/faults.ts';
import type { JsonObject, JsonValue } from '../core/api-call.ts';
import { attributeNS } from './safe-xml.ts';
import type { XmlElement } from './safe-xml.ts';
import { SOAP_ENC_NS, XSD_NS, XSI_NS } from '../core/soap-names.ts';

/**
 * SOAP 1.1 section-5 ("rpc/encoded") values ⇄ JSON, the way PortaBilling's REST API carries the
 * same data: scalars by `xsi:type`, structs as objects, `SOAP-ENC:Array` (or repeated elements)
 * as arrays, `xsi:nil` as null.
 */

/** Older schema-instance namespaces still sent by SOAP::Lite and friends. */
const XSI_NAMESPACES = [XSI_NS, 'http://www.w3.org/1999/XMLSchema-instance', 'http://www.w3.org/2000/10/XMLSchema-instance'];
/** apache xml-soap, whose `Map` PHP's SoapClient uses for associative arrays without a schema. */
const APACHE_SOAP_NS = 'http://xml.apache.org/xml-soap';

const INTEGER_TYPES = new Set([
  'int', 'integer', 'long', 'short', 'byte', 'unsignedInt', 'unsignedLong', 'unsignedShort', 'unsignedByte',
  'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger', 'negativeInteger',
]);
const FLOAT_TYPES = new Set(['double', 'float', 'decimal']);

/** Params PortaBilling defines as integers, converted from untyped text (`<limit>10</limit>`). */
export function isKnownIntegerParam(name: string): boolean {
  return name.startsWith('i_') || name === 'limit' || name === 'offset' || name === 'get_total';
}

/** Names whose untyped content is a list even with a single item. */
function isKnownListName(name: string): boolean {
  return name.endsWith('_list');
}

function valueFault(path: string, message: string): ApiFault {
  return new ApiFault(PortaFaultCode.badRequest, `Bad SOAP value at ${path}: ${message}`);
}

function xsiAttribute(el: XmlElement, localName: string): string | undefined {
  for (const ns of XSI_NAMESPACES) {
    const v = attributeNS(el, ns, localName);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** `xsi:type="xsd:int"` → {namespace, localName}; an unknown prefix keeps the local name only. */
function typeOf(el: XmlElement): { namespace: string; localName: string } | undefined {
  const raw = xsiAttribute(el, 'type');
  if (raw === undefined) return undefined;
  const value = raw.trim();
  const colon = value.indexOf(':');
  if (colon < 0) return { namespace: el.scope.get('') ?? '', localName: value };
  return { namespace: el.scope.get(value.slice(0, colon)) ?? '', localName: value.slice(colon + 1) };
}

function isXsd(ns: string): boolean {
  return ns === XSD_NS || ns === 'http://www.w3.org/1999/XMLSchema' || ns === 'http://www.w3.org/2000/10/XMLSchema' || ns === SOAP_ENC_NS || ns === '';
}

function parseInteger(text: string, path: string, typeName: string): number {
  const t = text.trim();
  let i = t.charCodeAt(0) === 0x2d || t.charCodeAt(0) === 0x2b ? 1 : 0;
  if (i >= t.length || t.length > 24) throw valueFault(path, `"${t.slice(0, 40)}" is not a valid xsd:${typeName}`);
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw valueFault(path, `"${t.slice(0, 40)}" is not a valid xsd:${typeName}`);
  }
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw valueFault(path, `${t} is out of the supported integer range`);
  return n;
}

function parseBoolean(text: string, path: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw valueFault(path, `"${t.slice(0, 40)}" is not a valid xsd:boolean`);
}

function parseFloat(text: string, path: string, typeName: string): number {
  const t = text.trim();
  const n = t === '' ? Number.NaN : Number(t);
  // Number() also accepts hex, "Infinity", blanks: JSON can carry none of them.
  if (!Number.isFinite(n) || /[^0-9eE+\-.]/.test(t)) throw valueFault(path, `"${t.slice(0, 40)}" is not a valid finite xsd:${typeName}`);
  return n;
}

function isArrayElement(el: XmlElement, type: { namespace: string; localName: string } | undefined): boolean {
  if (type !== undefined && type.localName === 'Array' && (type.namespace === SOAP_ENC_NS || type.namespace === '')) return true;
  return attributeNS(el, SOAP_ENC_NS, 'arrayType') !== undefined;
}

/** Children as an object; a repeated name becomes an array of its occurrences. */
export function decodeStruct(children: readonly XmlElement[], path: string): JsonObject {
  const out: JsonObject = {};
  const repeated = new Set<string>();
  for (const child of children) {
    const key = child.localName;
    const value = decodeValue(child, `${path}/${key}`);
    if (!Object.hasOwn(out, key)) {
      // Defining through defineProperty keeps a `__proto__` element an ordinary key.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (repeated.has(key)) {
      (out[key] as JsonValue[]).push(value);
    } else {
      out[key] = [out[key]!, value];
      repeated.add(key);
    }
  }
  return out;
}

function decodeMap(el: XmlElement, path: string): JsonObject {
  const out: JsonObject = {};
  for (const item of el.children) {
    let key: string | undefined;
    let valueEl: XmlElement | undefined;
    for (const c of item.children) {
      if (c.localName === 'key') key = c.text;
      else if (c.localName === 'value') valueEl = c;
    }
    if (key === undefined) throw valueFault(path, 'a Map item without a key');
    const value = valueEl === undefined ? null : decodeValue(valueEl, `${path}/${key}`);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Converts one element to JSON. `path` names the element in error messages (`/params/i_customer`).
 * Depth is bounded by the parser's depth cap.
 */
export function decodeValue(el: XmlElement, path: string): JsonValue {
  const nil = xsiAttribute(el, 'nil');
  if (nil !== undefined && (nil.trim() === 'true' || nil.trim() === '1')) return null;
  if (el.children.length === 0 && attributeNS(el, '', 'href') !== undefined) {
    // Multi-reference encoding (Axis, .NET): refused rather than silently read as ''.
    throw valueFault(path, 'multi-reference values (href="#id") are not supported; send values inline');
  }
  const type = typeOf(el);
  if (isArrayElement(el, type)) return el.children.map((c, i) => decodeValue(c, `${path}[${i}]`));
  if (type !== undefined) {
    if (type.namespace === APACHE_SOAP_NS && type.localName === 'Map') return decodeMap(el, path);
    if (el.children.length === 0 && isXsd(type.namespace)) {
      if (INTEGER_TYPES.has(type.localName)) return parseInteger(el.text, path, type.localName);
      if (type.localName === 'boolean') return parseBoolean(el.text, path);
      if (FLOAT_TYPES.has(type.localName)) return parseFloat(el.text, path, type.localName);
      if (type.localName !== 'Struct' && type.localName !== 'anyType') return el.text;
    }
  }
  if (el.children.length > 0) {
    const first = el.children[0]!.localName;
    const sameName = el.children.every((c) => c.localName === first);
    if (sameName && (el.children.length > 1 || isKnownListName(el.localName)) && type?.localName !== 'Struct') {
      return el.children.map((c, i) => decodeValue(c, `${path}[${i}]`));
    }
    return decodeStruct(el.children, path);
  }
  if (type === undefined && isKnownIntegerParam(el.localName)) {
    const t = el.text.trim();
    if (/^-?[0-9]{1,15}$/.test(t)) return Number(t);
  }
  if (type !== undefined && type.localName === 'Struct') return {};
  if (type === undefined && isKnownListName(el.localName) && el.text.trim() === '') return [];
  return el.text;
}

/** Escapes text for element content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = '&gt;';
    else if (c === 0x26) rep = '&amp;';
    else if (c === 0x22) rep = '&quot;';
    else if (c === 0x27) rep = '&apos;';
    else if (c === 0x0d) rep = '&#13;';
    else if (c < 0x20 && c !== 0x09 && c !== 0x0a) rep = '\uFFFD'; // not representable in XML 1.0
    else if (c === 0xfffe || c === 0xffff) rep = '\uFFFD';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
      rep = '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\uFFFD';
    if (rep !== undefined) {
      out += text.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function isXmlName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/.test(name);
}

/**
 * Encodes a JSON value as the content of an element named `name` (un-prefixed), rpc/encoded:
 * `xsi:type` on scalars, `SOAP-ENC:Struct` for objects, `SOAP-ENC:Array` of `item` for arrays.
 * Expects the prefixes `xsi`, `xsd` and `SOAP-ENC` declared on the envelope.
 */
export function encodeValue(name: string, value: JsonValue, out: string[]): void {
  if (!isXmlName(name)) throw new ApiFault(PortaFaultCode.badRequest, `Cannot encode the key "${name.slice(0, 60)}" as a SOAP element name`);
  if (value === null) {
    out.push(`<${name} xsi:nil="true"/>`);
  } else if (typeof value === 'string') {
    out.push(`<${name} xsi:type="xsd:string">${escapeXml(value)}</${name}>`);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      const type = value >= -2147483648 && value <= 2147483647 ? 'xsd:int' : 'xsd:long';
      out.push(`<${name} xsi:type="${type}">${Number.isSafeInteger(value) ? String(value) : BigInt(value).toString()}</${name}>`);
    } else {
      out.push(`<${name} xsi:type="xsd:double">${Number.isFinite(value) ? String(value) : '0'}</${name}>`);
    }
  } else if (typeof value === 'boolean') {
    out.push(`<${name} xsi:type="xsd:boolean">${value ? 'true' : 'false'}</${name}>`);
  } else if (Array.isArray(value)) {
    out.push(`<${name} xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="${arrayItemType(value)}[${value.length}]">`);
    for (const item of value) encodeValue('item', item, out);
    out.push(`</${name}>`);
  } else {
    out.push(`<${name} xsi:type="SOAP-ENC:Struct">`);
    for (const key of Object.keys(value)) encodeValue(key, value[key]!, out);
    out.push(`</${name}>`);
  }
}

/** The arrayType of a JSON array: one XSD type if every item shares it, else anyType. */
function arrayItemType(items: readonly JsonValue[]): string {
  let type: string | undefined;
  for (const v of items) {
    const t = v === null ? 'xsd:anyType'
      : typeof v === 'string' ? 'xsd:string'
        : typeof v === 'boolean' ? 'xsd:boolean'
          : typeof v === 'number' ? 'xsd:anyType'
            : Array.isArray(v) ? 'SOAP-ENC:Array' : 'SOAP-ENC:Struct';
    if (type === undefined) type = t;
    else if (type !== t) return 'xsd:anyType';
  }
  return type ?? 'xsd:anyType';
}
