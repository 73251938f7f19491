import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSimulator, type SimulatorInstance } from '../sim/simulator.ts';
import { demoConfig } from '../app/demo-config.ts';
import { BackendClient } from '../backends/backend-client.ts';
import { ServiceClient } from '../backends/service-client.ts';
import { BUILT_IN_CONFIG_ENTITY_TYPES } from '../core/config-entity-types.ts';
import { createLogger } from '../core/logger.ts';
import { compareEntityType } from './drift-compare.ts';
import { ComparedFields } from './drift-fields.ts';
import { DriftMonitor } from './drift-monitor.ts';

const product = BUILT_IN_CONFIG_ENTITY_TYPES.find((t) => t.name === 'product')!;

async function systems(t: { after(fn: () => Promise<void>): void }, configEntities: number) {
  const source = await createSimulator({ role: 'source', env: 3, customers: 5, configEntities });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, configEntities });
  t.after(() => target.close());
  const backends = new BackendClient(demoConfig(source, target));
  t.after(() => backends.close());
  return { source, target, service: new ServiceClient(backends, { login: 'admin', token: 'demo-admin-token' }, 'drift-test') };
}

const products = (sim: SimulatorInstance) => sim.system.store.config.products;

test('counts stay exact when the lists are cut at maxListed, over many pages', async (t) => {
  const { source, target, service } = await systems(t, 300);
  for (let id = 10; id < 20; id++) products(target).delete(id);
  for (let id = 100; id < 107; id++) products(target).set(id, { ...products(target).get(id)!, name: `changed ${id}` });
  products(target).set(5000, { i_product: 5000, name: 'target only' });
  const r = await compareEntityType(service, product, { excludeFields: [], pageSize: 7, maxListed: 3 });
  assert.equal(r.compared, true, r.error);
  assert.deepEqual(r.counts, { source: 300, target: 291, missingOnTarget: 10, missingOnSource: 1, differing: 7 });
  assert.equal(r.missingOnTarget.length, 3);
  assert.equal(r.differing.length, 3);
  assert.ok(r.missingOnTarget.every((m) => m.id >= 10 && m.id < 20 && m.name === products(source).get(m.id)!.name));
  assert.ok(r.differing.every((d) => d.fields.length === 1 && d.fields[0]!.field === 'name' && d.fields[0]!.target === `changed ${d.id}`));
  assert.deepEqual(r.missingOnSource, [{ id: 5000, name: 'target only' }]);
  assert.equal(r.truncated, true);
});

test('nested fields are compared one by one, lists whole; a field on one side only shows the side that has it', () => {
  const rules = new ComparedFields('discount_plan', ['i_env', 'discount_plan:meta.stamp']);
  const a = { name: 'x', i_env: 3, meta: { stamp: 1, level: 2 }, tags: [1, 2], only_source: true };
  const b = { name: 'x', i_env: 8, meta: { stamp: 9, level: 3 }, tags: [2, 1] };
  assert.deepEqual(rules.differences(a, b), [
    { field: 'meta.level', source: 2, target: 3 },
    { field: 'only_source', source: true },
    { field: 'tags', source: [1, 2], target: [2, 1] },
  ]);
  assert.equal(rules.digest({ b: 1, a: { y: 2, x: 1 } }), rules.digest({ a: { x: 1, y: 2 }, b: 1 }), 'key order does not matter');
  assert.notEqual(rules.digest({ a: 1 }), rules.digest({ a: '1' }), 'a number and a string are different values');
});

test('the periodic run compares on its own and keeps the report; close stops it', async (t) => {
  const { target, service } = await systems(t, 4);
  products(target).delete(1);
  const monitor = new DriftMonitor({
    service, types: BUILT_IN_CONFIG_ENTITY_TYPES, defaultEntities: ['product', 'customer_class'], compare: { excludeFields: [], pageSize: 50, maxListed: 10 },
    intervalMs: 10_000, firstRunMs: 5, logger: createLogger('silent'),
  });
  t.after(() => monitor.close());
  assert.equal(monitor.status().report, null);
  monitor.start();
  assert.notEqual(monitor.status().nextRunAt, null);
  for (let i = 0; i < 200 && monitor.status().report === null; i++) await sleep(25);
  const report = monitor.status().report;
  assert.ok(report, 'a periodic report arrived');
  assert.equal(report.trigger, 'periodic');
  assert.deepEqual(report.entities.map((e) => e.entity), ['product', 'customer_class']);
  assert.deepEqual(report.entities[0]!.missingOnTarget.map((m) => m.id), [1]);
  assert.notEqual(monitor.status().nextRunAt, null, 'the next run is planned');
  await monitor.close();
  assert.equal(monitor.status().nextRunAt, null);
});
