import { escapeXml } from './soap-values.ts';
import { localName, markupTags } from './markup-scan.ts';

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
  start: number;
  end: number;
  name: string;
  selfClosing: boolean;
  /** The start tag's text. */
  text: string;
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
  let envelope: Tag | undefined;
  let header: Tag | undefined;
  let inHeader = false;
  let auth: Tag | undefined;
  let authEnd = -1;
  for (const t of markupTags(s)) {
    if (t.kind === 'close') {
      if (t.depth === 2 && auth !== undefined && authEnd < 0) authEnd = t.end;
      if (t.depth === 1) inHeader = false;
      continue;
    }
    const tag: Tag = { start: t.start, end: t.end, name: t.name, selfClosing: t.kind === 'empty', text: s.slice(t.start, t.end) };
    if (t.depth === 0) envelope = tag;
    else if (t.depth === 1 && header === undefined && localName(t.name) === 'Header') {
      header = tag;
      inHeader = !tag.selfClosing;
    } else if (t.depth === 2 && inHeader && auth === undefined && localName(t.name) === 'auth_info') {
      auth = tag;
      if (tag.selfClosing) authEnd = t.end;
    }
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
