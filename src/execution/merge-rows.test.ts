import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SystemName } from '../core/api-call.ts';
import { mergeRowPieces, parsedSystemList, readSystemList, type MergeRowsOptions, type SystemList } from './merge-rows.ts';
import { MAX_PIECES } from './merge-splice.ts';
import { oddListReply, seededRandom } from '../../test/helpers/odd-json.ts';

const SYSTEMS: SystemName[] = ['source', 'target'];

/** The merged reply's bytes, its pieces joined. */
async function mergeRows(lists: readonly SystemList[], o: MergeRowsOptions): Promise<Buffer> {
  return Buffer.concat(await mergeRowPieces(lists, o));
}

function options(o: Partial<MergeRowsOptions> = {}): MergeRowsOptions {
  return { idField: 'i_customer', defaultKey: 'customer_list', paging: 'per-system', limit: undefined, offset: 0, ownerOf: async (_id, where) => where[where.length - 1]!, ...o };
}

/** Merges the same replies read both ways; asserts they mean the same, returns the scanned merge's text. */
async function mergeBothWays(replies: readonly string[], o: MergeRowsOptions): Promise<string> {
  const scanned = replies.map((t, i) => readSystemList(SYSTEMS[i]!, Buffer.from(t), o.idField));
  const parsed = replies.map((t, i) => parsedSystemList(SYSTEMS[i]!, t));
  const a = (await mergeRows(scanned, o)).toString('utf8');
  const b = (await mergeRows(parsed, o)).toString('utf8');
  assert.deepEqual(JSON.parse(a), JSON.parse(b), `scanned and parsed merges differ for ${JSON.stringify(replies).slice(0, 400)}`);
  // One system scanned and the other parsed (a reply the scanner was unsure of) mean the same too.
  if (replies.length === 2) {
    const mixed = [scanned[0]!, parsed[1]!] as SystemList[];
    assert.deepEqual(JSON.parse((await mergeRows(mixed, o)).toString('utf8')), JSON.parse(b));
  }
  return a;
}

test('the parsed path writes exactly what JSON.stringify of the merged object wrote', async () => {
  const source = '{"customer_list":[{"i_customer":1,"n":"a"},{"i_customer":3,"migration_status":"moved"},{"i_customer":5}],"total":3}';
  const target = '{"customer_list":[{"i_customer":3},{"i_customer":2,"big":1e2}],"total":2}';
  const out = await mergeRows([parsedSystemList('source', source), parsedSystemList('target', target)], options());
  assert.equal(out.toString(), JSON.stringify({ customer_list: [{ i_customer: 1, n: 'a' }, { i_customer: 5 }, { i_customer: 3 }, { i_customer: 2, big: 100 }], total: 4 }));
});

test('scanned rows are copied as the backend wrote them, adjacent rows of one system in one piece', async () => {
  const source = '{"customer_list":[{"i_customer":1,"big":12345678901234567890,"e":1E2},{"i_customer":3,"migration_status":"moved"},{"i_customer":5,"s":"\\u00e9\\/"}],"total":3}';
  const target = '{ "customer_list" : [ {"i_customer":2} ,\n {"i_customer":4} ] }';
  const out = await mergeBothWays([source, target], options());
  assert.equal(out, '{"customer_list":[{"i_customer":1,"big":12345678901234567890,"e":1E2},{"i_customer":5,"s":"\\u00e9\\/"},{"i_customer":2},{"i_customer":4}],"total":2}');
});

test('moved-away copies and duplicates are dropped, the total counts without them', async () => {
  const source = '{"customer_list":[{"i_customer":1},{"i_customer":2,"migration_status":"moved"},{"i_customer":7,"from":"source"}],"total":30}';
  const target = '{"customer_list":[{"i_customer":2},{"i_customer":7,"from":"target"},{"i_customer":8}],"total":6}';
  for (const owner of SYSTEMS) {
    const out = JSON.parse(await mergeBothWays([source, target], options({ ownerOf: async () => owner }))) as { customer_list: Array<{ i_customer: number; from?: string }>; total: number };
    assert.deepEqual(out.customer_list.map((r) => r.i_customer), owner === 'source' ? [1, 7, 2, 8] : [1, 2, 7, 8]);
    assert.equal(out.customer_list.find((r) => r.i_customer === 7)!.from, owner);
    assert.equal(out.total, 30 + 6 - 2);
  }
});

