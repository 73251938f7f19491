import { SOAP_ENV_NS, XSD_NS, XSI_NS } from '../core/soap-names.ts';
import { markupTags, type MarkupTag } from './markup-scan.ts';
import { parseXml, type XmlLimits } from './safe-xml.ts';
import { paramsShape } from './soap-envelope.ts';

/** A child element of the params: its local name and the bytes it spans. */
interface Span { name: string; start: number; end: number }

/** An integer param as a typed part that needs no declaration from the client's envelope. */
function intPart(name: string, value: number): string {
  return `<${name} xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}" xsi:type="xsd:int">${value}</${name}>`;
}

/**
 * The client's envelope with some integer params set (a merge adds `skip_exported`, exact paging
 * reads from offset 0): an existing part of that name is replaced, a missing one is added after
 * the others; every other byte stays as the client sent it. Undefined when the params are in a
 * form a part cannot be added to (PHP's untyped Map, a nil wrapper): the caller falls back to
 * sending the call as JSON.
 * @throws Error from the XML parser when `body` is not well-formed (the front has parsed it already).
 */
export function envelopeWithParams(body: Buffer, edits: Readonly<Record<string, number>>, limits?: XmlLimits): Buffer | undefined {
  const root = parseXml(body, limits);
  const op = root.children.find((c) => c.localName === 'Body' && c.namespace === SOAP_ENV_NS)?.children[0];
  if (op === undefined) return undefined;
  const shape = paramsShape(op);
  if (shape === 'map-wrapper') return undefined;
  const wrapper = shape === 'struct-wrapper' ? op.children[0]! : undefined;
  if (wrapper?.attributes.some((a) => a.localName === 'nil' && a.namespace === XSI_NS && /^(true|1)$/.test(a.value.trim())) === true) return undefined;

  // The container of the parts (the wrapper, or the operation itself) and its children's spans.
  const s = body.toString('latin1');
  const containerDepth = wrapper === undefined ? 2 : 3;
  let container: MarkupTag | undefined;
  let containerClose: MarkupTag | undefined;
  let inBody = false;
  let childOpen: MarkupTag | undefined;
  const parts: Span[] = [];
  for (const t of markupTags(s)) {
    if (t.depth === 1 && t.kind === 'open') inBody = t.name === 'Body' || t.name.endsWith(':Body');
    if (!inBody) continue;
    if (t.depth === containerDepth && container === undefined && t.kind !== 'close') {
      container = t;
      if (t.kind === 'empty') break;
    } else if (t.depth === containerDepth && t.kind === 'close' && container !== undefined) {
      containerClose = t;
      break;
    } else if (container !== undefined && t.depth === containerDepth + 1) {
      if (t.kind === 'empty') parts.push({ name: t.name, start: t.start, end: t.end });
      else if (t.kind === 'open') childOpen = t;
      else if (childOpen !== undefined) parts.push({ name: childOpen.name, start: childOpen.start, end: t.end });
    }
  }
  if (container === undefined) return undefined;

  const replaced: Array<{ start: number; end: number; text: string }> = [];
  const added: string[] = [];
  for (const [name, value] of Object.entries(edits)) {
    const part = parts.find((p) => p.name === name || p.name.endsWith(`:${name}`));
    if (part !== undefined) replaced.push({ start: part.start, end: part.end, text: intPart(name, value) });
    else added.push(intPart(name, value));
  }
  if (container.kind === 'empty') {
    // `<GetCustomerListRequest …/>` becomes `<GetCustomerListRequest …>parts</GetCustomerListRequest>`.
    const openTag = s.slice(container.start, container.end).replace(/\s*\/>$/, '>');
    replaced.push({ start: container.start, end: container.end, text: `${openTag}${added.join('')}</${container.name}>` });
  } else if (added.length > 0) {
    replaced.push({ start: containerClose!.start, end: containerClose!.start, text: added.join('') });
  }
  replaced.sort((a, b) => a.start - b.start);
  const out: Buffer[] = [];
  let at = 0;
  for (const r of replaced) {
    out.push(body.subarray(at, r.start), Buffer.from(r.text, 'utf8'));
    at = r.end;
  }
  out.push(body.subarray(at));
  return Buffer.concat(out);
}
