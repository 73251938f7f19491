import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CutoverHolds } from './cutover-holds.ts';
import { ApiFault } from '../core/faults.ts';

/** Settles `p` into a label, or 'pending' when it has not settled after the queued work ran. */
async function state(p: Promise<unknown>): Promise<string> {
  const pending = Symbol('pending');
  const r = await Promise.race([p.then(() => 'resolved', (err: unknown) => `rejected: ${(err as ApiFault).faultcode}`), new Promise((resolve) => setImmediate(() => resolve(pending)))]);
  return r === pending ? 'pending' : (r as string);
}

test('calls in flight are counted per customer, each leaving once however often it says so', () => {
  const holds = new CutoverHolds();
  const a = holds.enter(7)!;
  const b = holds.enter(7)!;
  holds.enter(8);
  assert.equal(holds.inFlight(7), 2);
  a();
  a();
  assert.equal(holds.inFlight(7), 1, 'a second leave of the same call does not count');
  b();
  assert.equal(holds.inFlight(7), 0);
  assert.equal(holds.inFlight(8), 1);
  assert.equal(holds.inFlight(9), 0);
});

test('a customer being moved admits no new call until the move ends', () => {
  const holds = new CutoverHolds();
  holds.markMoving(7);
  assert.equal(holds.enter(7), undefined);
  assert.equal(holds.inFlight(7), 0, 'a refused call is not counted');
  assert.notEqual(holds.enter(8), undefined, 'other customers are admitted');
  assert.deepEqual(holds.movingCustomers(), [7]);
  holds.release(7);
  assert.notEqual(holds.enter(7), undefined);
  assert.deepEqual(holds.movingCustomers(), []);
});

test('drain resolves at once without calls in flight, and otherwise when the last one leaves', async () => {
  const holds = new CutoverHolds();
  assert.equal(await state(holds.drain(7, 60_000)), 'resolved');
  const a = holds.enter(7)!;
  const b = holds.enter(7)!;
  holds.markMoving(7);
  const first = holds.drain(7, 60_000);
  const second = holds.drain(7, 60_000);
  assert.equal(await state(first), 'pending');
  a();
  assert.equal(await state(first), 'pending', 'one call is still in flight');
  b();
  assert.equal(await state(first), 'resolved');
  assert.equal(await state(second), 'resolved', 'every drainer is told');
  // A drain after that starts afresh.
  const c = holds.enter(8)!;
  const third = holds.drain(8, 60_000);
  c();
  assert.equal(await state(third), 'resolved');
});

test('a drain that waits too long is refused with a conflict that names the calls still in flight', async () => {
  const holds = new CutoverHolds();
  const leave = holds.enter(7)!;
  holds.enter(7);
  const err = await holds.drain(7, 5).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ApiFault);
  assert.equal(err.faultcode, 'Server.Dispatcher.conflict');
  assert.equal(err.httpStatus, 409);
  assert.match(err.faultstring, /Customer 7 still has 2 call\(s\) in flight after 5 ms/);
  leave();
  assert.equal(holds.inFlight(7), 1);
});

test('wait resolves at once for a customer not being moved', async () => {
  const holds = new CutoverHolds();
  assert.equal(await state(holds.wait(7, 60_000)), 'resolved');
  assert.equal(holds.heldCalls(), 0);
});

test('every call waiting for a move is woken when it ends, and only those of that customer', async () => {
  const holds = new CutoverHolds();
  holds.markMoving(7);
  holds.markMoving(8);
  const started = performance.now();
  const w1 = holds.wait(7, 60_000);
  const w2 = holds.wait(7, 60_000);
  const other = holds.wait(8, 60_000);
  assert.equal(holds.heldCalls(), 3);
  assert.equal(await state(w1), 'pending');
  holds.release(7);
  assert.equal(await state(w1), 'resolved');
  assert.equal(await state(w2), 'resolved');
  const elapsed = performance.now() - started;
  assert.equal(await state(other), 'pending');
  assert.equal(holds.heldCalls(), 1);
  holds.release(8);
  assert.equal(await state(other), 'resolved');
  assert.equal(holds.heldCalls(), 0);
  assert.ok(holds.longestHoldMs() > 0, 'the hold was measured');
  assert.ok(holds.longestHoldMs() <= performance.now() - started, `longest hold ${holds.longestHoldMs()} ms within the ${elapsed} ms the test waited`);
});

test('a call held past its bound fails with the retryable customer_migrating fault and is no longer held', async () => {
  const holds = new CutoverHolds();
  holds.markMoving(7);
  const started = performance.now();
  const err = await holds.wait(7, 5).then(() => undefined, (e: unknown) => e);
  const waited = performance.now() - started;
  assert.ok(err instanceof ApiFault);
  assert.equal(err.faultcode, 'Server.Dispatcher.customer_migrating');
  assert.match(err.faultstring, /Customer 7 is being migrated; retry the call shortly/);
  assert.equal(err.retryable, true, 'the client is told to retry (a mutant dropping the option survived the first scored run)');
  assert.equal(holds.heldCalls(), 0);
  assert.ok(holds.longestHoldMs() > 0 && holds.longestHoldMs() <= waited, `longest hold ${holds.longestHoldMs()} ms, waited ${waited} ms`);
  // A later, shorter hold does not lower the longest one.
  const longest = holds.longestHoldMs();
  const short = holds.wait(7, 60_000);
  holds.release(7);
  await short;
  assert.equal(holds.longestHoldMs() >= longest, true);
});
