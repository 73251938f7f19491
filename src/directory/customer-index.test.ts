import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomerIndex, INDEX_PAGE_ROWS, MAX_INDEXED_ID } from './customer-index.ts';
import type { CustomerLocation, CustomerRouteRow } from './location-directory.ts';

const at = (iCustomer: number, system: 'source' | 'target', state: 'active' | 'moving' = 'active'): CustomerLocation =>
  ({ iCustomer, system, state, version: 1, updatedAt: new Date(0).toISOString() });

/** A scan over a sorted row list, as a store pages it. */
function scanOf(rows: CustomerRouteRow[], onPage?: (after: number) => Promise<void> | void) {
  const pages: number[] = [];
  const scan = async (after: number, limit: number): Promise<CustomerRouteRow[]> => {
    pages.push(after);
    const page = rows.filter((r) => r[0] > after).slice(0, limit);
    await onPage?.(after);
    return page;
  };
  return { scan, pages };
}

describe('customer index', () => {
  it('answers nothing before a load, then every customer: system, absent or ask', async () => {
    const index = new CustomerIndex();
    assert.equal(index.route(1), undefined);
    assert.equal(await index.load(scanOf([[1, 'source', 'active'], [2, 'target', 'active'], [3, 'source', 'moving']]).scan), true);
    assert.equal(index.route(1), 'source');
    assert.equal(index.route(2), 'target');
    assert.equal(index.route(3), undefined, 'moving: ask the directory');
    assert.equal(index.route(4), null, 'no entry');
    assert.equal(index.route(10_000_000), null, 'beyond the table: no entry');
    assert.equal(index.route(MAX_INDEXED_ID), undefined, 'beyond the cap: ask');
    assert.deepEqual({ ...index.stats(), loadSeconds: 0 }, { ready: true, customers: 2, bytes: 1024, loadSeconds: 0 });
  });

  it('reads the store page by page in id order until a short page', async () => {
    const rows: CustomerRouteRow[] = [];
    for (let i = 1; i <= INDEX_PAGE_ROWS * 2 + 5; i++) rows.push([i * 3, i % 2 === 0 ? 'target' : 'source', 'active']);
    const { scan, pages } = scanOf(rows);
    const index = new CustomerIndex();
    await index.load(scan);
    assert.deepEqual(pages, [0, INDEX_PAGE_ROWS * 3, INDEX_PAGE_ROWS * 2 * 3]);
    assert.equal(index.stats().customers, rows.length);
    for (const [id, system] of rows) assert.equal(index.route(id), system);
    assert.equal(index.route(4), null);
  });

  it('changes follow: a new location, moving, or a change without location (ask)', async () => {
    const index = new CustomerIndex();
    await index.load(scanOf([[1, 'source', 'active'], [3, 'source', 'active']]).scan);
    index.noteChange(1, at(1, 'source', 'moving'));
    assert.equal(index.route(1), undefined);
    index.noteChange(1, at(1, 'target'));
    assert.equal(index.route(1), 'target');
    index.noteChange(3, undefined);
    assert.equal(index.route(3), undefined);
    index.learn(3, at(3, 'target'));
    assert.equal(index.route(3), 'target');
    index.noteChange(5_000_001, at(5_000_001, 'source'));
    assert.equal(index.route(5_000_001), 'source', 'the table grows for a new id');
    assert.equal(index.stats().customers, 3);
  });

  it('a change heard while a page is being read wins over that page', async () => {
    const index = new CustomerIndex();
    const rows: CustomerRouteRow[] = [[7, 'source', 'active'], [9, 'source', 'active']];
    // The page was read before the change committed but arrives after it was heard.
    await index.load(scanOf(rows, () => { index.noteChange(7, at(7, 'target')); index.noteChange(9, undefined); }).scan);
    assert.equal(index.route(7), 'target');
    assert.equal(index.route(9), undefined);
  });

  it('a reset during a load stops it; the newer load decides', async () => {
    const index = new CustomerIndex();
    const first = index.load(scanOf([[1, 'source', 'active']], () => { index.reset(); }).scan);
    assert.equal(await first, false);
    assert.equal(index.route(1), undefined);
    await index.load(scanOf([[1, 'target', 'active']]).scan);
    assert.equal(index.route(1), 'target');
  });

  it('a failed page rejects and leaves the index answering nothing', async () => {
    const index = new CustomerIndex();
    await index.load(scanOf([[1, 'source', 'active']]).scan);
    await assert.rejects(index.load(async () => { throw new Error('disk gone'); }), /disk gone/);
    assert.equal(index.route(1), undefined);
    assert.equal(index.stats().ready, false);
  });

  it('only positive integer ids have a slot: others always ask, and a change naming one changes nothing', async () => {
    const index = new CustomerIndex();
    await index.load(scanOf([[1, 'target', 'active']]).scan);
    assert.deepEqual([index.route(1.5), index.route(-3), index.route(0), index.route(Number.NaN)], [undefined, undefined, undefined, undefined]);
    index.noteChange(-4, at(-4, 'source'));
    index.noteChange(2.5, at(2.5, 'source'));
    assert.deepEqual({ ...index.stats(), loadSeconds: 0 }, { ready: true, customers: 1, bytes: 1024, loadSeconds: 0 });
  });

  it('a load overtaken by a newer one returns false even when its own read fails, and leaves the newer load alone', async () => {
    const index = new CustomerIndex();
    let fail!: (err: Error) => void;
    const stale = index.load(() => new Promise((_, reject) => { fail = reject; }));
    await index.load(scanOf([[1, 'source', 'active']]).scan);
    fail(new Error('late failure'));
    assert.equal(await stale, false);
    assert.equal(index.route(1), 'source');
  });
});
