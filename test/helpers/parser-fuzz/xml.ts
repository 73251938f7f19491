import fc from 'fast-check';
import { damaged, memo, or } from './arbitraries.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseXml, type XmlElement } from '../../../src/soap/safe-xml.ts';

/**
 * Differential fuzzing of the SOAP XML parser (src/soap/safe-xml.ts) against fast-xml-parser
 * (its XMLValidator says whether a document is well formed, its XMLParser gives the tree):
 * generated SOAP-like documents (namespaces, prefixed and plain attributes, the predefined and
 * numeric references, CDATA, comments, whitespace, nesting), some bent into what parsers get wrong.
 *
 * Both accept and build the same tree (names, attributes, direct text, children in order, and
 * the namespaces the declarations in scope give), or safe-xml refuses. safe-xml refusing what
 * fast-xml-parser accepts is allowed only for a reason checked here independently of safe-xml:
 * what safe-xml refuses by design (DOCTYPE and ENTITY declarations, processing instructions,
 * encodings other than UTF-8, undeclared namespace prefixes) or what XML 1.0 says is not well
 * formed and fast-xml-parser lets through (entities it does not define, characters outside
 * XML's Char, "<" in an attribute value, more than one root, text around the root).
 * safe-xml accepting what fast-xml-parser refuses is always a disagreement.
 */

const NAMESPACES = ['http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope', 'http://www.w3.org/2001/XMLSchema-instance', 'http://www.w3.org/2001/XMLSchema', 'urn:porta', 'http://x/&amp;y', ''];

const localName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Envelope', 'Header', 'Body', 'Fault', 'get_customer_info', 'i_customer', 'name', 'item', 'auth_info', 'session_id', 'x') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('é', '日本', 'a·b', '_', 'A-1.2', 'ÿ') },
);
const prefix = fc.constantFrom('', '', '', 'soap', 'SOAP-ENV', 'xsi', 'ns1', 'xsd');
const bentName = fc.constantFrom('1a', '-a', '.a', 'a b', 'a:b:c', ':a', 'a:', '', 'a>b', 'a/b', 'a"', '\x00a', 'a\x01', 'a\u00d7', '\u00f7', '\u00b7a', 'a\u00b7', '\u0300a', 'a\u0300', '\u00a0a', '\u0085', 'a\u037e', '\u2040a', 'a\u2040', '\u3000a', '\u{10000}', 'a\u{e0000}', '\u200c', 'a\u2190');

/** Character data pieces: plain, references of every kind, whitespace, multi-byte; bent, what XML refuses. */
const textPiece = memo('textPiece', (bend: number) => or(bend,
  fc.oneof(
    { weight: 5, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 ,.;:!?'"=/()-]{1,8}$/) },
    { weight: 2, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n', '\r', '  \n  ', '>', ']]', ']') },
    { weight: 3, arbitrary: fc.constantFrom('&lt;', '&gt;', '&amp;', '&quot;', '&apos;', '&amp;lt;', '&amp;amp;', '&#65;', '&#x42;', '&#X42;', '&#xe9;', '&#233;', '&#x1F600;', '&#128512;', '&#9;', '&#10;', '&#13;', '&#xD;&#xA;', '&#32;', '&#x10FFFF;', '&#xFFFD;', '&#0065;', '&#x0041;') },
    { weight: 2, arbitrary: fc.constantFrom('é', '日本', '😀', '\u2028', '\u00a0', '\u0085', '\ufeff', '\u{10ffff}') },
    // eslint-disable-next-line no-control-regex -- XML's excluded characters are the point
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }).filter((s) => !/[<&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s) && !s.includes(']]>')) },
  ),
  fc.oneof(
    fc.constantFrom('&nbsp;', '&foo;', '&amp', '&', '&#;', '&#x;', '&#xZZ;', '&#0;', '&#xD800;', '&#xFFFE;', '&#x110000;', '&#12345678901;', '&#-1;', '& lt;', '&LT;', '&#x41', ']]>', '<', '\x00', '\x01', '\x0b', '\x1f', '\ufffe', '\uffff', '&lt', '&;'),
  ),
));

const text = memo('text', (bend: number) => fc.array(textPiece(bend), { maxLength: 4 }).map((p) => p.join('')));

