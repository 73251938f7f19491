import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeedSpace, XDR_DAYS } from './seed-space.ts';
import { buildConfigEntities } from './config-entities.ts';
import { SimStore } from './sim-store.ts';

const ANCHOR = Date.UTC(2026, 10, 1, 12);

test('the same seed and role derive identical customers, accounts and history', () => {
  const a = new SeedSpace(42, 'source', 1000, ANCHOR);
  const b = new SeedSpace(42, 'source', 1000, ANCHOR);
  for (const k of [0, 1, 7, 500, 999]) {
    assert.deepEqual(a.customerAt(k), b.customerAt(k));
    assert.deepEqual(a.accountAt(k, 0), b.accountAt(k, 0));
    const acc = a.accountAt(k, 0);
    assert.deepEqual(a.xdrsFor(acc.i_account, acc.id), b.xdrsFor(acc.i_account, acc.id));
  }
});

test('a different seed derives different customers', () => {
  const a = new SeedSpace(1, 'source', 100, ANCHOR);
  const b = new SeedSpace(2, 'source', 100, ANCHOR);
  const differing = [0, 1, 2, 3, 4, 5].filter((k) => a.customerAt(k).name !== b.customerAt(k).name);
  assert.ok(differing.length > 0);
});

test('configuration entities are identical on both roles for the same seed', () => {
  assert.deepEqual(buildConfigEntities(9), buildConfigEntities(9));
  const src = new SimStore(new SeedSpace(9, 'source', 10, ANCHOR), buildConfigEntities(9));
  const tgt = new SimStore(new SeedSpace(9, 'target', 10, ANCHOR), buildConfigEntities(9));
  assert.deepEqual([...src.config.products.entries()], [...tgt.config.products.entries()]);
  assert.deepEqual([...src.config.customerClasses.entries()], [...tgt.config.customerClasses.entries()]);
  assert.deepEqual([...src.config.discountPlans.entries()], [...tgt.config.discountPlans.entries()]);
});

test('the source seeds odd ids and the target even ids, for customers and accounts', () => {
  const src = new SimStore(new SeedSpace(1, 'source', 50, ANCHOR), buildConfigEntities(1));
  const tgt = new SimStore(new SeedSpace(1, 'target', 50, ANCHOR), buildConfigEntities(1));
  for (const id of src.customerIds()) {
    assert.equal(id % 2, 1);
    for (const a of src.accountIdsOf(id)) assert.equal(a % 2, 1);
  }
  for (const id of tgt.customerIds()) {
    assert.equal(id % 2, 0);
    for (const a of tgt.accountIdsOf(id)) assert.equal(a % 2, 0);
  }
  assert.equal(src.allocateCustomerId() % 2, 1);
  assert.equal(tgt.allocateCustomerId() % 2, 0);
  assert.equal(src.allocateAccountId() % 2, 1);
  assert.equal(tgt.allocateAccountId() % 2, 0);
});

test('generated logins and account ids never collide between the roles', () => {
  const src = new SeedSpace(1, 'source', 300, ANCHOR);
  const tgt = new SeedSpace(1, 'target', 300, ANCHOR);
  const keys = new Set<string>();
  let count = 0;
  for (const space of [src, tgt]) {
    for (let k = 0; k < 300; k++) {
      keys.add(`c:${space.customerAt(k).login}`);
      count++;
      for (let s = 0; s < space.accountCountAt(k); s++) {
        keys.add(`a:${space.accountAt(k, s).id}`);
        count++;
      }
    }
  }
  assert.equal(keys.size, count);
});

test('customers have about two accounts each and every account id looks like a phone number', () => {
  const space = new SeedSpace(5, 'source', 2000, ANCHOR);
  let accounts = 0;
  for (let k = 0; k < 2000; k++) accounts += space.accountCountAt(k);
  assert.ok(accounts / 2000 > 1.7 && accounts / 2000 < 2.3, `average ${accounts / 2000}`);
  assert.match(space.accountAt(10, 0).id, /^\d{11}$/);
});

test('lookups by generated keys find the record, and stop finding it once the key changed', () => {
  const store = new SimStore(new SeedSpace(1, 'source', 100, ANCHOR), buildConfigEntities(1));
  const c = store.getCustomer(9);
  assert.ok(c);
  assert.equal(store.customerByLogin(c.login)?.i_customer, 9);
  assert.equal(store.customerByName(c.name)?.i_customer, 9);
  assert.equal(store.customerByRefnum(c.refnum)?.i_customer, 9);
  store.putCustomer({ ...c, login: 'renamed' });
  assert.equal(store.customerByLogin(c.login), undefined);
  assert.equal(store.customerByLogin('renamed')?.i_customer, 9);
  const a = store.getAccount(store.accountIdsOf(9)[0] ?? -1);
  assert.ok(a);
  assert.equal(store.accountByKey('id', a.id)?.i_account, a.i_account);
  assert.equal(store.customerByLogin('cust201'), undefined, 'beyond the seeded range');
  assert.equal(store.getCustomer(10), undefined, 'even ids are not on the source');
});

test('xDRs fall within the 60 days before the anchor', () => {
  const space = new SeedSpace(3, 'source', 10, ANCHOR);
  let seen = 0;
  for (let k = 0; k < 10; k++) {
    const a = space.accountAt(k, 0);
    for (const x of space.xdrsFor(a.i_account, a.id)) {
      const t = Date.parse(`${String(x.connect_time).replace(' ', 'T')}Z`);
      assert.ok(t <= ANCHOR && t >= ANCHOR - 61 * 86_400_000, String(x.connect_time));
      seen++;
    }
  }
  assert.ok(seen > 0);
});

test('a heavy-user account gets its configured number of xDRs, newest first and uniquely numbered; other accounts are unchanged', () => {
  const plain = new SeedSpace(1, 'source', 20, ANCHOR);
  const heavy = new SeedSpace(1, 'source', 20, ANCHOR, { iAccount: 13, count: 12_000 });
  const xdrs = heavy.xdrsFor(13, '16000000013');
  assert.equal(xdrs.length, 12_000);
  const times = xdrs.map((x) => String(x.connect_time));
  for (let i = 1; i < times.length; i++) assert.ok((times[i - 1] ?? '') >= (times[i] ?? ''), `newest first at ${i}`);
  assert.equal(new Set(xdrs.map((x) => x.i_xdr)).size, xdrs.length);
  const oldest = Date.parse(`${times.at(-1) ?? ''}Z`.replace(' ', 'T'));
  assert.ok(heavy.anchorMs - oldest <= XDR_DAYS * 86_400_000 + 3_600_000, 'within the history window');
  assert.deepEqual(heavy.xdrsFor(13, '16000000013'), xdrs, 'deterministic');
  assert.deepEqual(heavy.xdrsFor(15, '16000000015'), plain.xdrsFor(15, '16000000015'));
  assert.ok(plain.xdrsFor(13, '16000000013').length < 25);
});
