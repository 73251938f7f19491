import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../core/metrics.ts';
import { quantileMs, TrafficHistory } from './traffic-history.ts';

test('rates and quantiles per step come from the deltas of the metrics registry', () => {
  const m = new Metrics();
  const h = new TrafficHistory(m, { stepMs: 1000, points: 3 });
  h.sample(0);
  for (let i = 0; i < 20; i++) m.inc('webdispatcher_system_calls_total', 'x', { system: 'source' });
  for (let i = 0; i < 5; i++) m.inc('webdispatcher_system_faults_total', 'x', { system: 'source' });
  for (let i = 0; i < 99; i++) m.observe('webdispatcher_system_call_seconds', 'x', { system: 'source' }, 0.002);
  m.observe('webdispatcher_system_call_seconds', 'x', { system: 'source' }, 0.9);
  m.inc('webdispatcher_calls_total', 'x', { listener: 'admin', plan: 'single', status: '200' }, 8);
  m.inc('webdispatcher_calls_total', 'x', { listener: 'admin', plan: 'single', status: '500' }, 2);
  h.sample(2000);
  const s = h.series();
  const p = s.system.source!.at(-1)!;
  assert.equal(p.callsPerSecond, 10);
  assert.equal(p.faultsPerSecond, 2.5);
  assert.ok(p.p50Ms! > 1 && p.p50Ms! <= 2.5, `p50 ${p.p50Ms} in the 1–2.5 ms bucket`);
  assert.ok(p.p99Ms! <= 2.5, `p99 ${p.p99Ms}: 99 of 100 were fast`);
  const a = s.listener.admin!.at(-1)!;
  assert.deepEqual([a.callsPerSecond, a.faultsPerSecond], [5, 1], 'listener faults are the calls whose status is not 200');
  h.sample(3000);
  assert.equal(h.series().system.source!.at(-1)!.callsPerSecond, 0, 'a quiet step is zero, not the total again');
  h.sample(4000); h.sample(5000);
  assert.equal(h.series().system.source!.length, 3, 'only the last `points` steps are kept');
});

test('a quantile without observations is null and interpolates inside its bucket', () => {
  assert.equal(quantileMs(new Array(14).fill(0), 0, 0.5), null);
  const buckets = [0, 0, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]; // all 10 in (2.5 ms, 5 ms]
  assert.equal(quantileMs(buckets, 10, 0.5), 3.75);
});
