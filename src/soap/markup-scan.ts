/**
 * A tag scanner over markup the XML parser has already accepted (so well-formed): it yields each
 * start, end and empty-element tag with its offsets and depth, and skips comments, CDATA,
 * processing instructions and the doctype. The forwarders cut SOAP messages with it without
 * re-encoding them: read as latin1 (one char per byte), every offset is a byte offset.
 */
export interface MarkupTag {
  kind: 'open' | 'close' | 'empty';
  /** Offset of `<` and just after `>`. */
  start: number;
  end: number;
  /** The qualified name as written (`ns1:get_customer_list`). */
  name: string;
  /** The element's depth: 0 for the root (an end tag has its element's depth). */
  depth: number;
}

export function localName(qname: string): string {
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

function skipTo(s: string, at: number, terminator: string): number {
  const i = s.indexOf(terminator, at);
  return i < 0 ? -1 : i + terminator.length;
}

/** The tags of `s` in document order, up to the root's end tag. */
export function* markupTags(s: string): Generator<MarkupTag> {
  let depth = 0;
  let i = s.indexOf('<');
  while (i >= 0 && i < s.length) {
    let next: number;
    if (s.startsWith('<!--', i)) next = skipTo(s, i + 4, '-->');
    else if (s.startsWith('<![CDATA[', i)) next = skipTo(s, i + 9, ']]>');
    else if (s.startsWith('<?', i) || s.startsWith('<!', i)) next = skipTo(s, i + 2, '>');
    else if (s[i + 1] === '/') {
      next = skipTo(s, i + 2, '>');
      if (next < 0) return;
      depth--;
      yield { kind: 'close', start: i, end: next, name: nameAt(s, i + 2), depth };
      if (depth === 0) return;
    } else {
      next = startTagEnd(s, i);
      if (next < 0) return;
      const empty = s[next - 2] === '/';
      yield { kind: empty ? 'empty' : 'open', start: i, end: next, name: nameAt(s, i + 1), depth };
      if (!empty) depth++;
      else if (depth === 0) return;
    }
    if (next < 0) return;
    i = s.indexOf('<', next);
  }
}
