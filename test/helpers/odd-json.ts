/**
 * Seeded generator of list replies (`{"customer_list":[…],"total":N}`) written the odd ways JSON
 * allows: escapes anywhere (keys included, `\/`, `\uXXXX` in either case, surrogate pairs, lone
 * surrogates), raw multi-byte UTF-8, numbers in every form (exponents, -0, fractions, more digits
 * than a double holds), whitespace between any tokens, duplicate keys, rows that are scalars or
 * arrays, nested decoys carrying the id and the moved marker. For scanner tests with JSON.parse as
 * the oracle.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same replies. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

const SPACES = [' ', '\t', '\n', '\r\n', '  ', ' \n\t '];

function ws(r: Rand): string {
  return r() < 0.2 ? pick(r, SPACES) : '';
}

function hex4(r: Rand, code: number): string {
  const h = code.toString(16).padStart(4, '0');
  return `\\u${r() < 0.5 ? h : h.toUpperCase()}`;
}

/** Characters worth putting in strings: JSON punctuation, escapes, controls, multi-byte, astral. */
const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '/', '{', '}', '[', ']', ',', ':', 'é', '日', '😀', '\u2028', '\u0000', '\n', '\t', '\u001f', '\u007f', 'moved', 'i_customer'];

/** `s` as a JSON string literal, each character written raw or escaped at random. */
export function oddString(r: Rand, s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    const mustEscape = ch === '"' || ch === '\\' || code < 0x20;
    const lone = code >= 0xd800 && code <= 0xdfff;
    if (!mustEscape && !lone && r() < 0.7) {
      out += ch;
    } else if (code > 0xffff) {
      out += hex4(r, ch.charCodeAt(0)) + hex4(r, ch.charCodeAt(1));
    } else if (ch === '"' || ch === '\\') {
      out += r() < 0.5 ? `\\${ch}` : hex4(r, code);
    } else if (ch === '/') {
      out += r() < 0.5 ? '\\/' : hex4(r, code);
    } else {
      const short: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
      out += short[ch] !== undefined && r() < 0.5 ? short[ch] : hex4(r, code);
    }
  }
  return `${out}"`;
}

function randomText(r: Rand): string {
  let s = '';
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) s += pick(r, CHARS);
  // A lone surrogate is valid JSON only escaped; oddString always escapes it.
  if (r() < 0.05) s += '\ud800';
  return s;
}

/** A JSON number literal, in one of the forms JSON allows. */
export function oddNumber(r: Rand): string {
  const forms = [
    () => String(Math.floor(r() * 1000)),
    () => `-${Math.floor(r() * 1000)}`,
    () => '-0',
    () => '0',
    () => `${Math.floor(r() * 100)}.${Math.floor(r() * 1000)}`,
    () => `${1 + Math.floor(r() * 9)}${pick(r, ['e', 'E'])}${pick(r, ['', '+', '-'])}${Math.floor(r() * 20)}`,
    () => `0.${Math.floor(r() * 100)}e${Math.floor(r() * 5)}`,
    () => '12345678901234567890',
    () => '9007199254740993',
    // 17 digits: summing digit by digit in a double rounds differently from Number().
    () => pick(r, ['94809203309479953', '-22015339619085171']),
    () => '1e400',
  ];
  return pick(r, forms)();
}

/** An id written so JSON.parse reads `id`: plain, with a fraction or an exponent. */
function oddId(r: Rand, id: number): string {
  return pick(r, [String(id), `${id}.0`, `${id}e0`, `${id * 10}E-1`, `${id}00e-2`]);
}

function key(r: Rand, name: string): string {
  return oddString(r, name);
}

function oddValue(r: Rand, depth: number): string {
  const c = r();
  if (depth > 3 || c < 0.3) return oddString(r, randomText(r));
  if (c < 0.5) return oddNumber(r);
  if (c < 0.6) return pick(r, ['true', 'false', 'null']);
  if (c < 0.8) {
    const n = Math.floor(r() * 3);
    const items = Array.from({ length: n }, () => ws(r) + oddValue(r, depth + 1) + ws(r));
    return `[${items.join(',')}${n === 0 ? ws(r) : ''}]`;
  }
  return oddObject(r, depth + 1, []);
}

