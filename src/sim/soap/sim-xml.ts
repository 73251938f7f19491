import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { simFault } from '../api/sim-faults.ts';

/** One element of a parsed document, names resolved against the xmlns declarations in scope. */
export interface SimXmlElement {
  readonly qname: string;
  readonly localName: string;
  /** Namespace URI of the element; '' when none is in scope. */
  readonly namespace: string;
  /** Attributes other than xmlns declarations, by qualified name as written. */
  readonly attributes: ReadonlyMap<string, string>;
  /** Prefix → namespace URI in scope ('' is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
  /** Text and CDATA directly inside the element, entities decoded. */
  readonly text: string;
  readonly children: readonly SimXmlElement[];
}

const MAX_BYTES = 4 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_ELEMENTS = 100_000;
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

// Entities are decoded here rather than by the parser: only the five predefined ones and
// character references exist, and no document can declare more (DOCTYPE is refused first).
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  cdataPropName: CDATA,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown>;

function xmlFault(message: string): Error {
  return simFault('badRequest', `Bad XML: ${message}`);
}

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&\s]{1,10});/g, (all, name: string) => {
    const named = PREDEFINED[name];
    if (named !== undefined && Object.hasOwn(PREDEFINED, name)) return named;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(name) ? parseInt(name.slice(2), 16) : /^#[0-9]{1,7}$/.test(name) ? parseInt(name.slice(1), 10) : Number.NaN;
    if (Number.isNaN(code) || code > 0x10ffff) throw xmlFault(`unknown entity ${all.slice(0, 20)} (only the predefined entities and character references exist)`);
    return String.fromCodePoint(code);
  });
}

function textOf(body: Uint8Array | string): string {
  if (typeof body === 'string') return body;
  if (body.byteLength > MAX_BYTES) throw xmlFault(`the document is over ${MAX_BYTES} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw xmlFault('the document is not valid UTF-8');
  }
}

function splitName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

class TreeReader {
  #elements = 0;

  read(node: OrderedNode, parentScope: ReadonlyMap<string, string>, depth: number): SimXmlElement {
    if (depth > MAX_DEPTH) throw xmlFault(`elements nest deeper than ${MAX_DEPTH}`);
    if (++this.#elements > MAX_ELEMENTS) throw xmlFault(`more than ${MAX_ELEMENTS} elements`);
    const qname = Object.keys(node).find((k) => k !== ATTRS) ?? '';
    const rawAttrs = (node[ATTRS] ?? {}) as Record<string, string>;
    let scope = parentScope;
    const attributes = new Map<string, string>();
    for (const [name, raw] of Object.entries(rawAttrs)) {
      const value = decodeEntities(raw);
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice('xmlns:'.length), value);
      } else {
        attributes.set(name, value);
      }
    }
    const [prefix, localName] = splitName(qname);
    const namespace = scope.get(prefix) ?? '';
    if (prefix !== '' && !scope.has(prefix)) throw xmlFault(`the prefix ${prefix.slice(0, 40)} of <${qname.slice(0, 60)}> is not declared`);
    let text = '';
    const children: SimXmlElement[] = [];
    for (const child of (node[qname] ?? []) as OrderedNode[]) {
      if (Object.hasOwn(child, TEXT)) text += decodeEntities(String(child[TEXT]));
      else if (Object.hasOwn(child, CDATA)) text += ((child[CDATA] ?? []) as OrderedNode[]).map((c) => String(c[TEXT] ?? '')).join('');
      else children.push(this.read(child, scope, depth + 1));
    }
    return { qname, localName, namespace, attributes, scope, text, children };
  }
}

/**
 * Parses a SOAP document with fast-xml-parser, refusing what a SOAP peer never needs and an
 * attacker always wants: any DOCTYPE or ENTITY declaration (so no entity can be defined or
 * fetched), a non-UTF-8 document, more than 4 MiB, 64 levels or 100,000 elements.
 * @throws ApiFault `Client.bad_request` saying what was wrong.
 */
export function parseSimXml(body: Uint8Array | string): SimXmlElement {
  const text = textOf(body);
  if (text.length > MAX_BYTES) throw xmlFault(`the document is over ${MAX_BYTES} bytes`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw xmlFault('DOCTYPE and ENTITY declarations are refused');
  const declared = /^\uFEFF?<\?xml[^>]*\bencoding\s*=\s*["']([^"']{1,40})["']/.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) throw xmlFault(`the declared encoding ${declared} is not supported; send UTF-8`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw xmlFault(`${valid.err.msg.slice(0, 200)} at ${valid.err.line}:${valid.err.col}`);
  const roots = (parser.parse(text) as OrderedNode[]).filter((n) => !Object.hasOwn(n, TEXT));
  const root = roots[0];
  if (root === undefined || roots.length > 1) throw xmlFault('a document has exactly one root element');
  return new TreeReader().read(root, new Map(), 1);
}

/** The first child with that local name, in any namespace. */
export function simChild(el: SimXmlElement, localName: string): SimXmlElement | undefined {
  return el.children.find((c) => c.localName === localName);
}
