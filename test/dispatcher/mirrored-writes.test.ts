import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, startStack, type Stack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import type { DriftReport } from '../../src/consistency/drift-report.ts';
import type { JsonObject } from '../../src/core/api-call.ts';

const MIRRORED = 'x-webdispatcher-mirrored';

/** Reads one system directly (not through the dispatcher). */
async function direct(url: string, path: string, params: JsonObject): Promise<{ status: number; json: JsonObject }> {
  const token = await login(url, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const r = await call(url, path, params, token);
  return { status: r.status, json: r.json as JsonObject };
}

async function drift(stack: Stack, entities?: string[]): Promise<DriftReport> {
  const res = await fetch(`${stack.url('ops')}/v1/drift`, { method: 'POST', headers: { authorization: 'Bearer demo-ops-token', 'content-type': 'application/json' }, body: JSON.stringify(entities ? { entities } : {}) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { report: DriftReport }).report;
}

const nameOn = async (url: string, id: number) => ((await direct(url, 'Product/get_product_info', { i_product: id })).json.product_info as JsonObject).name;

test('mirrored writes: an update, an add (same id on both) and a delete land on both systems, the reply says so, and the report stays clean', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { routing: { mirrorConfigWrites: true }, drift: { intervalMs: 0 } } });
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const src = stack.source.urls.admin;
  const tgt = stack.target.urls.admin;

  const updated = await call(stack.url('admin'), 'Product/update_product', { product_info: { i_product: 3, name: 'Business Line Pro' } }, token);
  assert.equal(updated.status, 200, JSON.stringify(updated.json));
  assert.equal(updated.headers.get(MIRRORED), 'source,target');
  assert.deepEqual([await nameOn(src, 3), await nameOn(tgt, 3)], ['Business Line Pro', 'Business Line Pro']);

  const added = await call(stack.url('admin'), 'CustomerClass/add_customer_class', { customer_class_info: { name: 'Government', grace_period: 11 } }, token);
  assert.equal(added.headers.get(MIRRORED), 'source,target');
  const id = added.json.i_customer_class as number;
  for (const url of [src, tgt]) {
    const info = (await direct(url, 'CustomerClass/get_customer_class_info', { i_customer_class: id })).json.customer_class_info as JsonObject;
    assert.deepEqual({ name: info.name, grace_period: info.grace_period }, { name: 'Government', grace_period: 11 });
  }

  // The session's context on the target (i_env 8) does not change the order: source, then target.
  const deleted = await call(stack.url('admin'), 'VolumeDiscountPlan/delete_volume_discount_plan', { i_vd_plan: 2, i_env: 8 }, token);
  assert.equal(deleted.headers.get(MIRRORED), 'source,target');
  for (const url of [src, tgt]) assert.equal((await direct(url, 'VolumeDiscountPlan/get_volume_discount_plan_info', { i_vd_plan: 2 })).json.faultcode, 'Server.VolumeDiscountPlan.volume_discount_plan_not_found');

  // Customer data is never mirrored.
  const customer = await call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: 1, notes: 'source only' } }, token);
  assert.equal(customer.status, 200);
  assert.equal(customer.headers.get(MIRRORED), null);

  // A refusal by the source changes nothing anywhere and comes back as the source sent it.
  const refused = await call(stack.url('admin'), 'Product/update_product', { product_info: { i_product: 999, name: 'nothing' } }, token);
  assert.equal(refused.json.faultcode, 'Server.Product.product_not_found');
  assert.equal(refused.headers.get(MIRRORED), 'none');

  const report = await drift(stack);
  assert.equal(report.outcome, 'clean', JSON.stringify(report.totals));
  const metrics = await (await fetch(`${stack.url('ops')}/metrics`)).text();
  assert.match(metrics, /^webdispatcher_mirrored_config_writes_total\{outcome="both"\} 3$/m);
});

test('a target that refuses a mirrored write gives a fault naming it and why, and the next report shows the difference', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { routing: { mirrorConfigWrites: true }, drift: { intervalMs: 0 } } });
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const src = stack.source.urls.admin;
  const tgt = stack.target.urls.admin;
  const before = await nameOn(tgt, 4);
  const faults = (body: unknown) => fetch(`${tgt}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  await faults({ error_rate: 1 });
  const r = await call(stack.url('admin'), 'Product/update_product', { product_info: { i_product: 4, name: 'Trunk 2025' } }, token);
  await faults({ error_rate: 0 });
  assert.equal(r.status, 500);
  assert.equal(r.json.faultcode, 'Server.Dispatcher.mirror_incomplete');
  assert.match(String(r.json.faultstring), /^Product\/update_product was applied on the source, but the target system refused it: Server\.Sim\.injected_error: Injected error/);
  assert.equal(r.headers.get(MIRRORED), 'source');
  assert.deepEqual([await nameOn(src, 4), await nameOn(tgt, 4)], ['Trunk 2025', before]);
  const report = await drift(stack, ['product']);
  assert.deepEqual(report.entities[0]!.differing, [{ id: 4, name: 'Trunk 2025', fields: [{ field: 'name', source: 'Trunk 2025', target: before }] }]);

  // The id the source picks for an add is taken on the target already: the target refuses it.
  const taken = await direct(tgt, 'BundlePromotion/add_bundle_promotion', { bundle_promotion_info: { name: 'Target promo', i_product: 1 } });
  const promo = taken.json.i_bundle_promotion as number;
  const add = await call(stack.url('admin'), 'BundlePromotion/add_bundle_promotion', { bundle_promotion_info: { name: 'Shared promo', i_product: 2 } }, token);
  assert.equal(add.json.faultcode, 'Server.Dispatcher.mirror_incomplete');
  assert.match(String(add.json.faultstring), /the target system refused it: Server\.BundlePromotion\.duplicate_entry: BundlePromotion i_bundle_promotion \d+ already exists/);
  const promos = (await drift(stack, ['bundle_promotion'])).entities[0]!;
  assert.deepEqual(promos.differing.map((d) => [d.id, d.fields.find((f) => f.field === 'name')]), [[promo, { field: 'name', source: 'Shared promo', target: 'Target promo' }]]);
});

test('without mirrorConfigWrites a configuration write runs in the context only, and the report shows the other system lacks it', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { drift: { intervalMs: 0 } } });
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const r = await call(stack.url('admin'), 'Subscription/add_subscription', { subscription_info: { name: 'Call screening', periodic_fee: 2 } }, token);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get(MIRRORED), null);
  const subs = (await drift(stack, ['subscription'])).entities[0]!;
  assert.deepEqual(subs.missingOnTarget, [{ id: r.json.i_subscription, name: 'Call screening' }]);
});
