import { escapeXml } from './soap-values.ts';

/**
 * A client's SOAP envelope cut where its `auth_info` header goes: the bytes before and after it,
 * kept as the client sent them, and the element's open and close tags. Putting a session id
 * between them gives the envelope a backend is sent (issue 16: SOAP is forwarded as SOAP).
 */
export interface SplitEnvelope {
  readonly head: Buffer;
  readonly tail: Buffer;
  /** `<auth_info …>`, with `<SOAP-ENV:Header>` before it when the client sent no Header. */
  readonly open: string;
  readonly close: string;
}

interface Tag {
  /** Offset of `<` and just after `>`. */
  start: number;
  end: number;
  name: string;
  selfClosing: boolean;
  /** The start tag's text. */
  text: string;
}

function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}

/** Just after the `>` closing the start tag at `at` (quoted attribute values may hold `>`). */
function startTagEnd(s: string, at: number): number {
  let quote = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return -1;
}

function nameAt(s: string, at: number): string {
  let i = at;
  while (i < s.length && !/[\s/>]/.test(s[i]!)) i++;
  return s.slice(at, i);
}

/** Just after the end of the markup that starts at `at` and ends with `terminator`. */
function skipTo(s: string, at: number, terminator: string): number {
  const i = s.indexOf(terminator, at);
  return i < 0 ? -1 : i + terminator.length;
}

/**
 * The open tag of the element that carries the backend session: the client's own name (its
 * prefix names the Session namespace the backend's WSDL declares) with only its namespace
 * declarations; a type attribute goes (PHP's untyped `Map` would contradict the struct inside).
 */
function authOpenTag(tag: Tag): string {
  const declarations = tag.text.match(/\sxmlns(?::[^\s=]+)?\s*=\s*(?:"[^"]*"|'[^']*')/g) ?? [];
  return `<${tag.name}${declarations.join('')}>`;
}

/**
 * Finds the Envelope, its Header and the Header's `auth_info` by a scan of the markup (comments,
 * CDATA and processing instructions skipped). The envelope has already passed the XML parser, so
 * the scan sees well-formed markup; bytes are read as latin1, one char per byte, so every offset
 * is a byte offset and the client's bytes (any encoding of text) are kept as they came.
 * @throws Error when the markup has no Envelope element (the parser would have refused it).
 */
export function splitEnvelope(body: Buffer): SplitEnvelope {
  const s = body.toString('latin1');
  let depth = 0;
  let envelope: Tag | undefined;
  let header: Tag | undefined;
  let inHeader = false;
  let auth: Tag | undefined;
  let authEnd = -1;
  let i = s.indexOf('<');
  while (i >= 0 && i < s.length) {
    let next: number;
    if (s.startsWith('<!--', i)) next = skipTo(s, i + 4, '-->');
    else if (s.startsWith('<![CDATA[', i)) next = skipTo(s, i + 9, ']]>');
    else if (s.startsWith('<?', i) || s.startsWith('<!', i)) next = skipTo(s, i + 2, '>');
    else if (s[i + 1] === '/') {
      next = skipTo(s, i + 2, '>');
      depth--;
      if (depth === 2 && auth !== undefined && authEnd < 0) authEnd = next;
      if (depth === 1) inHeader = false;
      if (depth === 0) break;
    } else {
      next = startTagEnd(s, i);
      if (next < 0) break;
      const name = nameAt(s, i + 1);
      const tag: Tag = { start: i, end: next, name, selfClosing: s[next - 2] === '/', text: s.slice(i, next) };
      if (depth === 0) envelope = tag;
      else if (depth === 1 && header === undefined && localName(name) === 'Header') {
        header = tag;
        inHeader = !tag.selfClosing;
      } else if (depth === 2 && inHeader && auth === undefined && localName(name) === 'auth_info') {
        auth = tag;
        if (tag.selfClosing) authEnd = next;
      }
      if (!tag.selfClosing) depth++;
    }
    if (next < 0) break;
    i = s.indexOf('<', next);
  }
  if (envelope === undefined) throw new Error('splitEnvelope: no Envelope element');
  const cut = (from: number, to: number, open: string, close: string): SplitEnvelope =>
    ({ head: body.subarray(0, from), tail: body.subarray(to), open, close });
  if (auth !== undefined && authEnd > 0) {
    return cut(auth.start, authEnd, authOpenTag(auth), `</${auth.name}>`);
  }
  const prefix = envelope.name.includes(':') ? `${envelope.name.slice(0, envelope.name.indexOf(':'))}:` : '';
  if (header !== undefined && header.selfClosing) {
    return cut(header.start, header.end, `<${prefix}Header><auth_info>`, `</auth_info></${prefix}Header>`);
  }
  if (header !== undefined) return cut(header.end, header.end, '<auth_info>', '</auth_info>');
  return cut(envelope.end, envelope.end, `<${prefix}Header><auth_info>`, `</auth_info></${prefix}Header>`);
}

/** The envelope with `<session_id>` of the backend session where the client's auth_info was. */
export function envelopeWithSession(split: SplitEnvelope, sessionId: string): Buffer {
  return Buffer.concat([split.head, Buffer.from(`${split.open}<session_id>${escapeXml(sessionId)}</session_id>${split.close}`, 'utf8'), split.tail]);
}