/** An attribute value's inside (quotes added by the caller, which also picks the quote). */
const attrValuePiece = memo('attrValuePiece', (bend: number) => or(bend,
  fc.oneof(
    { weight: 5, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 :._/-]{0,10}$/) },
    { weight: 2, arbitrary: fc.constantFrom('xsd:string', 'xsd:int', 'SOAP-ENC:Array', 'xsd:anyType[2]', 'true', '1') },
    { weight: 2, arbitrary: fc.constantFrom('&lt;', '&gt;', '&amp;', '&quot;', '&apos;', '&#65;', '&#x9;', '&#10;', '&#13;', '>', '\t', '\n', '\r\n', '\r', 'é') },
  ),
  fc.constantFrom('<', '&', '&foo;', '&nbsp;', '\x00', '\x01', '&#0;', '&#xFFFF;')));

interface AttrSpec { name: string; value: string; quote: string; before: string; eq: string }

const attribute = memo('attribute', (bend: number) => fc.record({
  name: or(bend,
    fc.oneof({ weight: 3, arbitrary: localName }, { weight: 2, arbitrary: fc.constantFrom('xsi:type', 'soap:encodingStyle', 'SOAP-ENV:mustUnderstand', 'xml:lang', 'ns1:id') }),
    fc.oneof(bentName, fc.constantFrom('xmlns:', 'xmlns:p', 'xmlns:xml', 'undeclared:x', 'xmlns'))),
  value: fc.array(attrValuePiece(bend), { maxLength: 3 }).map((p) => p.join('')),
  quote: or(bend, fc.constantFrom('"', "'"), fc.constantFrom('', '`')),
  before: or(bend, fc.constantFrom(' ', ' ', '\n  ', '\t'), fc.constant('')),
  eq: or(bend, fc.constantFrom('=', '=', ' = ', '=\n'), fc.constantFrom('', '==', ' ')),
}).map((a: AttrSpec) => {
  const value = a.quote === '' ? a.value : a.value.split(a.quote).join(a.quote === '"' ? '&quot;' : '&apos;');
  return `${a.before}${a.name}${a.eq}${a.quote}${value}${a.quote === '`' ? '' : a.quote}`;
}));

/** Namespace declarations: the prefixes the generated names use, most of the time. */
const declarations = memo('declarations', (bend: number) => fc.uniqueArray(
  fc.tuple(fc.constantFrom('', 'soap', 'SOAP-ENV', 'xsi', 'ns1', 'xsd', ...(bend > 0 ? ['xml', 'xmlns'] : [])), fc.constantFrom(...NAMESPACES, ...(bend > 0 ? ['http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/'] : [])), fc.constantFrom('"', "'"))
    .filter(([p, uri]) => p === '' || uri !== '' || bend > 0),
  { maxLength: 3, selector: ([p]) => p },
).map((ds) => ds.map(([p, uri, q]) => ` ${p === '' ? 'xmlns' : `xmlns:${p}`}=${q}${uri}${q}`)));

const misc = memo('misc', (bend: number) => or(bend,
  fc.constantFrom('', '', '', ' ', '\n', '\r\n  ', '<!-- c -->', '<!---->', '<!-- a - b <x> & -->', '\n<!-- \u00e9 -->\n'),
  fc.constantFrom('<!-- a -- b -->', '<!-- unterminated', '<?pi x?>', '<?xml-stylesheet href="a"?>', '<!DOCTYPE x>', '<!DOCTYPE x [<!ENTITY e "v">]>', '<!ENTITY e "v">', '<!doctype x>', '<!ELEMENT a ANY>', '<![CDATA[x]]>', 'text', '&amp;', '<!x>')));

const content = memo('content', (bend: number) => fc.oneof(
  { weight: 5, arbitrary: text(bend) },
  { weight: 1, arbitrary: or(bend, fc.constantFrom('<![CDATA[]]>', '<![CDATA[a<b&c]]>', '<![CDATA[ ]] > ]]]>', '<![CDATA[\r\nx\r]]>', '<![CDATA[&amp;]]>', '<![CDATA[<!DOCTYPE]]>'), fc.constantFrom('<![CDATA[x', '<![CDATA[\x01]]>', '<![cdata[x]]>', '<![CDATA [x]]>')) },
  { weight: 1, arbitrary: misc(bend) },
));

