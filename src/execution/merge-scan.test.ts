import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { MAX_DEPTH, scanListReply, scannedNumber, type ScannedReply } from './merge-scan.ts';
import { oddListReply, seededRandom } from '../../test/helpers/odd-json.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isIndexKey = (k: string): boolean => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

/** Asserts that the scan of `bytes` says what JSON.parse says of them. */
function assertMatchesParse(bytes: Buffer, scan: ScannedReply, idField: string, label: string): void {
  const json = JSON.parse(bytes.toString('utf8')) as { [k: string]: Json };
  const keys = [...scan.members.keys()];
  assert.deepEqual([...keys].sort(), Object.keys(json).sort(), `${label}: keys`);
  assert.deepEqual(keys.filter((k) => !isIndexKey(k)), Object.keys(json).filter((k) => !isIndexKey(k)), `${label}: key order`);
  for (const [k, m] of scan.members) {
    const v = json[k]!;
    assert.deepEqual(JSON.parse(bytes.toString('utf8', m.start, m.end)), v, `${label}: bytes of ${k}`);
    const kind = Array.isArray(v) ? 'array' : v === null || typeof v === 'boolean' ? 'literal' : typeof v;
    assert.equal(m.kind, kind, `${label}: kind of ${k}`);
    if (typeof v === 'number') assert.ok(Object.is(scannedNumber(scan, m), v), `${label}: ${k} = ${v}, scanned ${scannedNumber(scan, m)}`);
    if (!Array.isArray(v)) continue;
    const rows = v.filter((e) => typeof e === 'object' && e !== null);
    assert.equal(m.rows?.length, rows.length, `${label}: rows of ${k}`);
    rows.forEach((row, i) => {
      const r = m.rows![i]!;
      assert.deepEqual(JSON.parse(bytes.toString('utf8', r.start, r.end)), row, `${label}: bytes of row ${i}`);
      const id = Array.isArray(row) ? undefined : row[idField];
      assert.ok(Object.is(r.id, typeof id === 'number' ? id : undefined), `${label}: id of row ${i}: ${String(r.id)} vs ${String(id)}`);
      assert.equal(r.moved, !Array.isArray(row) && row.migration_status === 'moved', `${label}: marker of row ${i}`);
    });
  }
}

function scansLikeParse(text: string | Buffer, idField = 'i_customer'): ScannedReply {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const scan = scanListReply(bytes, idField);
  assert.ok(scan !== undefined, `scanned: ${bytes.toString('utf8').slice(0, 300)}`);
  assertMatchesParse(bytes, scan, idField, bytes.toString('utf8').slice(0, 120));
  return scan;
}

/** Whether JSON.stringify writes every number of `v` back as the same value (no -0, no ±Infinity). */
function roundTrips(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object' || v === null) return true;
  return Object.values(v).every(roundTrips);
}

/**
 * Whether the text may hold a number JSON.stringify would not write back alike (-0, ±Infinity),
 * even one a later duplicate key hides from JSON.parse's result. Lenient (strings match too): it
 * only excuses a refusal, never a scan.
 */
function mayHoldUnwritableNumber(text: string): boolean {
  return /-0|[eE][+-]?\d{3}|\d{301}/.test(text);
}

/** Scans like JSON.parse, or (when a number would not survive JSON.stringify) not at all. */
function scansLikeParseOrDefers(text: string, idField = 'i_customer'): boolean {
  const scan = scanListReply(Buffer.from(text), idField);
  if (!roundTrips(JSON.parse(text))) {
    assert.equal(scan, undefined, text.slice(0, 300));
    return false;
  }
  if (scan === undefined && mayHoldUnwritableNumber(text)) return false;
  scansLikeParse(text, idField);
  return true;
}

function rowsOf(scan: ScannedReply, key = 'customer_list'): Array<{ id: number | undefined; moved: boolean }> {
  return (scan.members.get(key)?.rows ?? []).map((r) => ({ id: r.id, moved: r.moved }));
}

test('a plain list reply: every row, its id and marker, the total', () => {
  const scan = scansLikeParse('{"customer_list":[{"i_customer":1,"name":"a"},{"i_customer":3,"migration_status":"moved"}],"total":2}');
  assert.deepEqual(rowsOf(scan), [{ id: 1, moved: false }, { id: 3, moved: true }]);
});

test('brackets, braces, quotes, commas and colons inside strings are text, not structure', () => {
  const scan = scansLikeParse(String.raw`{"customer_list":[{"name":"a],}{[\"\\","i_customer":5,"notes":"\"migration_status\":\"moved\"}"},{"x":"]","i_customer":6}],"total":"}]"}`);
  assert.deepEqual(rowsOf(scan), [{ id: 5, moved: false }, { id: 6, moved: false }]);
});

