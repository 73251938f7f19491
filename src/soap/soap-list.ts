import type { EnvelopeList, EnvelopeRow } from '../core/forwarded-envelope.ts';
import { SOAP_ENV_NS } from '../core/soap-names.ts';
import { localName, markupTags, type MarkupTag } from './markup-scan.ts';
import { parseXml, type XmlLimits } from './safe-xml.ts';

/** A system's SOAP list reply, cut where a merge changes it: the list's rows and the total's text. */
interface SoapListFrame extends EnvelopeList {
  readonly bytes: Buffer;
  readonly key: string;
  /** The list element's start tag (or empty-element tag) and, when it has content, its end tag. */
  readonly open: { start: number; end: number; text: string; empty: boolean };
  readonly close: { start: number; end: number } | undefined;
  /** The total's text content, when the reply has a total beside the list. */
  readonly totalText: { start: number; end: number } | undefined;
}

const FRAMES = new WeakSet<EnvelopeList>();

/** The element's text content, when the element holds text only (one open tag, then its close). */
function textOf(s: string, open: MarkupTag, close: MarkupTag): string {
  return s.slice(open.end, close.start);
}

/**
 * Reads a SOAP list reply (`<ns1:get_customer_listResponse><…Response><customer_list …><item>…`)
 * into its rows as the bytes the system wrote: each top-level `item` of the first `*_list`
 * element of the result, with its id (`idField`) and whether it is a moved-away copy
 * (`migration_status` `moved`), and the `total` beside the list. Undefined when the reply is not
 * such a list (a fault, another shape): the caller decodes it instead.
 */
export function readSoapList(body: Buffer, idField: string, limits?: XmlLimits): EnvelopeList | undefined {
  let root;
  try {
    root = parseXml(body, limits);
  } catch {
    return undefined;
  }
  const response = root.children.find((c) => c.localName === 'Body' && c.namespace === SOAP_ENV_NS)?.children[0];
  if (response === undefined || (response.localName === 'Fault' && response.namespace === SOAP_ENV_NS)) return undefined;
  // The list is a member of the one result struct (depth 4), or itself a part (depth 3).
  const single = response.children.length === 1 && !response.children[0]!.localName.endsWith('_list');
  const listDepth = single ? 4 : 3;

  const s = body.toString('latin1');
  let inBody = false;
  let list: { key: string; open: MarkupTag } | undefined;
  let listClose: MarkupTag | undefined;
  let total: { open: MarkupTag; close?: MarkupTag } | undefined;
  const rows: EnvelopeRow[] = [];
  let item: { open: MarkupTag; id: number | undefined; moved: boolean } | undefined;
  let field: MarkupTag | undefined;
  for (const t of markupTags(s)) {
    if (t.depth === 1 && t.kind === 'open') inBody = localName(t.name) === 'Body';
    if (!inBody) continue;
    if (t.depth === listDepth) {
      const name = localName(t.name);
      if (list === undefined && t.kind !== 'close' && name.endsWith('_list')) {
        list = { key: name, open: t };
      } else if (list !== undefined && listClose === undefined && t.kind === 'close' && localName(t.name) === list.key && list.open.kind === 'open') {
        listClose = t;
      } else if (name === 'total' && total === undefined && t.kind !== 'close') {
        total = { open: t };
      } else if (total !== undefined && total.close === undefined && t.kind === 'close' && name === 'total') {
        total.close = t;
      }
      continue;
    }
    if (list === undefined || listClose !== undefined || list.open.kind === 'empty') continue;
    if (t.depth === listDepth + 1) {
      if (t.kind === 'empty') rows.push({ id: undefined, moved: false, bytes: body.subarray(t.start, t.end) });
      else if (t.kind === 'open') item = { open: t, id: undefined, moved: false };
      else if (item !== undefined) {
        rows.push({ id: item.id, moved: item.moved, bytes: body.subarray(item.open.start, t.end) });
        item = undefined;
      }
    } else if (item !== undefined && t.depth === listDepth + 2) {
      if (t.kind === 'open') field = t;
      else if (t.kind === 'close' && field !== undefined) {
        const name = localName(field.name);
        const text = textOf(s, field, t).trim();
        if (name === idField && /^\d{1,15}$/.test(text)) item.id = Number(text);
        if (name === 'migration_status' && text === 'moved') item.moved = true;
        field = undefined;
      }
    }
  }
  if (list === undefined || (list.open.kind === 'open' && listClose === undefined)) return undefined;
  const totalText = total?.close === undefined ? undefined : { start: total.open.end, end: total.close.start };
  const totalValue = totalText === undefined ? undefined : /^\s*(\d{1,15})\s*$/.exec(s.slice(totalText.start, totalText.end))?.[1];
  const frame: SoapListFrame = {
    rows,
    total: totalValue === undefined ? undefined : Number(totalValue),
    bytes: body,
    key: list.key,
    open: { start: list.open.start, end: list.open.end, text: s.slice(list.open.start, list.open.end), empty: list.open.kind === 'empty' },
    close: listClose === undefined ? undefined : { start: listClose.start, end: listClose.end },
    totalText: totalValue === undefined ? undefined : totalText,
  };
  FRAMES.add(frame);
  return frame;
}

/** The list's start tag with the row count its `arrayType` states set to `count`. */
function openTagFor(open: SoapListFrame['open'], count: number): string {
  const text = open.text.replace(/(arrayType\s*=\s*["'][^"'[]*)\[\d*\]/, `$1[${count}]`);
  if (count === 0) return open.empty ? text : text.replace(/\s*>$/, '/>');
  return open.empty ? text.replace(/\s*\/>$/, '>') : text;
}

/**
 * The merged reply, as pieces to send in order: `frame`'s bytes (one system's reply) with its
 * list's rows replaced by `rows` (each as its system wrote it) and its total by `total`.
 */
export function writeSoapList(list: EnvelopeList, rows: readonly EnvelopeRow[], total: number | undefined): Buffer[] {
  if (!FRAMES.has(list)) throw new Error('writeSoapList: not a list read by readSoapList');
  const frame = list as SoapListFrame;
  const name = frame.open.text.slice(1, frame.open.text.search(/[\s/>]/));
  const listEnd = frame.close?.end ?? frame.open.end;
  const cuts: Array<{ start: number; end: number; pieces: Buffer[] }> = [{
    start: frame.open.start,
    end: listEnd,
    pieces: [Buffer.from(openTagFor(frame.open, rows.length), 'latin1'), ...rows.map((r) => r.bytes), ...(rows.length === 0 ? [] : [Buffer.from(`</${name}>`, 'latin1')])],
  }];
  if (frame.totalText !== undefined && total !== undefined) cuts.push({ ...frame.totalText, pieces: [Buffer.from(String(total), 'latin1')] });
  cuts.sort((a, b) => a.start - b.start);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    out.push(frame.bytes.subarray(at, c.start), ...c.pieces);
    at = c.end;
  }
  out.push(frame.bytes.subarray(at));
  return out;
}