/** An element and its subtree, `depth` more levels at most. */
const element = memo('element', (bend: number, depth: number): fc.Arbitrary<string> => fc.record({
  prefix, local: localName, bentName: or(bend, fc.constant(undefined), bentName),
  decls: declarations(bend), attrs: fc.uniqueArray(attribute(bend), { maxLength: 3, selector: (a) => a.replace(/[=\s].*$/s, '').trim() }), dup: or(bend, fc.constant(false), fc.constant(true)),
  space: or(bend, fc.constantFrom('', '', ' ', '\n'), fc.constantFrom('\t\n')),
  selfClose: fc.boolean(),
  children: depth <= 0 ? fc.constant([] as string[]) : fc.array(fc.oneof({ weight: 2, arbitrary: content(bend) }, { weight: 1, arbitrary: element(bend, depth - 1) }), { maxLength: 4 }),
  close: or(bend, fc.constant('same'), fc.constantFrom('other', 'none', 'case', 'space', 'prefix')),
}).map((e) => {
  const name = e.bentName ?? (e.prefix === '' ? e.local : `${e.prefix}:${e.local}`);
  const attrs = e.dup && e.attrs.length > 0 ? [...e.attrs, e.attrs[0]!] : e.attrs;
  const open = `<${name}${e.decls.join('')}${attrs.join('')}${e.space}`;
  if (e.selfClose && e.children.length === 0) return `${open}/>`;
  const closeName = e.close === 'other' ? `${name}x` : e.close === 'case' ? name.toUpperCase() : e.close === 'prefix' ? e.local : name;
  const close = e.close === 'none' ? '' : e.close === 'space' ? `</${closeName} \n>` : `</${closeName}>`;
  return `${open}>${e.children.join('')}${close}`;
}));

/** A SOAP-like envelope around generated content, with the usual declarations most of the time. */
const envelope = memo('envelope', (bend: number) => fc.record({
  bom: or(bend, fc.constantFrom('', '', '', '\ufeff'), fc.constant(' \ufeff')),
  decl: or(bend, fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0' encoding='utf-8'?>", '<?xml version="1.0"?>\n', '<?xml version="1.1"?>'),
    fc.constantFrom('<?xml version="2.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>', '<?xml version="1.0" encoding="UTF-16"?>', '<?xml version="1.0"', ' <?xml version="1.0"?>', '<?XML version="1.0"?>', '<?xml encoding="UTF-8"?>', '<?xml version="1.0" standalone="yes"?>', '<?xml?>')),
  before: misc(bend), after: misc(bend),
  soapPrefix: fc.constantFrom('soap', 'SOAP-ENV', 'env'),
  ns: fc.constantFrom(NAMESPACES[0]!, NAMESPACES[1]!),
  header: fc.option(fc.array(element(bend, 1), { maxLength: 2 })),
  body: fc.array(element(bend, 3), { minLength: 1, maxLength: 2 }),
  ws: fc.array(fc.constantFrom('', '\n', '\n  ', ' '), { minLength: 4, maxLength: 4 }),
  bare: or(bend, fc.constant(false), fc.constant(true)),
}).map((d) => {
  const p = d.soapPrefix;
  const body = `${d.ws[0]}<${p}:Body>${d.body.join(d.ws[1])}</${p}:Body>${d.ws[2]}`;
  const header = d.header === null ? '' : `${d.ws[3]}<${p}:Header>${d.header.join('')}</${p}:Header>`;
  const others = ['soap', 'SOAP-ENV', 'env'].filter((o) => o !== p).map((o) => ` xmlns:${o}="${NAMESPACES[4]}"`).join('');
  const root = `<${p}:Envelope xmlns:${p}="${d.ns}"${others} xmlns:xsi="${NAMESPACES[2]}" xmlns:xsd="${NAMESPACES[3]}" xmlns:ns1="urn:porta">${header}${body}</${p}:Envelope>`;
  return `${d.bom}${d.decl}${d.before}${d.bare ? d.body.join('') : root}${d.after}`;
}));

/** Byte-level damage: truncation, a second root, a byte inserted, removed or replaced, invalid UTF-8. */
const damage = damaged(
  ['<', '>', '/', '&', ';', '"', "'", '=', ' ', ':', '!', '?', '[', ']', '-', 'x', '\x00', '<a/>', '</x>', '<!--', '-->', ']]>', '&lt;'],
  [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xfe, 0xff], [0xef, 0xbb, 0xbf]],
);

