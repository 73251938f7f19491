import fc from 'fast-check';
import { damaged, memo, or } from './arbitraries.ts';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { MAX_DEPTH, scanListReply, scannedNumber } from '../../../src/execution/merge-scan.ts';

/**
 * Differential fuzzing of the merge scanner against JSON.parse: generated backend list replies
 * (rows with nested objects and arrays, strings with every escape and unicode class, numbers of
 * every form, whitespace between any tokens, duplicate keys), some of them damaged (truncated,
 * trailing garbage, bad escapes, bytes inserted, removed or replaced, invalid UTF-8).
 *
 * The scanner's contract (src/execution/merge-scan.ts): it reads exactly what JSON.parse reads, or
 * refuses (undefined) and the caller uses JSON.parse. It may refuse valid JSON only for its
 * documented reasons — a top level that is not an object, bytes that are not UTF-8, nesting
 * deeper than MAX_DEPTH, a number JSON.stringify would write back as another value (±Infinity,
 * -0) — and must scan everything else JSON.parse accepts.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `plain`, or sometimes (weight `bend` of 10) `bent`. */
const hex4 = (code: number, upper: boolean): string => {
  const h = code.toString(16).padStart(4, '0');
  return `\\u${upper ? h.toUpperCase() : h}`;
};

/** One piece of a string literal's inside: raw text, every escape, every unicode class; bent, what JSON refuses. */
const stringPiece = memo('stringPiece', (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 _.-]{1,6}$/) },
    { weight: 2, arbitrary: fc.constantFrom('{', '}', '[', ']', ',', ':', '\'', '#', '~', '\x7f', 'moved', 'i_customer', 'migration_status', '"moved"') },
    { weight: 3, arbitrary: fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t') },
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([c, u]) => hex4(c, u)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0x7f }), fc.boolean()).map(([c, u]) => hex4(c, u)) },
    // Surrogate pairs escaped, lone surrogates escaped (valid JSON, odd UTF-16).
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff }), fc.boolean()).map(([h, l, u]) => hex4(h, u) + hex4(l, !u)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0xd800, max: 0xdfff }), fc.boolean()).map(([c, u]) => hex4(c, u)) },
    // Raw multi-byte UTF-8: 2, 3 and 4 bytes, U+2028/2029, BOM and non-characters.
    { weight: 2, arbitrary: fc.constantFrom('é', 'ß', '日本', '😀', '\u2028', '\u2029', '\ufeff', '\uffff', '\u0080', '\u07ff', '\u0800', '\u{10ffff}') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
  ),
  fc.oneof(
    // Raw control characters, bad escapes, an escape cut short.
    fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('\\x41', '\\U0041', '\\u12', '\\u12G4', '\\\'', '\\a', '\\0', '\\ ', '\\u', '\\uD83D', '\\', '"', '\\\n', '\\v', '\\e', '\\u00e', '\\U00E9', '\\N'),
  )));

const stringLit = memo('stringLit', (bend: number): fc.Arbitrary<string> => fc.array(stringPiece(bend), { maxLength: 4 }).map((p) => `"${p.join('')}"`));

/** A key: the names a merge reads (sometimes escaped), decoys, anything. */
const keyLit = memo('keyLit', (bend: number, idField: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(`"${idField}"`, '"migration_status"') },
  { weight: 1, arbitrary: fc.constantFrom(`"${idField.slice(0, 2)}\\u0063${idField.slice(3)}"`, `"\\u0069${idField.slice(1)}"`, '"migration\\u005fstatus"', '"migration\\u005Fstatus"', `"${idField}\\u0000"`, `"${idField} "`, '"migration_Status"', '"__proto__"', '"0"', '"7"', '"4294967295"', '"total"', '"customer_list"', '""') },
  { weight: 3, arbitrary: stringLit(bend) },
));

