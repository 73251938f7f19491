import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spread } from './stats.ts';
import { percentiles } from './open-loop.ts';

test('the spread of runs is their median with min and max', () => {
  assert.deepEqual(spread([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.equal(spread([]).n, 0);
});

test('percentiles use the nearest rank of the sorted samples', () => {
  const samples = new Float64Array(1000);
  for (let i = 0; i < 1000; i++) samples[i] = 1000 - i; // 1..1000, unsorted
  const p = percentiles(samples);
  assert.equal(p.p50, 500);
  assert.equal(p.p99, 990);
  assert.equal(p.p999, 999);
  assert.equal(p.max, 1000);
  assert.equal(p.mean, 500.5);
});
