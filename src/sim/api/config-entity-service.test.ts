import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson } from '../testing/sim-test-client.ts';
import type { JsonObject } from '../../core/api-call.ts';
import { DEMO_ADMIN, DEMO_RESELLER } from '../demo-fixtures.ts';

async function pair(t: { after(fn: () => Promise<void>): void }, configEntities?: number) {
  const extra = configEntities === undefined ? {} : { configEntities };
  const source = await createSimulator({ role: 'source', env: 3, customers: 10, ...extra });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, ...extra });
  t.after(() => target.close());
  const tokenOf = async (url: string) => (await login(url, DEMO_ADMIN.login, { token: DEMO_ADMIN.token })).access_token;
  return { source, target, sourceToken: await tokenOf(source.urls.admin), targetToken: await tokenOf(target.urls.admin) };
}

test('an admin renames a product, adds a class and deletes a volume discount plan on one system only', async (t) => {
  const { source, target, sourceToken, targetToken } = await pair(t);
  const renamed = await postJson(target.urls.admin, '/rest/Product/update_product', { product_info: { i_product: 2, name: 'Home Unlimited 2024' } }, targetToken);
  assert.deepEqual(renamed.body, { i_product: 2 });
  const added = await postJson(source.urls.admin, '/rest/CustomerClass/add_customer_class', { customer_class_info: { name: 'Government' } }, sourceToken);
  assert.equal(added.status, 200);
  const newClass = added.body.i_customer_class as number;
  const deleted = await postJson(target.urls.admin, '/rest/VolumeDiscountPlan/delete_volume_discount_plan', { i_vd_plan: 3 }, targetToken);
  assert.deepEqual(deleted.body, { success: 1 });

  const productOn = async (url: string, token: string) => ((await postJson(url, '/rest/Product/get_product_info', { i_product: 2 }, token)).body.product_info as JsonObject).name;
  assert.equal(await productOn(target.urls.admin, targetToken), 'Home Unlimited 2024');
  assert.equal(await productOn(source.urls.admin, sourceToken), 'Home Unlimited');
  const classOnTarget = await postJson(target.urls.admin, '/rest/CustomerClass/get_customer_class_info', { i_customer_class: newClass }, targetToken);
  assert.equal(classOnTarget.body.faultcode, 'Server.CustomerClass.customer_class_not_found');
  const vdOnSource = await postJson(source.urls.admin, '/rest/VolumeDiscountPlan/get_volume_discount_plan_info', { i_vd_plan: 3 }, sourceToken);
  assert.equal((vdOnSource.body.volume_discount_plan_info as JsonObject).i_vd_plan, 3);
  const vdOnTarget = await postJson(target.urls.admin, '/rest/VolumeDiscountPlan/get_volume_discount_plan_info', { i_vd_plan: 3 }, targetToken);
  assert.equal(vdOnTarget.body.faultcode, 'Server.VolumeDiscountPlan.volume_discount_plan_not_found');
});

test('an add with an explicit id keeps it, and a taken id is refused without changing anything', async (t) => {
  const { source, sourceToken } = await pair(t);
  const added = await postJson(source.urls.admin, '/rest/BundlePromotion/add_bundle_promotion', { bundle_promotion_info: { i_bundle_promotion: 40, name: 'Spring', i_product: 1 } }, sourceToken);
  assert.deepEqual(added.body, { i_bundle_promotion: 40 });
  const again = await postJson(source.urls.admin, '/rest/BundlePromotion/add_bundle_promotion', { bundle_promotion_info: { i_bundle_promotion: 40, name: 'Other', i_product: 1 } }, sourceToken);
  assert.equal(again.body.faultcode, 'Server.BundlePromotion.duplicate_entry');
  const info = await postJson(source.urls.admin, '/rest/BundlePromotion/get_bundle_promotion_info', { i_bundle_promotion: 40 }, sourceToken);
  assert.equal((info.body.bundle_promotion_info as JsonObject).name, 'Spring');
  const badRef = await postJson(source.urls.admin, '/rest/BundlePromotion/add_bundle_promotion', { bundle_promotion_info: { name: 'Ghost', i_product: 999 } }, sourceToken);
  assert.equal(badRef.body.faultcode, 'Client.validation_error');
  assert.match(String(badRef.body.faultstring), /i_product 999 does not exist/);
  const noName = await postJson(source.urls.admin, '/rest/Subscription/add_subscription', { subscription_info: { periodic_fee: 3 } }, sourceToken);
  assert.match(String(noName.body.faultstring), /subscription_info.name is required/);
});

test('configuration lists page with limit, offset and get_total, and configEntities seeds that many per type', async (t) => {
  const { source, target, sourceToken, targetToken } = await pair(t, 25);
  for (const [path, key] of [['/rest/Product/get_product_list', 'product_list'], ['/rest/Subscription/get_subscription_list', 'subscription_list'], ['/rest/DiscountPlan/get_discount_plan_list', 'discount_plan_list']] as const) {
    const first = await postJson(source.urls.admin, path, { limit: 10, offset: 0, get_total: 1 }, sourceToken);
    const last = await postJson(source.urls.admin, path, { limit: 10, offset: 20 }, sourceToken);
    assert.equal(first.body.total, 25, path);
    assert.equal((first.body[key] as JsonObject[]).length, 10);
    assert.equal((last.body[key] as JsonObject[]).length, 5);
    const whole = await postJson(target.urls.admin, path, {}, targetToken);
    assert.equal((whole.body[key] as JsonObject[]).length, 25, 'no limit: the whole list');
  }
  const plans = await postJson(source.urls.admin, '/rest/DiscountPlan/get_discount_plan_list', { limit: 1 }, sourceToken);
  const plan = (plans.body.discount_plan_list as JsonObject[])[0]!;
  assert.equal((plan.volume_discount_plan as JsonObject).i_vd_plan, plan.i_vd_plan, 'a discount plan shows its volume discount plan');
});

test('a reseller may read the configuration but not change it', async (t) => {
  const { source } = await pair(t);
  const { access_token: token } = await login(source.urls.reseller, DEMO_RESELLER.login, { password: DEMO_RESELLER.password });
  const list = await postJson(source.urls.reseller, '/rest/Product/get_product_list', {}, token);
  assert.equal(list.status, 200);
  const del = await postJson(source.urls.reseller, '/rest/Product/delete_product', { i_product: 1 }, token);
  assert.equal(del.body.faultcode, 'Server.permission_denied');
});