function oddObject(r: Rand, depth: number, members: string[][]): string {
  const all = [...members];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) all.push([key(r, randomText(r)), oddValue(r, depth)]);
  // Decoys: a nested object may carry the id and the marker; only the row's own count.
  if (depth > 2 && r() < 0.3) all.push([key(r, 'i_customer'), oddId(r, 424242)], [key(r, 'migration_status'), oddString(r, 'moved')]);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const body = all.map(([k, v]) => `${ws(r)}${k}${ws(r)}:${ws(r)}${v}${ws(r)}`).join(',');
  return `{${body}${all.length === 0 ? ws(r) : ''}}`;
}

/** One list element: mostly a row with an id; sometimes a scalar, null, an array, or a row without an id. */
function oddRow(r: Rand, id: number, idField: string): string {
  const c = r();
  if (c < 0.05) return oddNumber(r);
  if (c < 0.08) return pick(r, ['null', 'true', '"row"']);
  if (c < 0.11) return `[${oddValue(r, 2)}]`;
  const members: string[][] = [];
  if (r() < 0.9) members.push([key(r, idField), oddId(r, id)]);
  // Last one wins: a duplicate id key overrides (sometimes with a non-number, so no id).
  if (r() < 0.1) members.push([key(r, idField), r() < 0.5 ? oddId(r, id + 1) : oddString(r, String(id))]);
  const m = r();
  if (m < 0.15) members.push([key(r, 'migration_status'), oddString(r, 'moved')]);
  else if (m < 0.25) members.push([key(r, 'migration_status'), oddString(r, pick(r, ['active', 'moved ', 'Moved', 'move']))]);
  else if (m < 0.3) members.push([key(r, 'migration_status'), pick(r, ['null', '1', '["moved"]'])]);
  if (r() < 0.05) members.push([key(r, '__proto__'), oddObject(r, 3, [])]);
  const row = oddObject(r, 2, members);
  // Duplicates keep the first position and the last value: append a second marker after shuffling.
  if (r() < 0.05) return `${row.slice(0, -1)}${/^\{\s*\}$/.test(row) ? '' : ','}${key(r, 'migration_status')}:${oddString(r, pick(r, ['moved', 'active']))}}`;
  return row;
}

export interface OddListOptions {
  idField?: string;
  /** Ids of the rows, in order (default 1..rows). */
  ids?: readonly number[];
  rows?: number;
  listKey?: string;
}

/** A whole list reply written oddly. */
export function oddListReply(r: Rand, o: OddListOptions = {}): string {
  const idField = o.idField ?? 'i_customer';
  const ids = o.ids ?? Array.from({ length: o.rows ?? Math.floor(r() * 8) }, (_, i) => i + 1);
  const rows = ids.map((id) => `${ws(r)}${oddRow(r, id, idField)}${ws(r)}`);
  const members: string[][] = [[key(r, o.listKey ?? 'customer_list'), `[${rows.join(',')}${rows.length === 0 ? ws(r) : ''}]`]];
  const t = r();
  if (t < 0.7) members.push([key(r, 'total'), pick(r, [String(ids.length + 100), `${ids.length + 100}.0`, '1e3', '-5', '"12"', 'null'])]);
  if (r() < 0.3) members.push([key(r, 'other_list'), `[${oddObject(r, 2, [[key(r, idField), '999']])}]`]);
  if (r() < 0.2) members.push([key(r, 'x'), oddValue(r, 1)]);
  if (r() < 0.1) members.push([key(r, '7'), 'null']);
  for (let i = members.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  // A key given twice: the first position, the last value (sometimes the list itself).
  if (r() < 0.1) members.push([key(r, pick(r, ['total', 'x', o.listKey ?? 'customer_list'])), pick(r, ['2', '[]', '{}', `[${oddRow(r, 77, idField)}]`])]);
  return `${ws(r)}{${members.map(([k, v]) => `${ws(r)}${k}${ws(r)}:${ws(r)}${v}${ws(r)}`).join(',')}}${ws(r)}`;
}