export interface XmlCase {
  /** The document's bytes, hex. */
  hex: string;
}

export const xmlCase: fc.Arbitrary<XmlCase> = fc.oneof(
  { weight: 6, arbitrary: envelope(0) },
  { weight: 3, arbitrary: envelope(1) },
  { weight: 1, arbitrary: envelope(3) },
).chain((doc) => {
  const bytes = Buffer.from(doc, 'utf8');
  return fc.oneof({ weight: 5, arbitrary: fc.constant(bytes) }, { weight: 1, arbitrary: damage(bytes) }).map((b) => ({ hex: b.toString('hex') }));
});

const oracle = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, trimValues: false, parseTagValue: false, parseAttributeValue: false,
  processEntities: true, htmlEntities: true, ignoreDeclaration: true, ignorePiTags: true,
});

/** A tree as both sides are compared: XML's end-of-line and attribute-whitespace rules applied to both. */
interface Node { name: string; namespace: string; attributes: Array<[string, string, string]>; text: string; children: Node[] }

/**
 * fast-xml-parser applies neither XML's end-of-line handling nor attribute-value normalisation,
 * and a raw CR next to a referenced one (&#13;) cannot be told apart once decoded: runs of line
 * ends (text) and of whitespace (attributes) compare as one.
 */
const eol = (s: string): string => s.replace(/[\r\n]+/g, '\n');
const attrSpace = (s: string): string => s.replace(/[\r\n\t ]+/g, ' ');
/** Characters JavaScript's \s matches and XML's S does not: fast-xml-parser splits names at them (XML has them as name characters). */
const JS_ONLY_SPACE = /<[^>]*[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

function fromSafe(e: XmlElement): Node {
  return {
    name: e.name,
    namespace: e.namespace,
    attributes: e.attributes.map((a): [string, string, string] => [a.name, a.namespace, attrSpace(a.value)]).sort(),
    text: eol(e.text),
    children: e.children.map(fromSafe),
  };
}

type FxpNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function fromOracle(n: FxpNode, scope: Map<string, string>): Node {
  const name = Object.keys(n).find((k) => k !== ':@')!;
  const attrs = n[':@'] ?? {};
  const inner = new Map(scope);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'xmlns') inner.set('', v);
    else if (k.startsWith('xmlns:')) inner.set(k.slice(6), v);
  }
  const ns = (q: string, element: boolean): string => {
    const colon = q.indexOf(':');
    if (colon < 0) return element ? inner.get('') ?? '' : '';
    return inner.get(q.slice(0, colon)) ?? '?';
  };
  let text = '';
  const children: Node[] = [];
  for (const c of n[name] as FxpNode[]) {
    if ('#text' in c) text += String(c['#text']);
    else children.push(fromOracle(c, inner));
  }
  return {
    name,
    namespace: ns(name, true),
    attributes: Object.entries(attrs).filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:')).map(([k, v]): [string, string, string] => [k, ns(k, false), attrSpace(v)]).sort(),
    text: eol(text),
    children,
  };
}

const ENTITY = /&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;
const outsideCdataAndComments = (s: string): string => s.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');

/**
 * Why safe-xml may refuse a document fast-xml-parser accepts: a reason checked on the text (or
 * on fast-xml-parser's tree) without safe-xml, that is also the reason safe-xml gave. Undefined
 * when there is none: the refusal is then a disagreement.
 */
