import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruMap } from './lru-map.ts';

test('a small LRU forgets exactly its least recently used entry', () => {
  const lru = new LruMap<number, string>(3);
  lru.set(1, 'a');
  lru.set(2, 'b');
  lru.set(3, 'c');
  assert.equal(lru.get(1), 'a');
  lru.set(4, 'd');
  assert.equal(lru.size, 3);
  assert.equal(lru.get(2), undefined);
  assert.deepEqual([lru.get(1), lru.get(3), lru.get(4)], ['a', 'c', 'd']);
});

test('a large LRU forgets its oldest 1/64 at once, keeps the recently used, and stays cheap when every lookup misses', () => {
  const max = 100_000;
  const lru = new LruMap<number, number>(max);
  for (let i = 0; i < max; i++) lru.set(i, i);
  assert.equal(lru.get(0), 0, 'refreshed: now the youngest');
  lru.set(max, max);
  assert.equal(lru.size, max - Math.ceil(max / 64) + 1);
  assert.equal(lru.get(1), undefined);
  assert.equal(lru.get(0), 0);
  assert.equal(lru.get(max), max);
  const started = process.cpuUsage();
  for (let i = 0; i < 200_000; i++) {
    const k = max + 1 + i;
    if (lru.get(k) === undefined) lru.set(k, k);
  }
  const { user, system } = process.cpuUsage(started);
  assert.ok(lru.size <= max);
  // One eviction per miss walked the deleted slots: ~70 µs a miss, 14 s here.
  assert.ok(user + system < 3_000_000, `200,000 misses took ${((user + system) / 1e6).toFixed(1)} s of CPU`);
});