test('escapes in keys and values read as JSON.parse reads them', () => {
  const scan = scansLikeParse(String.raw`{"customer\u005flist":[{"i_\u0063ustomer":7,"migration\u005Fstatus":"mov\u0065d"},{"i_customer":8,"migration_status":"moved\u0020"},{"\u0069_customer":9,"migration_status":"\u006d\u006F\u0076\u0065\u0064"}],"t\u006ftal":3}`);
  assert.deepEqual(rowsOf(scan), [{ id: 7, moved: true }, { id: 8, moved: false }, { id: 9, moved: true }]);
  assert.equal(scannedNumber(scan, scan.members.get('total')!), 3);
});

test('the last of duplicate keys wins, at the position of the first', () => {
  const scan = scansLikeParse('{"customer_list":[{"i_customer":1,"i_customer":2},{"i_customer":3,"i_customer":"4"},{"migration_status":"moved","migration_status":"active","i_customer":5},{"migration_status":"active","i_customer":6,"migration_status":"moved"}],"total":1,"total":9,"customer_list":[{"i_customer":10}]}');
  assert.deepEqual(rowsOf(scan), [{ id: 10, moved: false }]);
  assert.deepEqual([...scan.members.keys()], ['customer_list', 'total']);
  const rows = scansLikeParse('{"customer_list":[{"i_customer":1,"i_customer":2},{"i_customer":3,"i_customer":"4"},{"migration_status":"moved","migration_status":"active","i_customer":5},{"migration_status":"active","i_customer":6,"migration_status":"moved"}]}');
  assert.deepEqual(rowsOf(rows), [{ id: 2, moved: false }, { id: undefined, moved: false }, { id: 5, moved: false }, { id: 6, moved: true }]);
});

test('unicode: raw multi-byte UTF-8, surrogate pairs, lone surrogates, U+2028', () => {
  scansLikeParse('{"customer_list":[{"name":"Zoë 日本 😀 \u2028","i_customer":1},{"name":"\\ud83d\\ude00\\ud800\\uDFFF","i_customer":2},{"😀":"é","i_customer":3}],"total":3}');
  scansLikeParse(Buffer.from('{"customer_list":[{"name":"\u00e9\u65e5","i_customer":1}]}', 'utf8'));
});

test('ids and totals in every number form convert as JSON.parse converts them', () => {
  const forms = ['1e2', '1E+2', '100.0', '1000e-1', '0', '12.5', '-7', '-0.5', '-0.5e-3', '0.1e-5', '1e-400', '123456789012345678', '9007199254740993', '1e308', '999999999999999', '-999999999999999', '1000000000000000', '94809203309479953', '-22015339619085171'];
  for (const f of forms) {
    const scan = scansLikeParse(`{"customer_list":[{"i_customer":${f}}],"total":${f}}`);
    assert.ok(Object.is(rowsOf(scan)[0]!.id, JSON.parse(f)), f);
  }
});

test('a number JSON.stringify would write back as another value leaves the reply to JSON.parse', () => {
  // -0 would become 0 and ±Infinity null: copying the bytes would change what the client reads.
  for (const f of ['-0', '-0.0', '-0e5', '-1e-400', '1e400', '-1e400', '1'.repeat(310)]) {
    const value = JSON.parse(f) as number;
    assert.ok(!Number.isFinite(value) || Object.is(value, -0), f);
    for (const text of [`{"customer_list":[{"i_customer":1,"x":${f}}]}`, `{"total":${f}}`, `{"x":[{"y":[${f}]}]}`]) {
      assert.equal(scanListReply(Buffer.from(text), 'i_customer'), undefined, text);
    }
  }
});

test('nested objects and arrays inside a row are skipped: only the row\'s own fields count', () => {
  const scan = scansLikeParse('{"customer_list":[{"sub":{"i_customer":99,"migration_status":"moved"},"i_customer":1,"arr":[{"i_customer":98},[[["moved"]]]]},{"sub":{"i_customer":97}}]}');
  assert.deepEqual(rowsOf(scan), [{ id: 1, moved: false }, { id: undefined, moved: false }]);
});

test('whitespace between any tokens, pretty-printed or not', () => {
  const value = { customer_list: [{ i_customer: 1, a: [1, { b: 'x' }], migration_status: 'moved' }, { i_customer: 2 }, {}], total: 2 };
  scansLikeParse(JSON.stringify(value, null, 2));
  scansLikeParse(JSON.stringify(value, null, '\t'));
  const scan = scansLikeParse(' \r\n\t{ "customer_list" :\n[ { "i_customer" : 1 } ,\t{ } , [ ] , 5 , null ] , "total"\r\n:\t2 }\n ');
  assert.deepEqual(rowsOf(scan), [{ id: 1, moved: false }, { id: undefined, moved: false }, { id: undefined, moved: false }]);
});

