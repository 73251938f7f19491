import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitStage, HeldCall, holdStage } from './hold-stage.ts';
import { CutoverHolds } from '../cutover-holds.ts';
import { MemoryDirectory } from '../../directory/memory-directory.ts';
import { Metrics } from '../../core/metrics.ts';
import { ApiFault } from '../../core/faults.ts';
import type { Reply } from '../../core/reply.ts';
import type { Plan } from '../../routing/plan.ts';
import type { CallContext } from '../pipeline.ts';
import { apiCall, jsonOk } from '../../../test/helpers/stages.ts';

const ctx = (plan?: Plan): CallContext => (plan === undefined ? { call: apiCall(), raw: {} as never } : { call: apiCall(), raw: {} as never, plan });
const single = (iCustomer: number | undefined): Plan => ({ kind: 'single', system: 'target', rule: 'locator', ...(iCustomer === undefined ? {} : { iCustomer }) }) as Plan;

function heldCount(metrics: Metrics): number {
  const m = /^webdispatcher_held_calls_total (\d+)$/m.exec(metrics.render());
  return m === null ? 0 : Number(m[1]);
}

test('the admit stage counts a call for its customer as in flight until it is answered', async () => {
  const holds = new CutoverHolds();
  const admit = admitStage(holds);
  for (const plan of [single(7), { kind: 'broadcast', systems: ['source', 'target'], iCustomer: 7 } as unknown as Plan]) {
    let release!: (r: Reply) => void;
    const answered = admit(ctx(plan), () => new Promise<Reply>((resolve) => { release = resolve; }));
    assert.equal(holds.inFlight(7), 1, `${plan.kind}: in flight while it runs`);
    release(jsonOk({}));
    await answered;
    assert.equal(holds.inFlight(7), 0, `${plan.kind}: left once answered`);
  }
  // A call that fails, at once or later, leaves as well.
  assert.throws(() => admit(ctx(single(7)), () => { throw new Error('sync'); }), /sync/);
  assert.equal(holds.inFlight(7), 0);
  await assert.rejects(admit(ctx(single(7)), () => Promise.reject(new Error('async'))), /async/);
  assert.equal(holds.inFlight(7), 0);
});

test('the admit stage lets calls naming no customer through uncounted, and throws a held call for a moving customer', async () => {
  const holds = new CutoverHolds();
  const admit = admitStage(holds);
  let ran = 0;
  const next = async () => { ran++; assert.deepEqual([holds.inFlight(7), holds.inFlight(0)], [0, 0]); return jsonOk({}); };
  await admit(ctx(single(undefined)), next);
  await admit(ctx({ kind: 'merge', systems: ['source', 'target'] } as unknown as Plan), next);
  await admit(ctx({ kind: 'merge', systems: ['source', 'target'], iCustomer: 7 } as unknown as Plan), next);
  assert.equal(ran, 3);

  assert.throws(() => admit(ctx({ kind: 'hold', iCustomer: 8 } as Plan), next), (e: unknown) => e instanceof HeldCall && e.iCustomer === 8 && e.byPlan);
  holds.markMoving(7);
  assert.throws(() => admit(ctx(single(7)), next), (e: unknown) => e instanceof HeldCall && e.iCustomer === 7 && !e.byPlan);
  assert.equal(ran, 3, 'a held call does not run');
  assert.equal(holds.inFlight(7), 0);
});

test('a call held by the plan waits for the move to end, is counted as held, then runs again', async () => {
  const holds = new CutoverHolds();
  const metrics = new Metrics();
  const hold = holdStage(holds, new MemoryDirectory(), metrics, 60_000);
  let attempts = 0;
  const reply = jsonOk({ ok: 1 });
  const answered = hold(ctx(), async () => {
    attempts++;
    if (attempts === 1) throw new HeldCall(5, true);
    return reply;
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(holds.movingCustomers(), [5], 'the plan\'s hold marks the customer moving on this node');
  assert.equal(holds.heldCalls(), 1);
  assert.equal(heldCount(metrics), 1);
  holds.release(5);
  assert.equal(await answered, reply);
  assert.equal(attempts, 2);
});

test('a call held by this node\'s holds waits while the directory says moving, and is released at once when it does not', async () => {
  const directory = new MemoryDirectory();
  await directory.putCustomer({ iCustomer: 6, system: 'source' });
  await directory.beginMove(6, 'source');
  const holds = new CutoverHolds();
  holds.markMoving(6);
  const metrics = new Metrics();
  const hold = holdStage(holds, directory, metrics, 60_000);
  const admit = admitStage(holds);
  const reply = jsonOk({ ok: 1 });
  let attempts = 0;
  const answered = hold(ctx(single(6)), () => admit(ctx(single(6)), async () => { attempts++; return reply; }));
  await new Promise((r) => setImmediate(r));
  assert.equal(holds.heldCalls(), 1, 'the directory says moving: held');
  assert.equal(attempts, 0);
  holds.release(6);
  assert.equal(await answered, reply);
  assert.equal(attempts, 1);

  // This node missed the end of a move (the directory says active): released, no hold.
  await directory.abortMove(6);
  holds.markMoving(6);
  assert.equal(await hold(ctx(single(6)), () => admit(ctx(single(6)), async () => reply)), reply);
  assert.deepEqual(holds.movingCustomers(), []);
  assert.equal(heldCount(metrics), 1, 'only the first call was held');

  // Without a directory, nothing says moving: released too.
  const noDir = holdStage(holds, undefined, metrics, 60_000);
  holds.markMoving(6);
  assert.equal(await noDir(ctx(single(6)), () => admit(ctx(single(6)), async () => reply)), reply);
  assert.deepEqual(holds.movingCustomers(), []);
  // A customer the directory does not know is not moving either.
  const hold2 = holdStage(holds, directory, metrics, 60_000);
  holds.markMoving(99);
  assert.equal(await hold2(ctx(single(99)), () => admit(ctx(single(99)), async () => reply)), reply);
  assert.deepEqual(holds.movingCustomers(), []);
});

test('a held call fails with the retryable customer_migrating fault when the move outlasts the hold timeout', async () => {
  const holds = new CutoverHolds();
  const hold = holdStage(holds, undefined, new Metrics(), 30);
  const started = performance.now();
  await assert.rejects(hold(ctx(), async () => { throw new HeldCall(11, true); }), (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Dispatcher.customer_migrating' && e.retryable === true && /Customer 11 is being migrated/.test(e.faultstring));
  assert.ok(performance.now() - started < 2000, 'the timeout is the hold timeout');
});

test('a held call is routed again at most four times, then fails with customer_migrating', async () => {
  const holds = new CutoverHolds();
  const hold = holdStage(holds, undefined, new Metrics(), 60_000);
  let attempts = 0;
  // The node's holds say moving but the directory (none) does not: each attempt is released and retried at once.
  await assert.rejects(hold(ctx(), async () => { attempts++; throw new HeldCall(12, false); }), (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Dispatcher.customer_migrating' && e.retryable === true && e.faultstring === 'Customer 12 is being migrated; retry the call shortly');
  assert.equal(attempts, 5);
});

test('other failures pass through the hold stage unchanged', async () => {
  const hold = holdStage(new CutoverHolds(), undefined, new Metrics(), 60_000);
  const fault = new Error('backend down');
  let attempts = 0;
  await assert.rejects(hold(ctx(), async () => { attempts++; throw fault; }), (e: unknown) => e === fault);
  assert.equal(attempts, 1);
});
