import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../helpers/stack.ts';
import { DEMO_OPS_TOKEN } from '../../src/app/demo-config.ts';

test('with ops.publicMetrics false, /metrics needs the ops token; health endpoints stay open', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 5, config: { ops: { publicMetrics: false } } });
  const ops = stack.url('ops');
  const anonymous = await fetch(`${ops}/metrics`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json() as { faultcode: string }).faultcode, 'Server.Dispatcher.forbidden');
  const wrong = await fetch(`${ops}/metrics`, { headers: { authorization: 'Bearer not-the-token' } });
  assert.equal(wrong.status, 401);
  await wrong.arrayBuffer();
  const allowed = await fetch(`${ops}/metrics`, { headers: { authorization: `Bearer ${DEMO_OPS_TOKEN}` } });
  assert.equal(allowed.status, 200);
  assert.match(await allowed.text(), /^# (HELP|TYPE) /m);
  const health = await fetch(`${ops}/healthz`);
  assert.equal(health.status, 200);
  await health.arrayBuffer();
});

test('by default /metrics is public, as Prometheus scrapers expect', async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 5 });
  const res = await fetch(`${stack.url('ops')}/metrics`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});
