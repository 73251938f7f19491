import type { JsonObject, JsonValue } from '../../core/api-call.ts';
import { SOAP_ENC_NS, XSD_NS } from '../../core/soap-names.ts';
import { simFault } from '../api/sim-faults.ts';
import type { SimXmlElement } from './sim-xml.ts';

/**
 * SOAP 1.1 section-5 values (rpc/encoded) read into the JSON the simulator's API takes, the way
 * PortaBilling reads them: `xsi:type` decides scalars, `SOAP-ENC:Array` and repeated names are
 * lists, PHP's apache `Map` is an object, `xsi:nil` is null, untyped text stays text except for
 * PortaBilling's integer params (`i_*`, `limit`, `offset`, `get_total`).
 */

const SCHEMA_NAMESPACES = new Set([XSD_NS, 'http://www.w3.org/1999/XMLSchema', 'http://www.w3.org/2000/10/XMLSchema', SOAP_ENC_NS, '']);
const INSTANCE_NAMESPACES = new Set(['http://www.w3.org/2001/XMLSchema-instance', 'http://www.w3.org/1999/XMLSchema-instance', 'http://www.w3.org/2000/10/XMLSchema-instance']);
const APACHE_MAP_NS = 'http://xml.apache.org/xml-soap';
const WHOLE = /^(?:int|integer|long|short|byte|unsigned(?:Int|Long|Short|Byte)|(?:non)?(?:Negative|Positive)Integer|nonNegativeInteger|nonPositiveInteger)$/;
const REAL = /^(?:double|float|decimal)$/;

interface QName { ns: string; local: string }

function badValue(where: string, what: string): Error {
  return simFault('badRequest', `Bad SOAP value at ${where}: ${what}`);
}

/** An attribute in a namespace, whatever prefix the sender bound to it. */
function attributeIn(el: SimXmlElement, namespaces: ReadonlySet<string>, local: string): string | undefined {
  for (const [qname, value] of el.attributes) {
    const colon = qname.indexOf(':');
    if (colon < 0 || qname.slice(colon + 1) !== local) continue;
    if (namespaces.has(el.scope.get(qname.slice(0, colon)) ?? '')) return value;
  }
  return undefined;
}

/** The element's `xsi:type`, its prefix resolved. */
export function xsiType(el: SimXmlElement): QName | undefined {
  const raw = attributeIn(el, INSTANCE_NAMESPACES, 'type')?.trim();
  if (raw === undefined) return undefined;
  const colon = raw.indexOf(':');
  return colon < 0 ? { ns: el.scope.get('') ?? '', local: raw } : { ns: el.scope.get(raw.slice(0, colon)) ?? '', local: raw.slice(colon + 1) };
}

function wholeNumber(text: string, where: string, type: string): number {
  const t = text.trim();
  if (!/^[+-]?[0-9]{1,23}$/.test(t)) throw badValue(where, `"${t.slice(0, 40)}" is not a valid xsd:${type}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw badValue(where, `${t} is out of the supported integer range`);
  return n;
}

function realNumber(text: string, where: string, type: string): number {
  const t = text.trim();
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(t) || !Number.isFinite(Number(t))) throw badValue(where, `"${t.slice(0, 40)}" is not a valid finite xsd:${type}`);
  return Number(t);
}

function truth(text: string, where: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw badValue(where, `"${t.slice(0, 40)}" is not a valid xsd:boolean`);
}

/** Sets a key as an own data property, so `__proto__` stays an ordinary key. */
function put(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Elements as an object's fields; a name given more than once collects its values in a list. */
export function readFields(elements: readonly SimXmlElement[], where: string): JsonObject {
  const fields: JsonObject = {};
  const lists = new Map<string, JsonValue[]>();
  for (const el of elements) {
    const value = readValue(el, `${where}/${el.localName}`);
    const list = lists.get(el.localName);
    if (list !== undefined) list.push(value);
    else if (Object.hasOwn(fields, el.localName)) {
      const started = [fields[el.localName]!, value];
      lists.set(el.localName, started);
      fields[el.localName] = started;
    } else put(fields, el.localName, value);
  }
  return fields;
}

function readApacheMap(el: SimXmlElement, where: string): JsonObject {
  const out: JsonObject = {};
  for (const item of el.children) {
    const key = item.children.find((c) => c.localName === 'key');
    const value = item.children.find((c) => c.localName === 'value');
    if (key === undefined) throw badValue(where, 'a Map item without a key');
    put(out, key.text, value === undefined ? null : readValue(value, `${where}/${key.text}`));
  }
  return out;
}

function isListName(name: string): boolean {
  return name.endsWith('_list');
}

function isIntegerParam(name: string): boolean {
  return name.startsWith('i_') || name === 'limit' || name === 'offset' || name === 'get_total';
}

/** One element as JSON; `where` names it in fault messages (`/get_customer_info/i_customer`). */
export function readValue(el: SimXmlElement, where: string): JsonValue {
  const nil = attributeIn(el, INSTANCE_NAMESPACES, 'nil')?.trim();
  if (nil === 'true' || nil === '1') return null;
  const kids = el.children;
  if (kids.length === 0 && el.attributes.has('href')) throw badValue(where, 'multi-reference values (href="#id") are not supported; send values inline');
  const type = xsiType(el);
  const encArray = (type?.local === 'Array' && (type.ns === SOAP_ENC_NS || type.ns === '')) || attributeIn(el, new Set([SOAP_ENC_NS]), 'arrayType') !== undefined;
  if (encArray) return kids.map((k, i) => readValue(k, `${where}[${i}]`));
  if (type?.ns === APACHE_MAP_NS && type.local === 'Map') return readApacheMap(el, where);
  if (type !== undefined && kids.length === 0 && SCHEMA_NAMESPACES.has(type.ns)) {
    if (WHOLE.test(type.local)) return wholeNumber(el.text, where, type.local);
    if (REAL.test(type.local)) return realNumber(el.text, where, type.local);
    if (type.local === 'boolean') return truth(el.text, where);
    if (type.local === 'Struct') return {};
    if (type.local !== 'anyType') return el.text;
  }
  if (kids.length > 0) {
    const oneName = kids.every((k) => k.localName === kids[0]!.localName);
    const list = oneName && (kids.length > 1 || isListName(el.localName)) && type?.local !== 'Struct';
    return list ? kids.map((k, i) => readValue(k, `${where}[${i}]`)) : readFields(kids, where);
  }
  if (type === undefined && isIntegerParam(el.localName) && /^-?[0-9]{1,15}$/.test(el.text.trim())) return Number(el.text.trim());
  if (type === undefined && isListName(el.localName) && el.text.trim() === '') return [];
  return el.text;
}