test('exact paging: one stable order by id, then the page', async () => {
  const source = '{"customer_list":[{"i_customer":5,"s":1},{"n":"no id"},{"i_customer":1},{"i_customer":5,"s":2},{"i_customer":"3"}],"total":5}';
  const target = '{"customer_list":[{"i_customer":4},[1],{"i_customer":2},{"i_customer":6}],"total":4}';
  const owner = options({ ownerOf: async () => 'source' });
  for (const [limit, offset] of [[undefined, 0], [3, 0], [3, 2], [2, 7], [0, 0], [100, 1]] as const) {
    await mergeBothWays([source, target], { ...owner, paging: 'exact', limit, offset });
  }
  const all = JSON.parse(await mergeBothWays([source, target], { ...owner, paging: 'exact' })) as { customer_list: unknown[] };
  assert.deepEqual(all.customer_list, [{ n: 'no id' }, { i_customer: '3' }, [1], { i_customer: 1 }, { i_customer: 2 }, { i_customer: 4 }, { i_customer: 5, s: 1 }, { i_customer: 5, s: 2 }, { i_customer: 6 }]);
});

test('the first system\'s list key names the merge; another system\'s differently named list adds no rows', async () => {
  const out = JSON.parse(await mergeBothWays(['{"total":1,"b_list":{},"a_list":[{"i_customer":1}]}', '{"x_list":[{"i_customer":2}],"a_list":5,"total":2}'], options())) as Record<string, unknown>;
  assert.deepEqual(out, { a_list: [{ i_customer: 1 }], total: 3 });
  assert.deepEqual(JSON.parse(await mergeBothWays(['{"total":"7"}', '{"customer_list":[{"i_customer":2}]}'], options())), { customer_list: [{ i_customer: 2 }] });
  assert.deepEqual(JSON.parse(await mergeBothWays(['{"x_list":[]}'], options({ defaultKey: 'account_list' }))), { x_list: [] });
  assert.deepEqual(JSON.parse(await mergeBothWays(['{}'], options({ defaultKey: 'account_list' }))), { account_list: [] });
});

test('a total that overflows is written as JSON.stringify writes it', async () => {
  const out = await mergeBothWays(['{"customer_list":[],"total":1e308}', '{"customer_list":[],"total":1e308}'], options());
  assert.equal(out, '{"customer_list":[],"total":null}');
});

test('generated odd replies merge the same scanned as parsed, in both paging modes', async () => {
  const r = seededRandom(66);
  for (let n = 0; n < 400; n++) {
    const shared = Array.from({ length: 3 }, () => 1 + Math.floor(r() * 10));
    const source = oddListReply(r, { ids: [...Array.from({ length: Math.floor(r() * 6) }, () => 1 + Math.floor(r() * 10)), ...shared] });
    const target = oddListReply(r, { ids: [...shared, ...Array.from({ length: Math.floor(r() * 6) }, () => 1 + Math.floor(r() * 10))] });
    const paging = r() < 0.5 ? 'per-system' : 'exact';
    const limit = r() < 0.3 ? undefined : Math.floor(r() * 8);
    await mergeBothWays([source, target], options({ paging, limit, offset: Math.floor(r() * 4), ownerOf: async (id, where) => where[id % where.length]! }));
  }
});

test('a merge without drops is sent as views of the backends\' replies; one of many runs is copied into one piece', async () => {
  const rows = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `{"i_customer":${from + 2 * i},"name":"n${i}"}`).join(',');
  const source = Buffer.from(`{"customer_list":[${rows(1, 50)}],"total":50}`);
  const target = Buffer.from(`{"customer_list":[${rows(2, 50)}],"total":50}`);
  const lists = [readSystemList('source', source, 'i_customer'), readSystemList('target', target, 'i_customer')];
  const pieces = await mergeRowPieces(lists, options());
  assert.equal(pieces.length, 5, 'head, the source rows, a comma, the target rows, the tail');
  assert.equal(pieces[1]!.buffer, source.buffer, 'the source rows are not copied');
  assert.equal(pieces[3]!.buffer, target.buffer, 'the target rows are not copied');
  assert.equal(Buffer.concat(pieces).toString(), `{"customer_list":[${rows(1, 50)},${rows(2, 50)}],"total":100}`);
  assert.deepEqual(JSON.parse(Buffer.concat(pieces).toString()).customer_list.length, 100);
  // Every other source row moved away: a run per row, more than MAX_PIECES.
  const moved = Buffer.from(`{"customer_list":[${Array.from({ length: MAX_PIECES }, (_, i) => `{"i_customer":${2 * i + 1}},{"i_customer":${1000 + i},"migration_status":"moved"}`).join(',')}],"total":${2 * MAX_PIECES}}`);
  const many = await mergeRowPieces([readSystemList('source', moved, 'i_customer'), lists[1]!], options());
  assert.equal(many.length, 1);
  const merged = JSON.parse(many[0]!.toString()) as { customer_list: Array<{ i_customer: number }>; total: number };
  assert.deepEqual(merged.customer_list.map((r) => r.i_customer).slice(0, 3), [1, 3, 5]);
  assert.equal(merged.customer_list.length, MAX_PIECES + 50);
  assert.equal(merged.total, MAX_PIECES + 50);
});