export function allowedRefusal(bytes: Buffer, fault: string): string | undefined {
  const textOf = bytes.toString('utf8');
  const s = textOf.charCodeAt(0) === 0xfeff ? textOf.slice(1) : textOf;
  const afterDecl = s.startsWith('<?xml') ? s.slice(s.indexOf('?>') + 2) : s;
  const checks: Array<[string, () => boolean, RegExp]> = [
    ['not UTF-8', () => !bytes.equals(Buffer.from(textOf, 'utf8')), /UTF-8/],
    ['a DOCTYPE or ENTITY declaration (refused by design)', () => /<!(doctype|entity)/i.test(s), /DOCTYPE|ENTITY/],
    ['markup declarations (refused by design), or a misspelt CDATA section', () => /<!(?!--|\[CDATA\[)/.test(outsideCdataAndComments(s)), /markup declarations/],
    ['attributes not separated by whitespace, or a stray "=" (XML 1.0 3.1)', () => /=\s*("[^"]*"|'[^']*')[^\s>/]/.test(s), /expected whitespace before an attribute|expected "="|must be quoted/],
    ['an unterminated comment (XML 1.0 2.5)', () => /<!--(?![\s\S]*-->)/.test(s), /unterminated comment/],
    ['a CDATA section or other "<!" outside the root element (XML 1.0 2.8: Misc is comments, PIs and space)', () => /^(\s|<!--[\s\S]*?-->)*<!(?!--)/.test(afterDecl), /element name/],
    ['text after the root element (XML 1.0 2.8)', () => !/>$/.test(s.replace(/<!--[\s\S]*?-->/g, '').replace(/[\t\n\r ]+$/, '')), /after the root/],
    ['a processing instruction other than the XML declaration (refused by design)', () => /<\?/.test(outsideCdataAndComments(afterDecl)) || (s.startsWith('<?xml') && !/^<\?xml[ \t\r\n?]/.test(s)), /processing instructions/],
    ['an XML declaration with another version or encoding (refused by design), or malformed', () => /^<\?xml/.test(s), /XML declaration|version|encoding/],
    ['a reference other than the five predefined entities and numeric ones (XML 1.0 WFC: Entity Declared)', () => ENTITY.test(outsideCdataAndComments(s)), /entity|reference|"&"/],
    // eslint-disable-next-line no-control-regex -- XML's excluded characters are the point
    ['a character outside XML\'s Char, raw or referenced (XML 1.0 WFC: Legal Character)', () => /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s) || [...s.matchAll(/&#(x[0-9A-Fa-f]+|[0-9]+);/g)].some(([, d]) => {
      const cp = d!.startsWith('x') ? parseInt(d!.slice(1), 16) : Number(d);
      return !(cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff));
    }), /not allowed in XML|not a valid XML character|"&"/],
    ['"<" in an attribute value (XML 1.0 WFC: No < in Attribute Values)', () => /=\s*("[^"]*<[^"]*"|'[^']*<[^']*')/.test(s), /"<" in an attribute value/],
    ['namespace rules (Namespaces in XML: undeclared prefix, malformed QName, empty or reserved prefix binding)', () => namespaceProblem(s), /namespace|qualified name/],
    ['more than one root element or text around it (XML 1.0 document)', () => multipleRoots(s), /after the root|before the root|no root/],
  ];
  const hit = checks.find(([, holds, says]) => says.test(fault) && holds());
  return hit?.[0];
}

/** Whether fast-xml-parser's tree breaks Namespaces in XML: an unbound prefix, a QName with two colons or an empty part, xmlns:p="". */
function namespaceProblem(s: string): boolean {
  let top: FxpNode[];
  try {
    top = oracle.parse(s) as FxpNode[];
  } catch {
    return false;
  }
  const badQName = (q: string): boolean => (q.match(/:/g) ?? []).length > 1 || q.startsWith(':') || q.endsWith(':');
  const walk = (n: FxpNode, scope: Map<string, string>): boolean => {
    const name = Object.keys(n).find((k) => k !== ':@')!;
    const attrs = n[':@'] ?? {};
    const inner = new Map(scope);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'xmlns' && (v === 'http://www.w3.org/XML/1998/namespace' || v === 'http://www.w3.org/2000/xmlns/')) return true;
      if (k.startsWith('xmlns:')) {
        if (v === '' || k === 'xmlns:') return true;
        if ((k === 'xmlns:xml') !== (v === 'http://www.w3.org/XML/1998/namespace') || k === 'xmlns:xmlns' || v === 'http://www.w3.org/2000/xmlns/') return true;
        inner.set(k.slice(6), v);
      }
    }
    for (const q of [name, ...Object.keys(attrs).filter((k) => k !== 'xmlns' && !k.startsWith('xmlns:'))]) {
      if (badQName(q)) return true;
      const colon = q.indexOf(':');
      if (colon > 0 && !inner.has(q.slice(0, colon))) return true;
    }
    return (n[name] as FxpNode[]).some((c) => !('#text' in c) && walk(c, inner));
  };
  return top.some((n) => !('#text' in n) && walk(n, new Map([['xml', 'x']])));
}

