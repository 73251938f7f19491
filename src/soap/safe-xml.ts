import { isUtf8 } from 'node:buffer';
import { ApiFault, PortaFaultCode } from '../core/faults.ts';

/**
 * A small non-validating XML parser for SOAP envelopes, safe by construction:
 * - a DOCTYPE or ENTITY declaration anywhere is refused before anything is parsed, so no entity
 *   can be defined, let alone expanded (billion laughs, quadratic blow-up, XXE file/http);
 * - only the five predefined entities and numeric character references are decoded;
 * - input bytes, depth, element count, attributes per element, name and text lengths are capped;
 * - one forward pass over the text, no regular expressions on the input: time is linear;
 * - UTF-8 only (declared, BOM or absent); UTF-16/32 and other declared encodings are refused;
 * - processing instructions other than the XML declaration are refused.
 *
 * Every refusal is an `ApiFault` with code `Client.bad_request` (PortaFaultCode.badRequest) — a
 * client error in SOAP's own sense, shared by the simulator and the dispatcher — and a message
 * that says what was wrong and where (line:column).
 */

export interface XmlAttribute {
  /** Qualified name as written (`xsi:type`). */
  readonly name: string;
  readonly localName: string;
  readonly prefix: string;
  /** Namespace URI of the prefix; '' for unprefixed attributes (they are in no namespace). */
  readonly namespace: string;
  readonly value: string;
}

export interface XmlElement {
  /** Qualified name as written (`SOAP-ENV:Body`). */
  readonly name: string;
  readonly localName: string;
  readonly prefix: string;
  /** Namespace URI resolved from the xmlns declarations in scope; '' when none. */
  readonly namespace: string;
  /** Attributes other than namespace declarations. */
  readonly attributes: readonly XmlAttribute[];
  /** Direct text content (text and CDATA), decoded; '' when none. */
  readonly text: string;
  readonly children: readonly XmlElement[];
  /** Prefix → namespace URI in scope at this element (shared between elements; '' = default). */
  readonly scope: ReadonlyMap<string, string>;
}

export interface XmlLimits {
  /** Input size in bytes (default 4 MiB). */
  maxBytes?: number;
  /** Element nesting depth (default 64). */
  maxDepth?: number;
  /** Elements in the document (default 100,000). */
  maxElements?: number;
  /** Attributes (namespace declarations included) on one element (default 64). */
  maxAttributes?: number;
  /** Length of an element or attribute name (default 256). */
  maxNameLength?: number;
  /** Decoded text of one element, or one attribute value (default 1 MiB). */
  maxTextLength?: number;
}

const DEFAULT_LIMITS: Required<XmlLimits> = {
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 100_000,
  maxAttributes: 64,
  maxNameLength: 256,
  maxTextLength: 1024 * 1024,
};

/** XML namespace of the `xml:` prefix, bound by definition. */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', XML_NS]]);

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const EQUALS = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const COLON = 0x3a;
const SEMI = 0x3b;
const HASH = 0x23;

function bad(message: string): ApiFault {
  return new ApiFault(PortaFaultCode.badRequest, `Malformed XML: ${message}`);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === COLON || (c >= 0x80 && isWideNameStart(c));
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e
    || (c >= 0x80 && (c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040));
}

/**
 * XML 1.0's NameStartChar above ASCII, for one UTF-16 unit (surrogates stand for #x10000-#xEFFFF:
 * the text is valid UTF-8, so they come in pairs). × ÷, NBSP, C1 controls and the like are no name.
 */
function isWideNameStart(c: number): boolean {
  return (c >= 0xc0 && c <= 0x2ff && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c <= 0x1fff && c !== 0x37e)
    || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef)
    || (c >= 0x3001 && c <= 0xdfff) || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd);
}

/** XML 1.0 `Char` for one UTF-16 unit of an already valid UTF-8 text (surrogates come in pairs). */
function isXmlCharUnit(c: number): boolean {
  if (c >= 0x20) return c !== 0xfffe && c !== 0xffff;
  return c === 0x09 || c === 0x0a || c === 0x0d;
}