test('scalar elements are no rows; arrays are rows without id or marker', () => {
  const scan = scansLikeParse('{"customer_list":[1,"x",null,true,false,{"i_customer":1},[1,{"i_customer":2}],-0.5e1]}');
  assert.deepEqual(rowsOf(scan), [{ id: 1, moved: false }, { id: undefined, moved: false }]);
});

test('every top-level member is kept in order; index-like and __proto__ keys included', () => {
  const scan = scansLikeParse('{"7":null,"b_list":[],"a_list":[{"i_customer":1}],"__proto__":{"x":1},"x":{"y_list":[{"i_customer":5}]},"total":0,"s":"t","e":{}}');
  assert.deepEqual([...scan.members.keys()], ['7', 'b_list', 'a_list', '__proto__', 'x', 'total', 's', 'e']);
  scansLikeParse('{}');
  scansLikeParse('{"customer_list":[]}');
  scansLikeParse('{"customer_list":[{"__proto__":{"i_customer":3},"i_customer":4}]}');
});

test('the id field is the one asked for (i_account for accounts)', () => {
  const scan = scansLikeParse('{"account_list":[{"i_account":11,"i_customer":1},{"i_customer":2}]}', 'i_account');
  assert.deepEqual(rowsOf(scan, 'account_list'), [{ id: 11, moved: false }, { id: undefined, moved: false }]);
});

test('invalid JSON is never scanned', () => {
  const invalid = [
    '', ' ', '{', '}', '{"customer_list":[}', '{"customer_list":[1,]}', '{"a":1,}', '{,}', "{'a':1}", '{a:1}', '{"a" 1}', '{"a":1 "b":2}',
    '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":+1}', '{"a":-}', '{"a":1e}', '{"a":1e+}', '{"a":NaN}', '{"a":Infinity}', '{"a":-Infinity}', '{"a":0x10}',
    '{"a":tru}', '{"a":nul}', '{"a":True}', '{"a":nulll}', '{"a":"\n"}', '{"a":"\t"}', '{"a":"\u0000"}', '{"a":"\u001f"}', '{"a\n":1}',
    String.raw`{"a":"\x41"}`, String.raw`{"a":"\u12G4"}`, String.raw`{"a":"\u12"}`, String.raw`{"a":"\U0041"}`, String.raw`{"customer_list":[{"migration_status":"mov\U0065d"}]}`, String.raw`{"customer_list":[{"i_\U0063ustomer":1}]}`, String.raw`{"a":"\'"}`, String.raw`{"a":"\"}`, '{"a":"abc}',
    '{"a":[1,2}', '{"a":{"b":1]}', '{"a":1}}', '{"a":1}]', '{"a":1} x', '{}{}', '{} {}', '{"a":1}/* c */', '{"a":/* c */1}', '{"a":1}//',
    '\ufeff{"a":1}', '{"customer_list":[{"i_customer":1,}]}', '{"customer_list":[{"i_customer":1 "x":2}]}', '{"customer_list":[{"i_customer":}]}',
    '{"customer_list":[{"i_customer" 1}]}', '{"customer_list":[{1:2}]}', '{"customer_list":[{"i_customer":1}{"i_customer":2}]}', '{"customer_list":[,]}',
    '{"customer_list":[{"i_customer":-01}]}', '{"customer_list":[{"migration_status":"moved}]}', '{"customer_list":[{"i_customer":1}]', '{"total":1e5.5}',
  ];
  // Each grammar rule at each depth: the top level, the list, a row, a value nested in a row, a member value.
  for (const bad of ['{"a":1,}', '[1,]', '{,"a":1}', '[,1]', '{"a":1 "b":2}', '[1 2]', '{"a" 1}', '{"a":}', '{"a",1}', '[1:2]', '{"a":1]', '[1}', '{"a":[1,2,]}', '{"a":{"b":[]},}']) {
    invalid.push(`{"x":${bad}}`, `{"customer_list":[${bad}]}`, `{"customer_list":[{"i_customer":1,"s":${bad}}]}`, `{"customer_list":[{"s":[${bad}]}]}`, `{"customer_list":[[${bad}]]}`);
  }
  // A control character where a string's closing quote should be, in every place a string goes.
  const valid = '{"customer_list":[{"i_customer":1,"migration_status":"moved","name":"x","sub":{"k":"v"}}],"total":1}';
  for (let at = valid.indexOf('"'); at >= 0; at = valid.indexOf('"', at + 1)) {
    for (const c of ['\u0001', '\n', '\u001f']) invalid.push(valid.slice(0, at) + c + valid.slice(at + 1));
  }
  for (const text of invalid) {
    assert.throws(() => JSON.parse(text), `the oracle refuses ${JSON.stringify(text)}`);
    assert.equal(scanListReply(Buffer.from(text), 'i_customer'), undefined, JSON.stringify(text));
  }
});

