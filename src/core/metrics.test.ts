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

test('combining workers\' snapshots sums counters and histograms, sums `sum` gauges and takes `same` gauges once', () => {
  const worker = (calls: number, held: number, up: number, latency: number) => {
    const m = new Metrics();
    m.inc('calls_total', 'Calls', { status: '200' }, calls);
    m.observe('call_seconds', 'Latency', {}, latency);
    m.gauge('held_calls', 'Held', () => [[{}, held]], 'sum');
    m.gauge('backend_up', 'Up', () => [[{ system: 'source' }, up]]);
    return m.snapshot();
  };
  const snapshots = [worker(3, 2, 1, 0.002), worker(4, 5, 1, 0.2)];
  const combined = Metrics.combine(JSON.parse(JSON.stringify(snapshots)) as typeof snapshots);
  assert.equal(combined.counterValue('calls_total', { status: '200' }), 7);
  const [h] = combined.histogramSeries('call_seconds');
  assert.equal(h!.count, 2);
  assert.ok(Math.abs(h!.sum - 0.202) < 1e-9);
  const text = combined.render();
  assert.match(text, /^held_calls 7$/m);
  assert.match(text, /^backend_up\{system="source"\} 1$/m, 'a shared view is not doubled');
  assert.match(text, /^# TYPE call_seconds histogram$/m);
});
