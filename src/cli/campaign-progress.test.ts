import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, progressLine } from './campaign-progress.ts';

const view = { name: 'w1', state: 'running', phase: 'forward', total: 200, committed: 98, failed: 2, pending: 96, inFlight: 4, rolledBack: 0, ratePerMinute: 40, eta: 150, reason: null, waiting: null };

test('the terminal bar shows the share done, the counts, the rate and the ETA', () => {
  assert.equal(progressBar(view, 10), 'w1 running [#####.....] 50% 100/200 ok 98 failed 2 in flight 4 40/min ETA 2m30s');
});

test('the plain line names every figure and the reason of a paused campaign', () => {
  assert.equal(progressLine({ ...view, state: 'paused', eta: null, reason: 'failure budget spent' }),
    'campaign=w1 state=paused phase=forward total=200 committed=98 failed=2 pending=96 inFlight=4 rolledBack=0 ratePerMinute=40 eta=- reason="failure budget spent"');
});
