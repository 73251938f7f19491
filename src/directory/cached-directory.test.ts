import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedDirectory } from './cached-directory.ts';
import { MemoryDirectory } from './memory-directory.ts';
import { SqliteDirectory } from './sqlite-directory.ts';
import { locationDirectorySuite } from './location-directory.suite.ts';
import { createLocationResolver } from './resolver.ts';
import type { CustomerLocation } from './location-directory.ts';

locationDirectorySuite('memory + cache', async () => {
  const directory = new CachedDirectory(new MemoryDirectory());
  return { directory, peer: async () => directory, cleanup: () => directory.close() };
});

locationDirectorySuite('sqlite + cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-cached-'));
  const path = join(dir, 'directory.sqlite');
  const opened: CachedDirectory[] = [];
  const open = async () => { const d = new CachedDirectory(await SqliteDirectory.open({ path, shared: true })); opened.push(d); return d; };
  const directory = await open();
  return { directory, peer: open, reopen: open, cleanup: async () => { for (const d of opened) await d.close(); rmSync(dir, { recursive: true, force: true }); } };
});

locationDirectorySuite('memory + cache + routing index', async () => {
  const directory = new CachedDirectory(new MemoryDirectory(), { index: true });
  return { directory, peer: async () => directory, cleanup: () => directory.close() };
});

/** A memory directory that counts store reads and lets a test control its cache token. */
class Probe extends MemoryDirectory {
  reads = 0;
  token: number | undefined = 0;
  gate: Promise<void> | undefined;
  override async getCustomer(i: number): Promise<CustomerLocation | undefined> {
    this.reads++;
    const v = await super.getCustomer(i);
    if (this.gate) await this.gate;
    return v;
  }
  override cacheToken(): number | undefined { return this.token; }
}

