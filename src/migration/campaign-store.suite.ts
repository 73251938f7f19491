import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignStore } from './campaign-store.ts';
import type { CampaignSpec } from './campaign.ts';
import { DispatcherFaultCode, isApiFault } from '../core/faults.ts';

/** One fresh, empty store per test, plus a second client over the same store (another node). */
export interface CampaignStoreFixture {
  store: CampaignStore;
  /** Another client of the same store; memory: the same instance. */
  peer(): Promise<CampaignStore>;
  cleanup(): Promise<void>;
}

const spec = (name: string): CampaignSpec => ({ name, from: 'source', to: 'target', batchSize: 10, concurrency: 2, copy: { type: 'sim' } });

/** The behaviour every `CampaignStore` must have; run from each implementation's test file. */
export function campaignStoreSuite(name: string, make: () => Promise<CampaignStoreFixture>, options: { ready?: (t: TestContext) => Promise<boolean> } = {}): void {
  const withFixture = (fn: (f: CampaignStoreFixture) => Promise<void>) => async (t: TestContext) => {
    if (options.ready && !(await options.ready(t))) return;
    const f = await make();
    try {
      await fn(f);
    } finally {
      await f.cleanup();
    }
  };

  describe(`${name}: campaign store contract`, () => {
    it('a created campaign reads back as created with every customer pending once, in id order', withFixture(async ({ store, peer }) => {
      const made = await store.create({ ...spec('wave-1'), ratePerMinute: 30, window: { start: '01:00', end: '05:00' } }, [5, 3, 9, 3], 1000);
      assert.equal(made.state, 'created');
      assert.equal(made.phase, 'forward');
      const other = await peer();
      const got = await other.get('wave-1');
      assert.deepEqual(got?.spec.window, { start: '01:00', end: '05:00' });
      assert.equal(got?.spec.ratePerMinute, 30);
      const pending = await other.entries('wave-1', ['pending'], 100);
      assert.deepEqual(pending.map((e) => e.iCustomer), [3, 5, 9]);
      assert.deepEqual((await other.progress('wave-1', 0)).counts.pending, 3);
      assert.equal(await store.get('nope'), undefined);
    }));

    it('a second campaign with a taken name is a 409 conflict and changes nothing', withFixture(async ({ store }) => {
      await store.create(spec('dup'), [1], 1000);
      await assert.rejects(store.create(spec('dup'), [2, 3], 2000), (err: unknown) => isApiFault(err) && err.faultcode === DispatcherFaultCode.conflict && err.httpStatus === 409);
      assert.deepEqual((await store.entries('dup', ['pending'], 10)).map((e) => e.iCustomer), [1]);
      assert.equal((await store.list()).length, 1);
    }));

    it('entry updates keep the failure reason and snapshot, and finished customers count towards the rate', withFixture(async ({ store, peer }) => {
      await store.create(spec('c'), [1, 2, 3], 1000);
      await store.updateEntry('c', 1, { state: 'holding', snapshot: '{"balance":1}' }, 2000);
      await store.updateEntry('c', 2, { state: 'failed', failedStep: 'precheck', reason: 'product 4 missing on target' }, 3000);
      await store.updateEntry('c', 1, { state: 'committed' }, 4000);
      const other = await peer();
      const one = await other.entry('c', 1);
      assert.equal(one?.state, 'committed');
      assert.equal(one?.snapshot, '{"balance":1}');
      assert.equal(one?.finishedAt, 4000);
      const two = await other.entry('c', 2);
      assert.deepEqual([two?.failedStep, two?.reason], ['precheck', 'product 4 missing on target']);
      assert.deepEqual((await other.recentFinished('c', 10)).map((e) => e.iCustomer), [1, 2]);
      const p = await other.progress('c', 3500);
      assert.deepEqual([p.counts.committed, p.counts.failed, p.counts.pending, p.finishedSince], [1, 1, 1, 1]);
      await assert.rejects(store.updateEntry('c', 99, { state: 'failed' }, 5000), (err: unknown) => isApiFault(err) && err.httpStatus === 404);
    }));

    it('a guarded state change happens only from the listed states', withFixture(async ({ store }) => {
      await store.create(spec('g'), [1], 1000);
      assert.equal(await store.setState('g', 'running', 'forward', null, 2000, ['created', 'paused']), true);
      assert.equal(await store.setState('g', 'running', 'forward', null, 2100, ['created', 'paused']), false);
      assert.equal(await store.setState('g', 'paused', 'forward', 'failure budget spent', 3000), true);
      const got = await store.get('g');
      assert.deepEqual([got?.state, got?.reason, got?.updatedAt], ['paused', 'failure budget spent', 3000]);
      await assert.rejects(store.setState('missing', 'running', 'forward', null, 1), (err: unknown) => isApiFault(err) && err.httpStatus === 404);
    }));

    it('one node holds the lease until it expires or is released; then another takes it', withFixture(async ({ store, peer }) => {
      await store.create(spec('l'), [1], 1000);
      const b = await peer();
      assert.equal(await store.acquireLease('l', 'node-a', 10_000, 5000), true);
      assert.equal(await b.acquireLease('l', 'node-b', 12_000, 5000), false, 'held by node-a');
      assert.equal(await store.acquireLease('l', 'node-a', 14_000, 5000), true, 'renewed by its owner');
      assert.equal(await b.acquireLease('l', 'node-b', 18_000, 5000), false, 'renewal moved the expiry');
      assert.equal(await b.acquireLease('l', 'node-b', 19_001, 5000), true, 'expired: taken over');
      assert.equal((await store.get('l'))?.leaseOwner, 'node-b');
      await b.releaseLease('l', 'node-b');
      assert.equal(await store.acquireLease('l', 'node-a', 19_002, 5000), true, 'released: free');
    }));
  });
}