function isXmlCodePoint(cp: number): boolean {
  if (cp < 0x20) return cp === 0x09 || cp === 0x0a || cp === 0x0d;
  if (cp <= 0xd7ff) return true;
  if (cp < 0xe000) return false;
  if (cp <= 0xfffd) return true;
  return cp >= 0x10000 && cp <= 0x10ffff;
}

/** Byte offset of the first invalid UTF-8 sequence (only called once the fast check failed). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let n: number;
    let min: number;
    if (b < 0x80) { i++; continue; }
    if (b >= 0xc2 && b <= 0xdf) { n = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { n = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = b & (n === 1 ? 0x1f : n === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= n; k++) {
      const cb = bytes[i + k];
      if (cb === undefined || (cb & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cb & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Refuses non-UTF-8 input by its first bytes, before any decoding. */
function checkEncodingBytes(bytes: Uint8Array): number {
  const b0 = bytes[0];
  const b1 = bytes[1];
  const b2 = bytes[2];
  const b3 = bytes[3];
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return 3;
  if ((b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00)) {
    throw bad('the document is UTF-32 (byte order mark); only UTF-8 is accepted');
  }
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) {
    throw bad('the document is UTF-16 (byte order mark); only UTF-8 is accepted');
  }
  if ((b0 === 0x00 && b1 === 0x3c) || (b0 === 0x3c && b1 === 0x00)) {
    throw bad('the document looks UTF-16 encoded (no byte order mark); only UTF-8 is accepted');
  }
  return 0;
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) { line++; lineStart = i + 1; }
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}

/**
 * Refuses `<!DOCTYPE` and `<!ENTITY` (any case) anywhere in the text — CDATA and comments
 * included, deliberately: no parser state can be confused into honouring one.
 */
function refuseDeclarations(text: string): void {
  let from = 0;
  for (;;) {
    const i = text.indexOf('<!', from);
    if (i < 0) return;
    const word = text.slice(i + 2, i + 9).toUpperCase();
    if (word === 'DOCTYPE') throw bad(`DOCTYPE declarations are not accepted (${lineColumn(text, i)})`);
    if (word.startsWith('ENTITY')) throw bad(`ENTITY declarations are not accepted (${lineColumn(text, i)})`);
    from = i + 2;
  }
}

interface OpenElement {
  name: string;
  prefix: string;
  localName: string;
  rawAttributes: { name: string; prefix: string; localName: string; value: string }[];
  scope: ReadonlyMap<string, string>;
  textParts: string[];
  textLength: number;
  children: XmlElement[];
}

class Parser {
  readonly #s: string;
  readonly #limits: Required<XmlLimits>;
  #pos = 0;
  #elements = 0;

  constructor(text: string, limits: Required<XmlLimits>) {
    this.#s = text;
    this.#limits = limits;
  }

  fail(message: string, at = this.#pos): ApiFault {
    return bad(`${message} (${lineColumn(this.#s, at)})`);
  }

