import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../helpers/stack.ts';
import { runCutoverWorkload } from '../helpers/cutover-workload.ts';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

test('no acknowledged write is lost or misrouted while a customer is migrated back and forth under 20 writing clients', async (t) => {
  const stack = await startStack(t, { config: { cutover: { holdTimeoutMs: 3000 } } });
  const figures = await runCutoverWorkload({
    apiUrls: [stack.url('admin')], opsUrl: stack.url('ops'), opsToken: 'demo-ops-token',
    source: stack.source, target: stack.target, iCustomer: DEMO_CUSTOMER.iCustomer, accounts: [DEMO_ACCOUNT.iAccount],
    clients: 20, moves: 4, maxWritesPerClient: 400, maxMs: 8000,
  });
  t.diagnostic(JSON.stringify(figures));
  assert.equal(figures.moves, 4);
  assert.ok(figures.acknowledged > 0, 'some writes were acknowledged');
  assert.equal(figures.lost, 0, 'every acknowledged write was applied');
  assert.equal(figures.misrouted, 0, 'no write reached a system the customer had left');
  assert.deepEqual(figures.otherFaults, {}, 'every call got success or customer_migrating');
  assert.equal(figures.finalSystem, 'source');
  assert.ok(figures.finalValueMatches, 'the living record carries the last applied write');
});