/** Whether the oracle's top level holds more than one element (or none), or text around the root. */
function multipleRoots(s: string): boolean {
  try {
    const top = oracle.parse(s) as FxpNode[];
    return top.filter((n) => !('#text' in n)).length !== 1 || top.some((n) => '#text' in n && String(n['#text']).trim() !== '');
  } catch {
    return false;
  }
}

export interface XmlVerdict {
  outcome: 'both-accept' | 'both-refuse' | 'safe-xml-refuses' | 'oracle-unsure';
  disagreement: string | undefined;
}

export function runXmlCase(c: XmlCase): XmlVerdict {
  const bytes = Buffer.from(c.hex, 'hex');
  let safe: XmlElement | undefined;
  let fault = '';
  try {
    safe = parseXml(bytes);
  } catch (err) {
    fault = (err as Error).message;
  }
  const textOf = bytes.toString('utf8');
  const s = textOf.charCodeAt(0) === 0xfeff ? textOf.slice(1) : textOf;
  // The oracle refuses when its validator does, or its parser throws (it does on some input its validator passes).
  const valid = XMLValidator.validate(s);
  let tree: FxpNode[] | undefined;
  let refusal = valid === true ? undefined : valid.err.msg;
  if (refusal === undefined) {
    try {
      tree = oracle.parse(s) as FxpNode[];
    } catch (err) {
      refusal = (err as Error).message;
    }
  }
  if (tree === undefined) {
    if (safe === undefined) return { outcome: 'both-refuse', disagreement: undefined };
    // fast-xml-parser's name pattern has no astral range; XML 1.0 (5th edition) names take #x10000-#xEFFFF.
    if (/invalid name/.test(refusal ?? '') && /[\u{10000}-\u{effff}]/u.test(s)) return { outcome: 'oracle-unsure', disagreement: undefined };
    return { outcome: 'both-accept', disagreement: `safe-xml accepted what fast-xml-parser refuses (${refusal})` };
  }
  if (safe === undefined) {
    const why = allowedRefusal(bytes, fault);
    if (why === undefined && (JS_ONLY_SPACE.test(s) || (/^[\u00a0\u2028\u2029\ufeff]/.test(s) && /before the root/.test(fault)))) return { outcome: 'oracle-unsure', disagreement: undefined };
    return { outcome: 'safe-xml-refuses', disagreement: why === undefined ? `safe-xml refused a well-formed document (${fault})` : undefined };
  }
  const top = tree.filter((n) => !('#text' in n));
  if (top.length !== 1) return { outcome: 'both-accept', disagreement: `safe-xml accepted a document with ${top.length} root elements` };
  const expected = fromOracle(top[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  const actual = fromSafe(safe);
  const diff = firstDifference(expected, actual, expected.name);
  if (diff !== undefined && JS_ONLY_SPACE.test(s)) return { outcome: 'oracle-unsure', disagreement: undefined };
  return { outcome: 'both-accept', disagreement: diff === undefined ? undefined : `the trees differ at ${diff}` };
}

function firstDifference(e: Node, a: Node, path: string): string | undefined {
  if (e.name !== a.name) return `${path}: name ${JSON.stringify(e.name)} vs safe-xml ${JSON.stringify(a.name)}`;
  if (attrSpace(e.namespace) !== attrSpace(a.namespace) && e.namespace !== '?') return `${path}: namespace ${JSON.stringify(e.namespace)} vs safe-xml ${JSON.stringify(a.namespace)}`;
  if (JSON.stringify(e.attributes) !== JSON.stringify(a.attributes)) return `${path}: attributes ${JSON.stringify(e.attributes)} vs safe-xml ${JSON.stringify(a.attributes)}`;
  if (e.text !== a.text) return `${path}: text ${JSON.stringify(e.text)} vs safe-xml ${JSON.stringify(a.text)}`;
  if (e.children.length !== a.children.length) return `${path}: ${e.children.length} children vs safe-xml ${a.children.length}`;
  for (let i = 0; i < e.children.length; i++) {
    const d = firstDifference(e.children[i]!, a.children[i]!, `${path}/${e.children[i]!.name}[${i}]`);
    if (d !== undefined) return d;
  }
  return undefined;
}
