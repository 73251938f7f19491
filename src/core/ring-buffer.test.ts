import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from './ring-buffer.ts';

test('a ring keeps the last items in order and drops the oldest', () => {
  const r = new RingBuffer<number>(3);
  assert.deepEqual(r.toArray(), []);
  r.push(1); r.push(2);
  assert.deepEqual(r.toArray(), [1, 2]);
  r.push(3); r.push(4); r.push(5);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(r.size, 3);
});

test('a ring of no capacity is refused', () => {
  assert.throws(() => new RingBuffer(0), RangeError);
});
