import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiCall, JsonObject } from '../core/api-call.ts';
import { isMirroredConfigWrite, sameIdParams } from './mirrored-writes.ts';

function apiCall(serviceMethod: string, params: JsonObject = {}, extra: Partial<ApiCall> = {}): ApiCall {
  const [service, method] = serviceMethod.split('/') as [string, string];
  return { realm: 'admin', service, method, params, authInfo: {}, credentials: {}, style: 'json', portasip: false, clientIp: '127.0.0.1', requestId: 't', ...extra };
}

test('configuration writes are mirrored; reads, customer and account data, resellers and staff users are not', () => {
  for (const m of ['Product/update_product', 'CustomerClass/add_customer_class', 'VolumeDiscountPlan/delete_volume_discount_plan', 'Tariff/add_tariff', 'Rate/update_rate']) assert.equal(isMirroredConfigWrite(apiCall(m)), true, m);
  for (const m of ['Product/get_product_list', 'Customer/update_customer', 'Account/add_account', 'Customer/add_subscription', 'Reseller/update_reseller', 'User/update_user', 'Env/get_env_info']) assert.equal(isMirroredConfigWrite(apiCall(m)), false, m);
  assert.equal(isMirroredConfigWrite(apiCall('Product/update_product', {}, { style: 'espf' })), false, 'ESPF calls go as they came');
});

test('an add gives the target the id the source answered, in its <entity>_info; other writes go unchanged', () => {
  assert.deepEqual(sameIdParams(apiCall('Product/add_product', { product_info: { name: 'x' } }), '{"i_product":12}'), { product_info: { name: 'x', i_product: 12 } });
  // A type the dispatcher does not know answers its new id as its one i_… field.
  assert.deepEqual(sameIdParams(apiCall('Tariff/add_tariff', { tariff_info: { name: 't' }, i_env: 3 }), '{"i_tariff":7}'), { tariff_info: { name: 't', i_tariff: 7 }, i_env: 3 });
  assert.equal(sameIdParams(apiCall('Product/update_product', { product_info: { i_product: 1 } }), '{"i_product":1}'), undefined);
  assert.match(String(sameIdParams(apiCall('Tariff/add_tariff', { tariff_info: {} }), '{"i_tariff":7,"i_rate":2}')), /names no single new id/);
  assert.match(String(sameIdParams(apiCall('Product/add_product', { name: 'flat' }), '{"i_product":3}')), /carries no product_info/);
});