/** A number in every form JSON allows and some it does not. */
const numberLit = memo('numberLit', (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -1000, max: 100_000 }).map(String) },
    { weight: 2, arbitrary: fc.tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,20})$/), fc.option(fc.stringMatching(/^[0-9]{1,20}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/))))
      .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`) },
    { weight: 1, arbitrary: fc.double().filter(Number.isFinite).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('-0', '0', '-0.0', '0e0', '-0e-5', '1e400', '-1e400', '1e-400', '-1e-400', '1e308', '2e308', '9007199254740993', '94809203309479953', '-22015339619085171', '123456789012345678', '999999999999999', '1000000000000000', '4.9e-324', '1.7976931348623157e308', '1'.repeat(300), '1'.repeat(301), `0.${'0'.repeat(400)}1`, `1${'0'.repeat(400)}`, '5E-1', '1E+2', '100.0', '1000e-1') },
  ),
  fc.constantFrom('01', '-01', '1.', '.5', '+1', '-', '1e', '1e+', '1e-', '0x10', 'NaN', 'Infinity', '-Infinity', '1.e1', '1..2', '1e1.5', '--1', '1-', '0.', '00', '1E', '٣', '１')));

const literalLit = memo('literalLit', (bend: number): fc.Arbitrary<string> => or(bend, fc.constantFrom('true', 'false', 'null'),
  fc.constantFrom('True', 'tru', 'nul', 'nulll', 'null1', 'nullx', 'falsey', 'undefined', 'NULL', 'n', 't', 'f')));

/** Whitespace between tokens: none, JSON's four, mixed; bent, what JSON does not count as space. */
const ws = memo('ws', (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n', '  ', ' \n\t ', '\r') }),
  fc.constantFrom('\x0b', '\x0c', '\u00a0', '\ufeff', '\u2028', '\x00', '/* c */', '//c\n')));

interface Gen { bend: number; idField: string }

const listOf = (g: Gen, items: fc.Arbitrary<string>, max: number): fc.Arbitrary<string> =>
  fc.tuple(fc.array(fc.tuple(ws(g.bend), items, ws(g.bend)), { maxLength: max }), ws(g.bend), or(g.bend, fc.constant(','), fc.constantFrom(',,', ', ,', ';', ' ', '')))
    .map(([xs, empty, sep]) => xs.length === 0 ? empty : xs.map(([a, v, b]) => a + v + b).join(sep));

const members = (g: Gen, value: fc.Arbitrary<string>, max: number): fc.Arbitrary<string> =>
  listOf(g, fc.tuple(keyLit(g.bend, g.idField), ws(g.bend), or(g.bend, fc.constant(':'), fc.constantFrom('', '::', '=', ',')), ws(g.bend), value).map((p) => p.join('')), max);

const closer = (g: Gen, want: string): fc.Arbitrary<string> => or(g.bend, fc.constant(want), fc.constantFrom('', want === '}' ? ']' : '}', `${want}${want}`, `,${want}`));

/** Any value, nested up to `depth` more levels (objects and arrays with decoy ids and markers). */
const value = memo('value', (g: Gen, depth: number): fc.Arbitrary<string> => {
  const scalar = fc.oneof({ weight: 3, arbitrary: stringLit(g.bend) }, { weight: 3, arbitrary: numberLit(g.bend) }, { weight: 1, arbitrary: literalLit(g.bend) });
  if (depth <= 0) return scalar;
  const inner = value(g, depth - 1);
  return fc.oneof(
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.tuple(members(g, inner, 3), closer(g, '}')).map(([m, c]) => `{${m}${c}`) },
    { weight: 1, arbitrary: fc.tuple(listOf(g, inner, 3), closer(g, ']')).map(([m, c]) => `[${m}${c}`) },
  );
});

/** A row's id value: a plain integer mostly, else any number, a string, null, a structure. */
const idValue = memo('idValue', (g: Gen): fc.Arbitrary<string> => fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 10_000_000 }).map(String) },
  { weight: 3, arbitrary: numberLit(g.bend) },
  { weight: 1, arbitrary: fc.constantFrom('"7"', 'null', 'true', '[1]', '{"i_customer":1}', '"moved"') },
));

const markerValue = memo('markerValue', (g: Gen): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('"moved"', '"active"', '"mov\\u0065d"', '"\\u006doved"', '"moved "', '"Moved"', '"move"', '"moved\\u0000"', 'null', '1', '["moved"]', '{"x":"moved"}') },
  { weight: 1, arbitrary: stringLit(g.bend) },
));

/** A row: mostly an object with the id, maybe the marker, other fields nested or not, duplicates. */
const row = memo('row', (g: Gen): fc.Arbitrary<string> => {
  const field = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(`"${g.idField}"`, `"i\\u005f${g.idField.slice(2)}"`), idValue(g)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('"migration_status"', '"migration\\u005fstatus"'), markerValue(g)) },
    { weight: 4, arbitrary: fc.tuple(keyLit(g.bend, g.idField), value(g, 3)) },
  );
  const object = fc.tuple(fc.array(fc.tuple(ws(g.bend), field, ws(g.bend), ws(g.bend), ws(g.bend)), { maxLength: 6 }), ws(g.bend), closer(g, '}'))
    .map(([fs, empty, c]) => `{${fs.length === 0 ? empty : fs.map(([a, [k, v], b, d, e]) => `${a}${k}${b}:${d}${v}${e}`).join(',')}${c}`);
  return fc.oneof(
    { weight: 12, arbitrary: object },
    { weight: 1, arbitrary: value(g, 2) },
  );
});

/** A whole reply: the list, a total, other members, duplicates; sometimes not an object at all. */
const reply = memo('reply', (g: Gen): fc.Arbitrary<string> => {
  const list = fc.tuple(listOf(g, row(g), 6), closer(g, ']')).map(([rows, c]) => `[${rows}${c}`);
  const member = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(`"${g.idField === 'i_account' ? 'account' : 'customer'}_list"`, '"customer\\u005flist"', '"other_list"'), list) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('"total"', '"t\\u006ftal"'), fc.oneof(numberLit(g.bend), fc.constantFrom('"12"', 'null', '[]'))) },
    { weight: 2, arbitrary: fc.tuple(keyLit(g.bend, g.idField), value(g, 3)) },
  );
  const object = fc.tuple(ws(g.bend), fc.array(fc.tuple(ws(g.bend), member, ws(g.bend), ws(g.bend), ws(g.bend)), { maxLength: 5 }), ws(g.bend), closer(g, '}'), ws(g.bend))
    .map(([lead, ms, empty, c, trail]) => `${lead}{${ms.length === 0 ? empty : ms.map(([a, [k, v], b, d, e]) => `${a}${k}${b}:${d}${v}${e}`).join(',')}${c}${trail}`);
  return fc.oneof(
    { weight: 20, arbitrary: object },
    // Valid JSON the scanner leaves to JSON.parse: not an object at top level.
    { weight: 1, arbitrary: fc.oneof(list, value(g, 2)) },
    // Nesting around MAX_DEPTH.
    { weight: 1, arbitrary: fc.integer({ min: MAX_DEPTH - 3, max: MAX_DEPTH + 3 }).chain((n) => fc.constantFrom('[', '{"a":').map((open) => `{"customer_list":[{"${g.idField}":1,"d":${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}}]}`)) },
  );
});

/** Byte-level damage: truncation, trailing garbage, a byte inserted, removed or replaced, invalid UTF-8. */
const damage = damaged(
  ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', '.', 'n', 'u', '\n', '\x01', 'é', 'x', '{}', '//', '\x00'],
  [[0xff], [0xc0, 0xaf], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xc3], [0xef, 0xbb, 0xbf]],
);

export interface JsonCase {
  /** The reply's bytes, hex (to print a failing case exactly). */
  hex: string;
  idField: string;
}

const anyReply = memo('anyReply', (idField: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 6, arbitrary: reply({ bend: 0, idField }) },
  { weight: 3, arbitrary: reply({ bend: 1, idField }) },
  { weight: 1, arbitrary: reply({ bend: 3, idField }) },
));

export const jsonCase: fc.Arbitrary<JsonCase> = fc.constantFrom('i_customer', 'i_customer', 'i_customer', 'i_account')
  .chain((idField) => anyReply(idField).chain((text) => {
    const bytes = Buffer.from(text, 'utf8');
    return fc.oneof({ weight: 4, arbitrary: fc.constant(bytes) }, { weight: 1, arbitrary: damage(bytes) }).map((b) => ({ hex: b.toString('hex'), idField }));
  }));

const isIndexKey = (k: string): boolean => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

/** Nesting depth and number tokens of valid JSON text (strings skipped). */
function structure(text: string): { depth: number; numbers: string[] } {
  let depth = 0;
  let max = 0;
  const numbers: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') {
      max = Math.max(max, ++depth);
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?[0-9.eE+-]+/.exec(text.slice(i))![0];
      numbers.push(m);
      i += m.length - 1;
    }
  }
  return { depth: max, numbers };
}

/** Why the scanner may refuse these bytes (undefined: it must scan them). */
export function allowedRefusal(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'JSON.parse refuses';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not an object';
  if (!isUtf8(bytes)) return 'not UTF-8';
  const { depth, numbers } = structure(text);
  // The top-level object is depth 0 to the scanner, 1 here.
  if (depth - 1 > MAX_DEPTH) return 'too deep';
  if (numbers.some((n) => { const v = Number(n); return !Number.isFinite(v) || Object.is(v, -0); })) return 'a number JSON.stringify would not write back alike';
  return undefined;
}

export interface JsonVerdict {
  scanned: boolean;
  /** Why the scanner and JSON.parse disagree; undefined when they agree. */
  disagreement: string | undefined;
}

/** Runs the scanner and JSON.parse on one case and compares what each read. */
export function runJsonCase(c: JsonCase): JsonVerdict {
  const bytes = Buffer.from(c.hex, 'hex');
  const scan = scanListReply(bytes, c.idField);
  const excuse = allowedRefusal(bytes);
  if (scan === undefined) return { scanned: false, disagreement: excuse === undefined ? 'the scanner refused valid JSON it has no documented reason to refuse' : undefined };
  if (excuse !== undefined) return { scanned: true, disagreement: `the scanner scanned what it must refuse (${excuse})` };
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { [k: string]: Json };
    const keys = [...scan.members.keys()];
    assert.deepEqual([...keys].sort(), Object.keys(json).sort(), 'keys');
    assert.deepEqual(keys.filter((k) => !isIndexKey(k)), Object.keys(json).filter((k) => !isIndexKey(k)), 'key order');
    for (const [k, m] of scan.members) {
      const v = json[k]!;
      assert.deepEqual(JSON.parse(bytes.toString('utf8', m.start, m.end)), v, `bytes of ${k}`);
      const kind = Array.isArray(v) ? 'array' : v === null || typeof v === 'boolean' ? 'literal' : typeof v;
      assert.equal(m.kind, kind, `kind of ${k}`);
      if (typeof v === 'number') assert.ok(Object.is(scannedNumber(scan, m), v), `${k} = ${v}, scanned ${scannedNumber(scan, m)}`);
      if (!Array.isArray(v)) continue;
      const rows = v.filter((e) => typeof e === 'object' && e !== null);
      assert.equal(m.rows?.length, rows.length, `rows of ${k}`);
      rows.forEach((r, i) => {
        const s = m.rows![i]!;
        assert.deepEqual(JSON.parse(bytes.toString('utf8', s.start, s.end)), r, `bytes of row ${i} of ${k}`);
        const id = Array.isArray(r) ? undefined : r[c.idField];
        assert.ok(Object.is(s.id, typeof id === 'number' ? id : undefined), `id of row ${i} of ${k}: scanned ${String(s.id)}, JSON.parse ${JSON.stringify(id)}`);
        assert.equal(s.moved, !Array.isArray(r) && r['migration_status'] === 'moved', `marker of row ${i} of ${k}`);
      });
    }
  } catch (err) {
    return { scanned: true, disagreement: `the scanner read another value than JSON.parse: ${(err as Error).message.split('\n')[0]}` };
  }
  return { scanned: true, disagreement: undefined };
}
