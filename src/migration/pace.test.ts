import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetSpent, msUntilWindow, RateGate } from './pace.ts';

const at = (h: number, m: number) => new Date(2026, 0, 10, h, m, 0, 0);

test('inside a window nothing waits; before it the wait is the time to its start', () => {
  assert.equal(msUntilWindow({ start: '01:00', end: '05:00' }, at(2, 30)), 0);
  assert.equal(msUntilWindow({ start: '01:00', end: '05:00' }, at(0, 30)), 30 * 60_000);
  assert.equal(msUntilWindow({ start: '01:00', end: '05:00' }, at(5, 0)), 20 * 3600_000, 'the end is exclusive: wait for tomorrow 01:00');
});

test('a window across midnight is open late and early, closed in between', () => {
  const w = { start: '22:00', end: '02:00' };
  assert.equal(msUntilWindow(w, at(23, 0)), 0);
  assert.equal(msUntilWindow(w, at(1, 59)), 0);
  assert.equal(msUntilWindow(w, at(12, 0)), 10 * 3600_000);
});

test('a rate gate spaces starts by 60 s / rate, and no rate never waits', () => {
  const g = new RateGate(120);
  assert.equal(g.waitMs(1000), 0);
  g.took(1000);
  assert.equal(g.waitMs(1000), 500);
  assert.equal(g.waitMs(1600), 0);
  const free = new RateGate(undefined);
  free.took(0);
  assert.equal(free.waitMs(0), 0);
});

test('the failure budget is spent only when failures in the last N exceed the threshold', () => {
  const budget = { last: 5, maxFailures: 2 };
  assert.equal(budgetSpent([true, true, false, false, false], budget), false);
  assert.equal(budgetSpent([true, true, true, false, false], budget), true);
  assert.equal(budgetSpent([false, false, false, false, false, true, true, true], budget), false, 'older failures are outside the last 5');
});