test('valid JSON the scanner does not vouch for is left to JSON.parse: not an object, not UTF-8, too deep', () => {
  for (const text of ['[]', '[{"i_customer":1}]', '"x"', '1', 'null', 'true']) {
    assert.doesNotThrow(() => JSON.parse(text));
    assert.equal(scanListReply(Buffer.from(text), 'i_customer'), undefined, text);
  }
  // Invalid UTF-8 decodes to U+FFFD for JSON.parse; the reply must then be rebuilt from that text, not copied.
  for (const bad of [[0xff], [0xc0, 0xaf], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
    const bytes = Buffer.concat([Buffer.from('{"customer_list":[{"name":"'), Buffer.from(bad), Buffer.from('","i_customer":1}]}')]);
    assert.equal(isUtf8(bytes), false);
    assert.doesNotThrow(() => JSON.parse(bytes.toString('utf8')));
    assert.equal(scanListReply(bytes, 'i_customer'), undefined, Buffer.from(bad).toString('hex'));
  }
  const deep = `{"customer_list":[{"i_customer":1,"d":${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)}}]}`;
  assert.doesNotThrow(() => JSON.parse(deep));
  assert.equal(scanListReply(Buffer.from(deep), 'i_customer'), undefined);
  scansLikeParse(`{"customer_list":[{"i_customer":1,"d":${'['.repeat(MAX_DEPTH - 5)}${']'.repeat(MAX_DEPTH - 5)}}]}`);
});

test('generated odd replies scan exactly as JSON.parse reads them', () => {
  const r = seededRandom(6);
  let scanned = 0;
  for (let n = 0; n < 1500; n++) if (scansLikeParseOrDefers(oddListReply(r))) scanned++;
  for (let n = 0; n < 200; n++) scansLikeParseOrDefers(oddListReply(r, { idField: 'i_account', listKey: 'account_list' }), 'i_account');
  assert.ok(scanned > 1000, `scanned ${scanned} of 1500`);
});

test('damaged replies: scanned only when JSON.parse accepts them, and then read alike', () => {
  const r = seededRandom(60);
  const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', 'E', '+', '.', 'n', 'u', 'U', 't', '\n', '\u0001', 'é'];
  let scanned = 0;
  let refused = 0;
  for (let n = 0; n < 3000; n++) {
    const text = oddListReply(r);
    const at = Math.floor(r() * text.length);
    const how = r();
    const damaged = how < 0.3 ? text.slice(0, at) + text.slice(at + 1)
      : how < 0.6 ? text.slice(0, at) + pieces[Math.floor(r() * pieces.length)]! + text.slice(at)
        : how < 0.9 ? text.slice(0, at) + pieces[Math.floor(r() * pieces.length)]! + text.slice(at + 1)
          : text.slice(0, at);
    const bytes = Buffer.from(damaged);
    let parsed: unknown;
    let parses = true;
    try {
      parsed = JSON.parse(damaged);
    } catch {
      parses = false;
    }
    const scan = scanListReply(bytes, 'i_customer');
    if (!parses || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !roundTrips(parsed)) {
      assert.equal(scan, undefined, `scanned what JSON.parse refuses (or would not write back alike): ${damaged.slice(0, 300)}`);
      refused++;
      continue;
    }
    if (scan === undefined && mayHoldUnwritableNumber(damaged)) continue;
    assert.ok(scan !== undefined, `refused what JSON.parse accepts: ${damaged.slice(0, 300)}`);
    assertMatchesParse(bytes, scan, 'i_customer', damaged.slice(0, 120));
    scanned++;
  }
  // Both sides of the property were exercised.
  assert.ok(scanned > 100 && refused > 100, `scanned ${scanned}, refused ${refused}`);
});

test('row values read on the short way (plain integers, null) end where JSON.parse says, and only valid ones scan', () => {
  const scan = scansLikeParse('{"customer_list":[{"a":null,"i_customer":12,"b":3.5,"c":4e1,"d":7,"e":19E-1,"f":1234567890123456789012,"g":null}],"total":1}');
  assert.deepEqual(rowsOf(scan), [{ id: 12, moved: false }]);
  for (const v of ['nulll', 'nul', 'null1', 'nullx', '12a', '1.', '1e', '1e+', '01', '1-', '1 2', '12"', 'n', '9.e1']) {
    for (const text of [`{"customer_list":[{"i_customer":1,"x":${v}}]}`, `{"customer_list":[{"x":${v},"i_customer":1}]}`, `{"customer_list":[{"i_customer":${v}}]}`]) {
      assert.throws(() => JSON.parse(text), `the oracle refuses ${text}`);
      assert.equal(scanListReply(Buffer.from(text), 'i_customer'), undefined, text);
    }
  }
});
