import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CREATED_INDEX, FREE_POOL_INDEX, OwnedIds } from './owned-ids.ts';

test('an owned id decodes back to the system, kind and slot it was made from', () => {
  const ids = new OwnedIds(7);
  for (const role of ['source', 'target'] as const) {
    for (const kind of ['invoice', 'xdr', 'did', 'alias', 'document'] as const) {
      for (const index of [0, 1, 2, 999, FREE_POOL_INDEX + 3, CREATED_INDEX + 41, 2 ** 35 - 1]) {
        assert.deepEqual(ids.decode(ids.encode(role, kind, index)), { role, kind, index });
      }
    }
  }
});

test('ids of consecutive slots are spread out: parity and order say nothing about the slot', () => {
  const ids = new OwnedIds(1);
  const made = Array.from({ length: 200 }, (_, i) => ids.encode('source', 'invoice', i));
  assert.equal(new Set(made).size, made.length);
  const odd = made.filter((id) => id % 2 === 1).length;
  assert.ok(odd > 60 && odd < 140, `about half odd: ${odd}`);
  const ascending = made.slice(1).filter((id, i) => id > (made[i] ?? 0)).length;
  assert.ok(ascending > 60 && ascending < 140, `no order kept: ${ascending}`);
  assert.ok(made.every((id) => Number.isSafeInteger(id) && id >= 1));
});

test('a different seed gives different ids, and a number that is no id of this seed may decode to nothing', () => {
  const a = new OwnedIds(1);
  const b = new OwnedIds(2);
  assert.notEqual(a.encode('source', 'ua', 5), b.encode('source', 'ua', 5));
  assert.equal(a.decode(0), undefined);
  assert.equal(a.decode(-3), undefined);
  assert.equal(a.decode(2 ** 41), undefined);
});