test('records both systems list are found alike in ascending lists (walked side by side) and in any order (mapped)', async () => {
  const reply = (ids: number[]): string => `{"customer_list":[${ids.map((id) => `{"i_customer":${id}}`).join(',')}],"total":${ids.length}}`;
  const cases: Array<[number[], number[]]> = [
    [[1, 3, 5, 7, 9], [2, 3, 4, 9, 10]],
    [[9, 7, 5, 3, 1], [2, 3, 4, 9, 10]],
    [[1, 3, 5, 7, 9], [10, 9, 4, 3, 2]],
    [[1, 3, 3, 9], [3, 9]],
    [[], [1, 2]],
    [[5, 6], [1, 2]],
  ];
  for (const [a, b] of cases) {
    const asked: Array<[number, readonly SystemName[]]> = [];
    const o = options({ ownerOf: async (id, where) => { asked.push([id, [...where]]); return where[where.length - 1]!; } });
    const out = JSON.parse(await mergeBothWays([reply(a), reply(b)], o)) as { customer_list: Array<{ i_customer: number }>; total: number };
    // What the merge asked about: every id listed more than once, in the order it first appears, with where it was listed.
    const where = new Map<number, SystemName[]>();
    for (const [i, ids] of [a, b].entries()) for (const id of ids) where.set(id, [...(where.get(id) ?? []), SYSTEMS[i]!]);
    const expected = [...where].filter(([, w]) => w.length > 1);
    assert.deepEqual(asked.slice(0, expected.length), expected, `${JSON.stringify([a, b])}`);
    const dropped = expected.reduce((n, [, w]) => n + w.length - 1, 0);
    assert.equal(out.total, a.length + b.length - dropped);
  }
});

test('rows without an id are kept, never taken for one record listed twice, and the total counts them', async () => {
  const asked: unknown[] = [];
  const o = options({ ownerOf: async (id, where) => { asked.push([id, where]); return where[0]!; } });
  // Out of id order, so the rows are mapped (not walked side by side).
  const out = JSON.parse(await mergeBothWays(['{"customer_list":[{"n":1},{"i_customer":5},{"n":2}],"total":3}', '{"customer_list":[{"n":3},{"i_customer":4}],"total":2}'], o)) as { customer_list: unknown[]; total: number };
  assert.deepEqual(out.customer_list, [{ n: 1 }, { i_customer: 5 }, { n: 2 }, { n: 3 }, { i_customer: 4 }]);
  assert.equal(out.total, 5);
  assert.deepEqual(asked, []);
});

test('a text body is parsed, also when it is not ASCII; a merge of no lists is an empty list', async () => {
  const text = '{"customer_list":[{"i_customer":1,"name":"Zoë"},{"i_customer":2,"name":"Łódź"}],"total":2}';
  const list = readSystemList('source', text, 'i_customer');
  assert.equal(list.scanned, undefined);
  assert.deepEqual(list.json, JSON.parse(text));
  assert.deepEqual(JSON.parse((await mergeRows([list, readSystemList('target', '{"customer_list":[{"i_customer":3,"name":"é"}]}', 'i_customer')], options())).toString('utf8')).customer_list.map((r: { name: string }) => r.name), ['Zoë', 'Łódź', 'é']);
  assert.equal((await mergeRows([], options())).toString('utf8'), '{"customer_list":[]}');
});
