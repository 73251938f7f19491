import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from './metrics.ts';

test('a resolved counter series adds to the same series as inc with the same labels in any order', () => {
  const m = new Metrics();
  const series = m.counter('calls_total', 'Calls', { listener: 'admin', status: '200' });
  assert.doesNotMatch(m.render(), /calls_total\{/, 'a series appears at its first increment');
  series.inc();
  series.inc(2);
  m.inc('calls_total', 'Calls', { status: '200', listener: 'admin' });
  assert.equal(m.counterValue('calls_total', { listener: 'admin', status: '200' }), 4);
  assert.match(m.render(), /^calls_total\{listener="admin",status="200"\} 4$/m);
  assert.deepEqual(m.sumBy('calls_total', 'status'), { 200: 4 });
});

test('a resolved histogram series counts into the buckets its observations fall in', () => {
  const m = new Metrics();
  const h = m.histogram('call_seconds', 'Latency', { listener: 'admin' });
  h.observe(0.002);
  m.observe('call_seconds', 'Latency', { listener: 'admin' }, 0.2);
  const text = m.render();
  assert.match(text, /^call_seconds_bucket\{listener="admin",le="0.001"\} 0$/m);
  assert.match(text, /^call_seconds_bucket\{listener="admin",le="0.0025"\} 1$/m);
  assert.match(text, /^call_seconds_bucket\{listener="admin",le="0.25"\} 2$/m);
  assert.match(text, /^call_seconds_count\{listener="admin"\} 2$/m);
});
