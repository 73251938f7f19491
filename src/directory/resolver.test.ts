import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDirectory } from './memory-directory.ts';
import { createLocationResolver } from './resolver.ts';
import type { Discoverer, Locator } from '../core/location.ts';
import { DispatcherFaultCode, isApiFault } from '../core/faults.ts';

function counting(answer: Awaited<ReturnType<Discoverer>>): Discoverer & { calls: Locator[] } {
  const calls: Locator[] = [];
  const fn = (async (l: Locator) => { calls.push(l); return answer; }) as Discoverer & { calls: Locator[] };
  fn.calls = calls;
  return fn;
}

describe('location resolver', () => {
  it('a directory entry wins over parity, with its state', async () => {
    const directory = new MemoryDirectory({ records: [{ iCustomer: 4, system: 'source' }, { iCustomer: 5, system: 'target' }] });
    await directory.beginMove(5, 'target');
    const r = createLocationResolver({ directory });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 4 }), { system: 'source', state: 'active', iCustomer: 4, resolvedBy: 'directory' });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 5 }), { system: 'target', state: 'moving', iCustomer: 5, resolvedBy: 'directory' });
  });

  it('an even id without an entry is on the target by parity; an odd one is assumed on the source', async () => {
    const r = createLocationResolver({ directory: new MemoryDirectory() });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 10 }), { system: 'target', state: 'active', iCustomer: 10, resolvedBy: 'parity' });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 11 }), { system: 'source', state: 'active', iCustomer: 11, resolvedBy: 'assume-source' });
    assert.equal((await r.resolve({ kind: 'account', iAccount: 20 }))?.resolvedBy, 'parity');
    assert.equal((await r.resolve({ kind: 'account', iAccount: 21 }))?.system, 'source');
  });

  it('with parity off, an even id without an entry follows the unknown-id rule', async () => {
    const r = createLocationResolver({ directory: new MemoryDirectory(), parity: false });
    assert.equal((await r.resolve({ kind: 'customer', iCustomer: 10 }))?.resolvedBy, 'assume-source');
  });

  it('an account resolves to its owner customer, whose location wins over the account id parity', async () => {
    const directory = new MemoryDirectory({ records: [{ iCustomer: 7, system: 'target', accounts: [31] }, { iCustomer: 9, system: 'source', accounts: [40] }] });
    const r = createLocationResolver({ directory });
    assert.deepEqual(await r.resolve({ kind: 'account', iAccount: 31 }), { system: 'target', state: 'active', iCustomer: 7, resolvedBy: 'directory' });
    assert.deepEqual(await r.resolve({ kind: 'account', iAccount: 40 }), { system: 'source', state: 'active', iCustomer: 9, resolvedBy: 'directory' });
  });

  it('an account whose owner has no entry resolves by the owner id parity', async () => {
    const directory = new MemoryDirectory();
    await directory.putAccount(33, 12);
    const r = createLocationResolver({ directory });
    assert.deepEqual(await r.resolve({ kind: 'account', iAccount: 33 }), { system: 'target', state: 'active', iCustomer: 12, resolvedBy: 'parity' });
  });

  it('a key has no parity: entry, else (with no way to ask the systems) no location', async () => {
    const directory = new MemoryDirectory({ records: [{ iCustomer: 3, system: 'target', login: 'john' }] });
    const r = createLocationResolver({ directory });
    assert.deepEqual(await r.resolve({ kind: 'key', key: 'customer-login', value: 'john' }), { system: 'target', state: 'active', iCustomer: 3, resolvedBy: 'directory' });
    assert.equal(await r.resolve({ kind: 'key', key: 'customer-login', value: 'jane' }), undefined);
  });

  it('in assume-source mode an unknown key is asked of both systems and remembered (a key has no parity to guess by)', async () => {
    const directory = new MemoryDirectory();
    const r = createLocationResolver({ directory });
    const discover = counting({ system: 'target', iCustomer: 21 });
    assert.deepEqual(await r.resolve({ kind: 'key', key: 'customer-login', value: 'made.on.target' }, discover), { system: 'target', state: 'active', iCustomer: 21, resolvedBy: 'discovered' });
    assert.deepEqual(await r.resolve({ kind: 'key', key: 'customer-login', value: 'made.on.target' }, discover), { system: 'target', state: 'active', iCustomer: 21, resolvedBy: 'directory' });
    assert.equal(discover.calls.length, 1);
    assert.equal(await r.resolve({ kind: 'key', key: 'customer-login', value: 'nobody' }, counting(undefined)), undefined, 'a key neither system holds names no location');
  });

  it('an owned record follows the owner the directory knows, and the owner\'s moves', async () => {
    const directory = new MemoryDirectory({ records: [{ iCustomer: 23, system: 'source', accounts: [230] }] });
    const owners = new Map<string, { iCustomer: number; iAccount?: number }>([['invoice:5', { iCustomer: 23 }], ['did:7', { iCustomer: 23, iAccount: 230 }]]);
    const withOwners = Object.assign(directory, {
      getOwner: async (kind: string, id: number) => owners.get(`${kind}:${id}`),
      putOwned: async (kind: string, id: number, owner: { iCustomer: number; iAccount?: number }) => { owners.set(`${kind}:${id}`, owner); },
    });
    const r = createLocationResolver({ directory: withOwners });
    const never = counting(undefined);
    assert.deepEqual(await r.resolve({ kind: 'owned', owned: 'invoice', id: 5 }, never), { system: 'source', state: 'active', iCustomer: 23, resolvedBy: 'directory' });
    await directory.beginMove(23, 'source');
    await directory.commitMove(23, 'target');
    assert.equal((await r.resolve({ kind: 'owned', owned: 'did', id: 7 }, never))?.system, 'target');
    assert.equal(never.calls.length, 0);
    // Unknown: asked of both systems (whatever unknownOdd says), the owner remembered.
    const discover = counting({ system: 'target', iCustomer: 23 });
    assert.equal((await r.resolve({ kind: 'owned', owned: 'invoice', id: 9 }, discover))?.system, 'target');
    assert.deepEqual(owners.get('invoice:9'), { iCustomer: 23 });
    assert.equal(await r.resolve({ kind: 'owned', owned: 'invoice', id: 10 }, counting(undefined)), undefined, 'an owned id neither system holds names no location (no parity)');
    assert.equal(await r.resolve({ kind: 'owned', owned: 'invoice', id: 10 }), undefined, 'and without a way to ask, none either');
  });

  it('discover mode asks once for an odd customer and stores the answer', async () => {
    const directory = new MemoryDirectory();
    const r = createLocationResolver({ directory, unknownOdd: 'discover' });
    const discover = counting({ system: 'target' });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 13 }, discover), { system: 'target', state: 'active', iCustomer: 13, resolvedBy: 'discovered' });
    assert.deepEqual(await r.resolve({ kind: 'customer', iCustomer: 13 }, discover), { system: 'target', state: 'active', iCustomer: 13, resolvedBy: 'directory' });
    assert.equal(discover.calls.length, 1);
    assert.equal((await r.resolve({ kind: 'customer', iCustomer: 14 }, discover))?.resolvedBy, 'parity', 'even ids are not discovered');
    assert.equal(discover.calls.length, 1);
  });

  it('discover mode stores a discovered account login with its account and customer', async () => {
    const directory = new MemoryDirectory();
    const r = createLocationResolver({ directory, unknownOdd: 'discover' });
    const discover = counting({ system: 'target', iCustomer: 15, iAccount: 151 });
    await r.resolve({ kind: 'key', key: 'account-login', value: 'phone-151' }, discover);
    const again = await r.resolve({ kind: 'key', key: 'account-login', value: 'phone-151' }, discover);
    assert.deepEqual(again, { system: 'target', state: 'active', iCustomer: 15, resolvedBy: 'directory' });
    assert.equal(discover.calls.length, 1);
    assert.equal(await directory.getAccountOwner(151), 15);
    assert.deepEqual(await directory.findKey('account-login', 'phone-151'), { iCustomer: 15, iAccount: 151 });
  });

  it('discover mode returns nothing when neither system has the record, and stores nothing', async () => {
    const directory = new MemoryDirectory();
    const r = createLocationResolver({ directory, unknownOdd: 'discover' });
    assert.equal(await r.resolve({ kind: 'customer', iCustomer: 17 }, counting(undefined)), undefined);
    assert.equal(await directory.getCustomer(17), undefined);
  });

  it('discover mode without a discoverer for the call falls back to assume-source', async () => {
    const r = createLocationResolver({ directory: new MemoryDirectory(), unknownOdd: 'discover' });
    assert.equal((await r.resolve({ kind: 'customer', iCustomer: 19 }))?.resolvedBy, 'assume-source');
  });

  it('a failing directory is a directory_unavailable fault, never a parity guess', async () => {
    const directory = new MemoryDirectory();
    const r = createLocationResolver({ directory });
    await directory.close();
    for (const locator of [{ kind: 'customer', iCustomer: 2 }, { kind: 'account', iAccount: 4 }, { kind: 'key', key: 'customer-login', value: 'x' }] as Locator[]) {
      await assert.rejects(r.resolve(locator), (err: unknown) => isApiFault(err) && err.faultcode === DispatcherFaultCode.directoryUnavailable);
    }
  });

  it('a directory that throws a plain error is reported as directory_unavailable naming the locator', async () => {
    const directory = new MemoryDirectory();
    directory.getCustomer = async () => { throw new Error('disk I/O error'); };
    const r = createLocationResolver({ directory });
    await assert.rejects(r.resolve({ kind: 'customer', iCustomer: 8 }), (err: unknown) => {
      assert.ok(isApiFault(err));
      assert.equal(err.faultcode, DispatcherFaultCode.directoryUnavailable);
      assert.match(err.faultstring, /customer 8.*disk I\/O error/);
      return true;
    });
  });
});