describe('cached directory', () => {
  it('answers repeated lookups, including absent ones, from memory', async () => {
    const inner = new Probe({ records: [{ iCustomer: 1, system: 'target' }] });
    const d = new CachedDirectory(inner);
    for (let i = 0; i < 3; i++) { await d.getCustomer(1); await d.getCustomer(2); }
    assert.equal(inner.reads, 2);
  });

  it('a write through the directory invalidates the cached entry before it returns', async () => {
    const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
    const d = new CachedDirectory(inner);
    assert.equal((await d.getCustomer(1))?.state, 'active');
    await d.beginMove(1, 'source');
    assert.equal((await d.getCustomer(1))?.state, 'moving');
    await d.commitMove(1, 'target');
    assert.equal((await d.getCustomer(1))?.system, 'target');
    assert.equal(await d.getAccountOwner(5), undefined);
    await d.putAccount(5, 1);
    assert.equal(await d.getAccountOwner(5), 1);
  });

  it('owners of owned records are cached, forgotten when their owner changes, and known owners are not written again', async () => {
    let reads = 0;
    let writes = 0;
    class OwnedProbe extends MemoryDirectory {
      override async getOwner(...a: Parameters<MemoryDirectory['getOwner']>) { reads++; return super.getOwner(...a); }
      override async putOwnedMany(...a: Parameters<MemoryDirectory['putOwnedMany']>) { writes++; return super.putOwnedMany(...a); }
    }
    const inner = new OwnedProbe();
    const d = new CachedDirectory(inner);
    await d.putOwned('invoice', 5, { iCustomer: 3 });
    for (let i = 0; i < 3; i++) assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 3 });
    assert.equal(await d.getOwner('invoice', 6), undefined);
    assert.equal(await d.getOwner('invoice', 6), undefined);
    assert.equal(reads, 2, 'one store read per record, absence included');
    await d.putOwnedMany([{ kind: 'invoice', id: 5, owner: { iCustomer: 3 } }]);
    assert.equal(writes, 1, 'an owner the cache holds unchanged is not written again');
    await inner.putOwned('invoice', 5, { iCustomer: 4, iAccount: 9 });
    assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 4, iAccount: 9 }, 'a change made below the cache is heard');
    await d.putOwnedMany([{ kind: 'invoice', id: 5, owner: { iCustomer: 3 } }, { kind: 'invoice', id: 6, owner: { iCustomer: 3 } }]);
    assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 3 });
    assert.deepEqual(await d.getOwner('invoice', 6), { iCustomer: 3 });
  });

  it('a lookup that raced with a change returns its answer but does not cache it', async () => {
    const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
    const d = new CachedDirectory(inner);
    let open!: () => void;
    inner.gate = new Promise((r) => { open = r; });
    const slow = d.getCustomer(1);
    inner.gate = undefined;
    await inner.beginMove(1, 'source');
    open();
    assert.equal((await slow)?.state, 'active', 'the racing read saw the old row');
    assert.equal((await d.getCustomer(1))?.state, 'moving', 'and did not cache it');
  });

  it('a new cache token drops everything; an undefined token bypasses the cache', async () => {
    const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
    const d = new CachedDirectory(inner);
    await d.getCustomer(1); await d.getCustomer(1);
    assert.equal(inner.reads, 1);
    inner.token = 1;
    await d.getCustomer(1);
    assert.equal(inner.reads, 2);
    inner.token = undefined;
    await d.getCustomer(1); await d.getCustomer(1);
    assert.equal(inner.reads, 4);
    assert.equal(d.size, 0);
  });

  it('holds at most maxEntries per kind, forgetting the least recently used', async () => {
    const inner = new Probe();
    const d = new CachedDirectory(inner, { maxEntries: 3 });
    for (const i of [1, 2, 3]) await d.getCustomer(i);
    await d.getCustomer(1);
    await d.getCustomer(4);
    assert.equal(d.size, 3);
    const before = inner.reads;
    await d.getCustomer(1);
    assert.equal(inner.reads, before, '1 was used recently and stayed');
    await d.getCustomer(2);
    assert.equal(inner.reads, before + 1, '2 was the oldest and was dropped');
  });

  it('tells its own listeners about changes after invalidating', async () => {
    const d = new CachedDirectory(new MemoryDirectory({ records: [{ iCustomer: 1, system: 'source' }] }));
    await d.getCustomer(1);
    const states: Array<string | undefined> = [];
    d.onChange(() => { void d.getCustomer(1).then((l) => states.push(l?.state)); });
    await d.beginMove(1, 'source');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(states, ['moving']);
  });

  describe('with the routing index', () => {
    it('routes every active customer from memory once loaded; absent and moving ones as the store says', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }, { iCustomer: 2, system: 'target' }, { iCustomer: 3, system: 'source' }] });
      await inner.beginMove(3, 'source');
      const d = new CachedDirectory(inner, { index: true });
      assert.equal(await d.indexLoaded(), true);
      assert.deepEqual([d.knownRoute(1), d.knownRoute(2), d.knownRoute(3), d.knownRoute(4)], ['source', 'target', undefined, null]);
      assert.equal(inner.reads, 0, 'no per-customer reads');
      const resolver = createLocationResolver({ directory: d });
      assert.deepEqual(await resolver.resolve({ kind: 'customer', iCustomer: 1 }), { system: 'source', state: 'active', iCustomer: 1, resolvedBy: 'directory' });
      assert.equal((await resolver.resolve({ kind: 'customer', iCustomer: 6 }))?.resolvedBy, 'parity');
      assert.equal((await resolver.resolve({ kind: 'customer', iCustomer: 3 }))?.state, 'moving');
      assert.equal(inner.reads, 1, 'only the moving customer was read');
      assert.deepEqual(d.indexStats() && { ...d.indexStats(), loadSeconds: 0 }, { ready: true, customers: 2, bytes: 1024, loadSeconds: 0 });
    });

    it('follows writes before they return: begin → ask, commit → the new system, a new customer → its system', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true });
      await d.indexLoaded();
      await d.beginMove(1, 'source');
      assert.equal(d.knownRoute(1), undefined);
      assert.equal((await d.getCustomer(1))?.state, 'moving');
      await d.commitMove(1, 'target');
      assert.equal(d.knownRoute(1), 'target');
      await d.putCustomer({ iCustomer: 11, system: 'target' });
      assert.equal(d.knownRoute(11), 'target');
      await d.abortMove(1).catch(() => undefined);
      assert.equal(d.knownRoute(1), 'target', 'a refused abort changed nothing');
    });

    it('an import (a change of everything) reloads it', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true });
      await d.indexLoaded();
      await d.importRecords((async function* () { yield { line: 1, record: { iCustomer: 1, system: 'target' as const } }; })());
      assert.equal(await d.indexLoaded(), true);
      assert.equal(d.knownRoute(1), 'target');
    });

    it('a new cache token reloads it; an undefined token silences it until the same token returns', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true });
      await d.indexLoaded();
      inner.token = undefined;
      assert.equal(d.knownRoute(1), undefined);
      inner.token = 0;
      assert.equal(d.knownRoute(1), 'source', 'same token: nothing was missed, no reload');
      await inner.commitMove(1, 'target').catch(() => undefined);
      await inner.putCustomer({ iCustomer: 1, system: 'target' });
      inner.token = 5;
      assert.equal(d.knownRoute(1), undefined, 'new token: reloading');
      await d.indexLoaded();
      assert.equal(d.knownRoute(1), 'target');
    });

    it('a failed load is reported and leaves routing to the store', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
      inner.scanRoutes = async () => { throw new Error('scan refused'); };
      const errors: string[] = [];
      const d = new CachedDirectory(inner, { index: true, onIndexError: (e) => errors.push((e as Error).message) });
      assert.equal(await d.indexLoaded(), false);
      assert.deepEqual(errors, ['scan refused']);
      assert.equal(d.knownRoute(1), undefined);
      assert.equal((await d.getCustomer(1))?.system, 'source');
    });

    it('a failed load is tried again until it succeeds', async () => {
      class OnceFailing extends MemoryDirectory {
        scans = 0;
        override async scanRoutes(after: number, limit: number) {
          if (++this.scans === 1) throw new Error('SQLITE_BUSY');
          return super.scanRoutes(after, limit);
        }
      }
      const inner = new OnceFailing({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true, indexRetryMs: 5 });
      assert.equal(await d.indexLoaded(), false);
      for (let i = 0; i < 100 && d.knownRoute(1) === undefined; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(d.knownRoute(1), 'source');
      await d.close();
    });

    it('a superseded load that fails later neither silences the newer load nor counts as an error', async () => {
      class SlowFirst extends MemoryDirectory {
        scans = 0;
        override async scanRoutes(after: number, limit: number) {
          if (++this.scans === 1) { await new Promise((r) => setTimeout(r, 20)); throw new Error('stale failure'); }
          return super.scanRoutes(after, limit);
        }
      }
      const inner = new SlowFirst({ records: [{ iCustomer: 1, system: 'source' }] });
      const errors: unknown[] = [];
      const d = new CachedDirectory(inner, { index: true, onIndexError: (e) => errors.push(e) });
      await d.importRecords((async function* () { yield { line: 1, record: { iCustomer: 3, system: 'target' as const } }; })());
      assert.equal(await d.indexLoaded(), true);
      await new Promise((r) => setTimeout(r, 40));
      assert.deepEqual([d.knownRoute(1), d.knownRoute(3), d.indexStats()?.ready, errors.length], ['source', 'target', true, 0]);
    });

    it('is reported not ready while silenced; a change of everything with a new token loads it once', async () => {
      class Counting extends Probe {
        fullLoads = 0;
        override async scanRoutes(after: number, limit: number) { if (after === 0) this.fullLoads++; return super.scanRoutes(after, limit); }
      }
      const inner = new Counting({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true });
      await d.indexLoaded();
      inner.token = undefined;
      assert.equal(d.indexStats()?.ready, false);
      inner.token = 0;
      assert.equal(d.indexStats()?.ready, true);
      // As PostgresChangeFeed does after a missed epoch: a new generation, then "all".
      inner.token = 1;
      await d.importRecords((async function* () { yield { line: 1, record: { iCustomer: 1, system: 'source' as const } }; })());
      d.knownRoute(1);
      await d.indexLoaded();
      assert.equal(inner.fullLoads, 2, 'the first load and one reload');
    });

    it('cacheSize 0 keeps no LRU entries while the index still answers', async () => {
      const inner = new Probe({ records: [{ iCustomer: 1, system: 'source' }] });
      const d = new CachedDirectory(inner, { index: true, maxEntries: 0 });
      await d.indexLoaded();
      await d.getCustomer(1); await d.getCustomer(1);
      assert.equal(inner.reads, 2);
      assert.equal(d.size, 0);
      assert.equal(d.knownRoute(1), 'source');
    });
  });
});