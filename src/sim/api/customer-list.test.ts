import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson, send } from '../testing/sim-test-client.ts';
import type { JsonObject } from '../../core/api-call.ts';
import { CAPTURE_BRANCH_OFFICES, CAPTURE_CUSTOMER_ID, DEMO_ADMIN } from '../demo-fixtures.ts';
import { OFFICE_TYPE } from '../model/records.ts';

const ids = (body: JsonObject): number[] => (body.customer_list as JsonObject[]).map((c) => Number(c.i_customer));
const ascending = (list: number[]): boolean => list.every((v, i) => i === 0 || (list[i - 1] ?? 0) < v);

test('i_main_customer (as WebTrit sends it) and i_main_office list the branch offices of customer 7, in i_customer order', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 60 });
  t.after(() => sim.close());
  const { access_token: token } = await login(sim.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const byCapture = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { skip_exported: 1, i_main_customer: CAPTURE_CUSTOMER_ID, i_office_type: OFFICE_TYPE.branchOffice, get_total: 1 }, token);
  assert.equal(byCapture.status, 200);
  const offices = byCapture.body.customer_list as JsonObject[];
  assert.equal(offices.length, CAPTURE_BRANCH_OFFICES);
  assert.equal(byCapture.body.total, offices.length);
  for (const o of offices) {
    assert.equal(o.i_main_office, CAPTURE_CUSTOMER_ID);
    assert.equal(o.i_office_type, OFFICE_TYPE.branchOffice);
  }
  assert.ok(ascending(ids(byCapture.body)));
  const byField = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { i_main_office: CAPTURE_CUSTOMER_ID }, token);
  assert.deepEqual(ids(byField.body), ids(byCapture.body));
  const mains = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { i_office_type: OFFICE_TYPE.mainOffice, get_total: 1 }, token);
  assert.deepEqual(ids(mains.body), [CAPTURE_CUSTOMER_ID]);
  const plain = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { i_office_type: OFFICE_TYPE.none, get_total: 1 }, token);
  assert.equal(plain.body.total, 60 - 1 - CAPTURE_BRANCH_OFFICES);
});

test('a target has no office fixtures: i_main_customer 7 lists nothing there', async (t) => {
  const sim = await createSimulator({ role: 'target', env: 8, customers: 60 });
  t.after(() => sim.close());
  const { access_token: token } = await login(sim.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const r = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { i_main_customer: CAPTURE_CUSTOMER_ID, get_total: 1 }, token);
  assert.deepEqual(r.body, { customer_list: [], total: 0 });
});

test('skip_exported leaves out moved customers, total agrees, and the target lists the import in i_customer order', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 20 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 20 });
  t.after(() => target.close());
  const moved = await send(source.urls.admin, '/sim/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: 11, target: target.urls.admin }) });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const { access_token: src } = await login(source.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });

  const everyone = await postJson(source.urls.admin, '/rest/Customer/get_customer_list', { get_total: 1 }, src);
  assert.ok(ids(everyone.body).includes(11), 'without skip_exported the moved customer is still listed');
  assert.equal(everyone.body.total, 20);
  const skipping = await postJson(source.urls.admin, '/rest/Customer/get_customer_list', { skip_exported: 1, get_total: 1 }, src);
  assert.ok(!ids(skipping.body).includes(11));
  assert.equal(skipping.body.total, 19);
  assert.equal(ids(skipping.body).length, 19);
  const page = await postJson(source.urls.admin, '/rest/Customer/get_customer_list', { skip_exported: 1, get_total: 1, limit: 5, offset: 5 }, src);
  assert.deepEqual(ids(page.body), ids(skipping.body).slice(5, 10), 'a page of the filtered list is a slice of the full filtered list');
  assert.equal(page.body.total, 19);

  const { access_token: tgt } = await login(target.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const onTarget = await postJson(target.urls.admin, '/rest/Customer/get_customer_list', { get_total: 1 }, tgt);
  const targetIds = ids(onTarget.body);
  assert.equal(onTarget.body.total, 21);
  assert.ok(targetIds.includes(11));
  assert.ok(ascending(targetIds), `ascending: ${targetIds.join(',')}`);
  const paged = [
    ...ids((await postJson(target.urls.admin, '/rest/Customer/get_customer_list', { limit: 8, offset: 0 }, tgt)).body),
    ...ids((await postJson(target.urls.admin, '/rest/Customer/get_customer_list', { limit: 8, offset: 8 }, tgt)).body),
    ...ids((await postJson(target.urls.admin, '/rest/Customer/get_customer_list', { limit: 8, offset: 16 }, tgt)).body),
  ];
  assert.deepEqual(paged, targetIds, 'exact paging covers every customer once');
});

test('office fields are validated and only staff may change them', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 20 });
  t.after(() => sim.close());
  const { access_token: token } = await login(sim.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const bad = await postJson(sim.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: 3, i_office_type: 9 } }, token);
  assert.equal(bad.body.faultcode, 'Client.validation_error');
  const missing = await postJson(sim.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: 3, i_main_office: 999_999 } }, token);
  assert.equal(missing.body.faultcode, 'Client.validation_error');
  const made = await postJson(sim.urls.admin, '/rest/Customer/update_customer', { customer_info: { i_customer: 3, i_office_type: OFFICE_TYPE.branchOffice, i_main_office: CAPTURE_CUSTOMER_ID } }, token);
  assert.equal(made.status, 200);
  const list = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { i_main_office: CAPTURE_CUSTOMER_ID }, token);
  assert.equal(ids(list.body)[0], 3);
  const john = await login(sim.urls.customer, 'john.doe', { password: 'demo-john' });
  const self = await postJson(sim.urls.customer, '/rest/Customer/update_customer', { customer_info: { i_customer: 1, i_office_type: OFFICE_TYPE.mainOffice } }, john.access_token);
  assert.equal(self.status, 500);
});

test('the skip_exported fast path pages exactly like a scan of every customer', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 40 });
  t.after(() => sim.close());
  const { access_token: token } = await login(sim.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  for (const id of [1, 7, 9, 31, 79]) sim.system.store.markMoved(id, { moved_at: '2026-01-01 00:00:00', moved_to: 'target' });
  for (let offset = 0; offset <= 40; offset += 3) {
    const fast = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { skip_exported: 1, get_total: 1, limit: 4, offset }, token);
    // A name pattern matching everyone forces the scanning path: the reference.
    const scan = await postJson(sim.urls.admin, '/rest/Customer/get_customer_list', { skip_exported: 1, get_total: 1, limit: 4, offset, name: '%' }, token);
    assert.deepEqual(ids(fast.body), ids(scan.body), `offset ${offset}`);
    assert.equal(fast.body.total, scan.body.total);
    assert.ok(!ids(fast.body).some((id) => [1, 7, 9, 31, 79].includes(id)));
  }
});