  parseDocument(): XmlElement {
    const s = this.#s;
    if (s.startsWith('<?xml') && (s.length === 5 || isSpace(s.charCodeAt(5)) || s.charCodeAt(5) === QUESTION)) {
      this.xmlDeclaration();
    }
    this.#misc();
    if (this.#pos >= s.length) throw this.fail('no root element');
    if (s.charCodeAt(this.#pos) !== LT) throw this.fail('text before the root element');
    const root = this.#element();
    this.#misc();
    if (this.#pos < s.length) throw this.fail('content after the root element');
    return root;
  }

  /** Checks the XML declaration at the start of the text (version, encoding) and skips it. */
  xmlDeclaration(): void {
    const s = this.#s;
    const end = s.indexOf('?>', 5);
    if (end < 0 || end > 512) throw this.fail('unterminated XML declaration', 0);
    const decl = s.slice(5, end);
    this.#pos = end + 2;
    // The declaration is short and bounded (512 chars): a plain pseudo-attribute scan is enough.
    let i = 0;
    const seen = new Map<string, string>();
    while (i < decl.length) {
      while (i < decl.length && isSpace(decl.charCodeAt(i))) i++;
      if (i >= decl.length) break;
      const nameStart = i;
      while (i < decl.length && isNameChar(decl.charCodeAt(i))) i++;
      const name = decl.slice(nameStart, i);
      while (i < decl.length && isSpace(decl.charCodeAt(i))) i++;
      if (name === '' || decl.charCodeAt(i) !== EQUALS) throw this.fail('malformed XML declaration', 0);
      i++;
      while (i < decl.length && isSpace(decl.charCodeAt(i))) i++;
      const q = decl.charCodeAt(i);
      if (q !== QUOT && q !== APOS) throw this.fail('malformed XML declaration', 0);
      const close = decl.indexOf(String.fromCharCode(q), i + 1);
      if (close < 0) throw this.fail('malformed XML declaration', 0);
      seen.set(name, decl.slice(i + 1, close));
      i = close + 1;
    }
    const version = seen.get('version');
    if (version !== undefined && version !== '1.0' && version !== '1.1') throw this.fail(`XML version "${version}" is not supported`, 0);
    const encoding = seen.get('encoding');
    if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
      throw this.fail(`encoding "${encoding.slice(0, 40)}" is not supported; send UTF-8`, 0);
    }
  }

  /** Whitespace and comments between top-level constructs. */
  #misc(): void {
    const s = this.#s;
    for (;;) {
      while (this.#pos < s.length && isSpace(s.charCodeAt(this.#pos))) this.#pos++;
      if (s.startsWith('<!--', this.#pos)) { this.#comment(); continue; }
      if (s.startsWith('<?', this.#pos)) throw this.fail('processing instructions are not accepted');
      return;
    }
  }

  #comment(): void {
    const end = this.#s.indexOf('-->', this.#pos + 4);
    if (end < 0) throw this.fail('unterminated comment');
    this.#pos = end + 3;
  }

  #name(what: string): string {
    const s = this.#s;
    const start = this.#pos;
    if (start >= s.length || !isNameStart(s.charCodeAt(start))) throw this.fail(`expected ${what} name`);
    const max = this.#limits.maxNameLength;
    let i = start + 1;
    while (i < s.length && isNameChar(s.charCodeAt(i))) {
      i++;
      if (i - start > max) throw this.fail(`${what} name longer than ${max} characters`, start);
    }
    this.#pos = i;
    return s.slice(start, i);
  }

  #splitName(qname: string, at: number): { prefix: string; localName: string } {
    const colon = qname.indexOf(':');
    if (colon < 0) return { prefix: '', localName: qname };
    const prefix = qname.slice(0, colon);
    const localName = qname.slice(colon + 1);
    if (prefix === '' || localName === '' || localName.includes(':')) throw this.fail(`malformed qualified name "${qname}"`, at);
    return { prefix, localName };
  }

  #skipSpace(): boolean {
    const s = this.#s;
    const start = this.#pos;
    while (this.#pos < s.length && isSpace(s.charCodeAt(this.#pos))) this.#pos++;
    return this.#pos > start;
  }

  /**
   * Decodes character data between `from` and `to` (no `<` inside): entity references and, for
   * attribute values, whitespace normalisation. Appends pieces to `parts`; returns decoded length.
   */
  #decodeText(from: number, to: number, parts: string[], attribute: boolean): number {
    const s = this.#s;
    let length = 0;
    let runStart = from;
    let i = from;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c === AMP) {
        if (i > runStart) { parts.push(s.slice(runStart, i)); length += i - runStart; }
        // Longest legal reference is `&#x10FFFF;` (10 chars): bound the look-ahead.
        let semi = -1;
        for (let k = i + 1; k < to && k <= i + 10; k++) if (s.charCodeAt(k) === SEMI) { semi = k; break; }
        if (semi < 0) throw this.fail('"&" that does not start a character or entity reference', i);
        const ref = s.slice(i + 1, semi);
        const decoded = this.#reference(ref, i);
        parts.push(decoded);
        length += decoded.length;
        i = semi + 1;
        runStart = i;
        continue;
      }
      if (c === 0x0d) {
        // XML end-of-line handling: CRLF and lone CR become LF (and a space in attributes).
        if (i > runStart) { parts.push(s.slice(runStart, i)); length += i - runStart; }
        parts.push(attribute ? ' ' : '\n');
        length++;
        i += s.charCodeAt(i + 1) === 0x0a && i + 1 < to ? 2 : 1;
        runStart = i;
        continue;
      }
      if (attribute && (c === 0x09 || c === 0x0a)) {
        if (i > runStart) { parts.push(s.slice(runStart, i)); length += i - runStart; }
        parts.push(' ');
        length++;
        i++;
        runStart = i;
        continue;
      }
      if (attribute && c === LT) throw this.fail('"<" in an attribute value', i);
      if (!isXmlCharUnit(c)) throw this.fail(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, i);
      i++;
    }
    if (to > runStart) { parts.push(s.slice(runStart, to)); length += to - runStart; }
    return length;
  }

  #reference(ref: string, at: number): string {
    switch (ref) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: break;
    }
    if (ref.charCodeAt(0) === HASH) {
      const hex = ref.charCodeAt(1) === 0x78;
      const digits = ref.slice(hex ? 2 : 1);
      let cp = 0;
      if (digits.length === 0) throw this.fail(`malformed character reference "&${ref};"`, at);
      for (let k = 0; k < digits.length; k++) {
        const d = digits.charCodeAt(k);
        let v: number;
        if (d >= 0x30 && d <= 0x39) v = d - 0x30;
        else if (hex && d >= 0x61 && d <= 0x66) v = d - 0x57;
        else if (hex && d >= 0x41 && d <= 0x46) v = d - 0x37;
        else throw this.fail(`malformed character reference "&${ref};"`, at);
        cp = cp * (hex ? 16 : 10) + v;
      }
      if (!isXmlCodePoint(cp)) throw this.fail(`character reference "&${ref};" is not a valid XML character`, at);
      return String.fromCodePoint(cp);
    }
    throw this.fail(`undefined entity "&${ref};" (only &lt; &gt; &amp; &quot; &apos; and numeric references are accepted)`, at);
  }

  #attributeValue(): string {
    const s = this.#s;
    const q = s.charCodeAt(this.#pos);
    if (q !== QUOT && q !== APOS) throw this.fail('attribute value must be quoted');
    const start = this.#pos + 1;
    const end = s.indexOf(q === QUOT ? '"' : "'", start);
    if (end < 0) throw this.fail('unterminated attribute value');
    if (end - start > this.#limits.maxTextLength) throw this.fail(`attribute value longer than ${this.#limits.maxTextLength} characters`, start);
    const parts: string[] = [];
    this.#decodeText(start, end, parts, true);
    this.#pos = end + 1;
    return parts.length === 1 ? parts[0]! : parts.join('');
  }

  /** Parses one element and its subtree without recursion (depth is bounded by an explicit stack). */
  #element(): XmlElement {
    const s = this.#s;
    const stack: OpenElement[] = [];
    const limits = this.#limits;
    for (;;) {
      // At `<` of a start tag.
      const tagAt = this.#pos;
      this.#pos++;
      if (++this.#elements > limits.maxElements) throw this.fail(`more than ${limits.maxElements} elements`, tagAt);
      if (stack.length >= limits.maxDepth) throw this.fail(`elements nested deeper than ${limits.maxDepth} levels`, tagAt);
      const name = this.#name('element');
      const { prefix, localName } = this.#splitName(name, tagAt);
      const rawAttributes: OpenElement['rawAttributes'] = [];
      let declarations: Map<string, string> | undefined;
      let selfClosing = false;
      for (;;) {
        const spaced = this.#skipSpace();
        if (this.#pos >= s.length) throw this.fail(`unterminated start tag <${name}>`, tagAt);
        const c = s.charCodeAt(this.#pos);
        if (c === GT) { this.#pos++; break; }
        if (c === SLASH) {
          if (s.charCodeAt(this.#pos + 1) !== GT) throw this.fail(`expected "/>" in <${name}>`);
          this.#pos += 2;
          selfClosing = true;
          break;
        }
        if (!spaced) throw this.fail(`expected whitespace before an attribute in <${name}>`);
        const attrAt = this.#pos;
        const attrName = this.#name('attribute');
        this.#skipSpace();
        if (s.charCodeAt(this.#pos) !== EQUALS) throw this.fail(`expected "=" after attribute ${attrName}`);
        this.#pos++;
        this.#skipSpace();
        const value = this.#attributeValue();
        const count = rawAttributes.length + (declarations?.size ?? 0) + 1;
        if (count > limits.maxAttributes) throw this.fail(`more than ${limits.maxAttributes} attributes on <${name}>`, attrAt);
        if (attrName === 'xmlns' || attrName.startsWith('xmlns:')) {
          const declared = attrName === 'xmlns' ? '' : attrName.slice(6);
          if (attrName !== 'xmlns' && (declared === '' || value === '')) throw this.fail(`malformed namespace declaration ${attrName}="${value}"`, attrAt);
          // Namespaces in XML 3: xml is bound to its namespace only, xmlns to none, and no other prefix to either.
          if ((declared === 'xml') !== (value === XML_NS) || declared === 'xmlns' || value === XMLNS_NS) throw this.fail(`reserved namespace prefix or name in ${attrName}="${value}"`, attrAt);
          declarations ??= new Map();
          if (declarations.has(declared)) throw this.fail(`duplicate attribute ${attrName}`, attrAt);
          declarations.set(declared, value);
          continue;
        }
        for (const a of rawAttributes) if (a.name === attrName) throw this.fail(`duplicate attribute ${attrName}`, attrAt);
        const split = this.#splitName(attrName, attrAt);
        rawAttributes.push({ name: attrName, prefix: split.prefix, localName: split.localName, value });
      }
      const parentScope = stack.length > 0 ? stack[stack.length - 1]!.scope : ROOT_SCOPE;
      let scope = parentScope;
      if (declarations !== undefined) {
        const merged = new Map(parentScope);
        for (const [p, uri] of declarations) merged.set(p, uri);
        scope = merged;
      }
      const open: OpenElement = { name, prefix, localName, rawAttributes, scope, textParts: [], textLength: 0, children: [] };
      if (selfClosing) {
        const done = this.#close(open, tagAt);
        if (stack.length === 0) return done;
        stack[stack.length - 1]!.children.push(done);
      } else {
        stack.push(open);
      }
      // Content until the next start tag (loop again) or until the stack empties.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) throw this.fail('internal parser state');
        const lt = s.indexOf('<', this.#pos);
        if (lt < 0) throw this.fail(`unterminated element <${top.name}>`);
        if (lt > this.#pos) {
          // Capped on the raw length first, so an oversized text is refused without decoding it.
          if (lt - this.#pos > limits.maxTextLength) throw this.fail(`text of <${top.name}> longer than ${limits.maxTextLength} characters`);
          top.textLength += this.#decodeText(this.#pos, lt, top.textParts, false);
          if (top.textLength > limits.maxTextLength) throw this.fail(`text of <${top.name}> longer than ${limits.maxTextLength} characters`);
          this.#pos = lt;
        }
        const next = s.charCodeAt(lt + 1);
        if (next === SLASH) {
          const closeAt = lt;
          this.#pos = lt + 2;
          const closeName = this.#name('closing element');
          this.#skipSpace();
          if (s.charCodeAt(this.#pos) !== GT) throw this.fail(`expected ">" to end </${closeName}>`);
          this.#pos++;
          if (closeName !== top.name) throw this.fail(`</${closeName}> does not close <${top.name}>`, closeAt);
          stack.pop();
          const done = this.#close(top, closeAt);
          const parent = stack[stack.length - 1];
          if (parent === undefined) return done;
          parent.children.push(done);
          continue;
        }
        if (next === BANG) {
          if (s.startsWith('<!--', lt)) { this.#pos = lt; this.#comment(); continue; }
          if (s.startsWith('<![CDATA[', lt)) {
            const end = s.indexOf(']]>', lt + 9);
            if (end < 0) throw this.fail('unterminated CDATA section', lt);
            for (let i = lt + 9; i < end; i++) {
              if (!isXmlCharUnit(s.charCodeAt(i))) throw this.fail(`character U+${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, i);
            }
            const piece = s.slice(lt + 9, end).replace(/\r\n?/g, '\n');
            top.textParts.push(piece);
            top.textLength += piece.length;
            if (top.textLength > limits.maxTextLength) throw this.fail(`text of <${top.name}> longer than ${limits.maxTextLength} characters`);
            this.#pos = end + 3;
            continue;
          }
          throw this.fail('markup declarations are not accepted', lt);
        }
        if (next === QUESTION) throw this.fail('processing instructions are not accepted', lt);
        this.#pos = lt;
        break; // a child start tag
      }
    }
  }

  #resolve(open: OpenElement, prefix: string, forElement: boolean, at: number): string {
    if (prefix === '') return forElement ? open.scope.get('') ?? '' : '';
    const uri = open.scope.get(prefix);
    if (uri === undefined) throw this.fail(`undeclared namespace prefix "${prefix}"`, at);
    return uri;
  }

  #close(open: OpenElement, at: number): XmlElement {
    // Plain loops, no closures: this runs once per element.
    const attributes: XmlAttribute[] = [];
    for (const a of open.rawAttributes) {
      attributes.push({ name: a.name, localName: a.localName, prefix: a.prefix, namespace: this.#resolve(open, a.prefix, false, at), value: a.value });
    }
    return {
      name: open.name,
      localName: open.localName,
      prefix: open.prefix,
      namespace: this.#resolve(open, open.prefix, true, at),
      attributes,
      text: open.textParts.length === 0 ? '' : open.textParts.length === 1 ? open.textParts[0]! : open.textParts.join(''),
      children: open.children,
      scope: open.scope,
    };
  }
}

/**
 * Parses one XML document (bytes as received) into an element tree.
 * @throws ApiFault `Client.bad_request` for anything refused; never expands an entity.
 */
export function parseXml(input: Uint8Array | string, limits: XmlLimits = {}): XmlElement {
  const lim: Required<XmlLimits> = { ...DEFAULT_LIMITS, ...limits };
  let text: string;
  if (typeof input === 'string') {
    if (input.length > lim.maxBytes) throw bad(`document is over the ${lim.maxBytes}-byte limit`);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.byteLength > lim.maxBytes) throw bad(`document is ${input.byteLength} bytes, over the ${lim.maxBytes}-byte limit`);
    const skip = checkEncodingBytes(input);
    // Read a declared encoding before validating UTF-8, so Latin-1 bytes get the clear message.
    const head = Buffer.from(input.buffer, input.byteOffset + skip, Math.min(512, input.byteLength - skip)).toString('latin1');
    if (head.startsWith('<?xml') && head.includes('?>')) new Parser(head, lim).xmlDeclaration();
    if (!isUtf8(input)) {
      const at = firstInvalidUtf8(input);
      throw bad(`invalid UTF-8 at byte offset ${at < 0 ? 0 : at}`);
    }
    text = Buffer.from(input.buffer, input.byteOffset + skip, input.byteLength - skip).toString('utf8');
  }
  refuseDeclarations(text);
  return new Parser(text, lim).parseDocument();
}

/** The value of the attribute `localName` in namespace `namespace` (any prefix), if present. */
export function attributeNS(el: XmlElement, namespace: string, localName: string): string | undefined {
  for (const a of el.attributes) if (a.localName === localName && a.namespace === namespace) return a.value;
  return undefined;
}

/** The first child element with that local name (any namespace). */
export function childByLocalName(el: XmlElement, localName: string): XmlElement | undefined {
  for (const c of el.children) if (c.localName === localName) return c;
  return undefined;
}
