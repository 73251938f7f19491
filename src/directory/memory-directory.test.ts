import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDirectory } from './memory-directory.ts';
import { locationDirectorySuite } from './location-directory.suite.ts';

locationDirectorySuite('memory', async () => {
  const directory = new MemoryDirectory();
  return { directory, peer: async () => directory, cleanup: () => directory.close() };
});

describe('memory directory seeding', () => {
  it('starts with the injected moved customers and their accounts', async () => {
    const d = new MemoryDirectory({ records: [{ iCustomer: 3, system: 'target', accounts: [5], login: 'john' }] });
    assert.equal((await d.getCustomer(3))?.system, 'target');
    assert.equal(await d.getAccountOwner(5), 3);
    assert.deepEqual(await d.findKey('customer-login', 'john'), { iCustomer: 3 });
  });

  it('refuses an invalid injected record, naming it', () => {
    assert.throws(() => new MemoryDirectory({ records: [{ iCustomer: 0, system: 'target' }] }), /customer 0/);
  });
});
