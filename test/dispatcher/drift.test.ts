import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startStack, type Stack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import type { DriftReport, EntityDrift } from '../../src/consistency/drift-report.ts';
import type { JsonObject } from '../../src/core/api-call.ts';

const exec = promisify(execFile);
const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
const OPS = 'demo-ops-token';

interface CliResult { code: number; stdout: string; stderr: string }

async function cli(stack: Stack, ...args: string[]): Promise<CliResult> {
  const env = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1', WEBDISPATCHER_OPS_URL: stack.url('ops'), WEBDISPATCHER_OPS_TOKEN: OPS };
  try {
    const r = await exec(process.execPath, [bin, 'drift', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** An admin call straight to one simulator: a change made on that system only, as on PortaBilling. */
async function onSystem(url: string, path: string, params: JsonObject): Promise<JsonObject> {
  const login = await fetch(`${url}/rest/Session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } }) });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const res = await fetch(`${url}/rest/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params }) });
  const json = (await res.json()) as JsonObject;
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(json)}`);
  return json;
}

async function ops(stack: Stack, method: 'GET' | 'POST', body?: unknown, token = OPS): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.url('ops')}/v1/drift`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const byType = (report: DriftReport, name: string): EntityDrift => {
  const e = report.entities.find((x) => x.entity === name);
  assert.ok(e, `the report has ${name}`);
  return e;
};

test('a product renamed on the target, a class added on the source and a volume discount plan deleted on the target are reported exactly, then clean once the other system has the same change', { timeout: 120_000 }, async (t) => {
  // Two rows per page: every list takes several pages.
  const stack = await startStack(t, { config: { drift: { pageSize: 2, intervalMs: 0 } } });
  const src = stack.source.urls.admin;
  const tgt = stack.target.urls.admin;
  const product = (await onSystem(src, 'Product/get_product_info', { i_product: 2 })).product_info as JsonObject;
  const vdPlan = (await onSystem(src, 'VolumeDiscountPlan/get_volume_discount_plan_info', { i_vd_plan: 3 })).volume_discount_plan_info as JsonObject;
  const classCount = ((await onSystem(src, 'CustomerClass/get_customer_class_list', {})).customer_class_list as JsonObject[]).length;

  const clean = await cli(stack);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /^no drift/m);

  await onSystem(tgt, 'Product/update_product', { product_info: { i_product: 2, name: `${String(product.name)} (renamed)` } });
  const added = await onSystem(src, 'CustomerClass/add_customer_class', { customer_class_info: { name: 'Government', grace_period: 9 } });
  const iClass = added.i_customer_class as number;
  await onSystem(tgt, 'VolumeDiscountPlan/delete_volume_discount_plan', { i_vd_plan: 3 });

  const found = await cli(stack, '--format', 'json');
  assert.equal(found.code, 1, found.stderr);
  const report = JSON.parse(found.stdout) as DriftReport;
  assert.equal(report.outcome, 'drift');
  assert.deepEqual(report.totals, { missingOnTarget: 2, missingOnSource: 0, differing: 1 });
  assert.deepEqual(byType(report, 'product').differing, [{ id: 2, name: product.name, fields: [{ field: 'name', source: product.name, target: `${String(product.name)} (renamed)` }] }]);
  const classes = byType(report, 'customer_class');
  assert.deepEqual(classes.missingOnTarget, [{ id: iClass, name: 'Government' }]);
  assert.deepEqual(classes.counts, { source: classCount + 1, target: classCount, missingOnTarget: 1, missingOnSource: 0, differing: 0 });
  assert.deepEqual(byType(report, 'volume_discount_plan').missingOnTarget, [{ id: 3, name: vdPlan.name }]);
  // The discount plan that shows the deleted volume discount plan is not a second difference.
  for (const name of ['discount_plan', 'bundle_promotion', 'subscription']) assert.equal(byType(report, name).counts.differing + byType(report, name).counts.missingOnTarget, 0, name);

  // The API holds the same last report; the table lists the three differences.
  const last = await ops(stack, 'GET');
  assert.equal(last.status, 200);
  assert.deepEqual((last.json.report as DriftReport).totals, report.totals);
  const table = await cli(stack, '--entity', 'product,customer_class', '--entity', 'volume_discount_plan');
  assert.equal(table.code, 1);
  assert.match(table.stdout, /^product\s+2\s+.*differs\s+name\s+".*"\s+".*\(renamed\)"$/m);
  assert.match(table.stdout, new RegExp(`^customer_class\\s+${iClass}\\s+Government\\s+missing on target$`, 'm'));
  assert.match(table.stdout, /^volume_discount_plan\s+3\s+.*missing on target$/m);
  assert.match(table.stdout, /^drift: 2 missing on target, 0 missing on source, 1 differing/m);

  // The same change on the other system: clean again.
  await onSystem(src, 'Product/update_product', { product_info: { i_product: 2, name: `${String(product.name)} (renamed)` } });
  await onSystem(tgt, 'CustomerClass/add_customer_class', { customer_class_info: { i_customer_class: iClass, name: 'Government', grace_period: 9 } });
  await onSystem(src, 'VolumeDiscountPlan/delete_volume_discount_plan', { i_vd_plan: 3 });
  const after = await cli(stack);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  const run = await ops(stack, 'POST', {});
  assert.equal((run.json.report as DriftReport).outcome, 'clean');

  const metrics = await (await fetch(`${stack.url('ops')}/metrics`)).text();
  assert.match(metrics, /^webdispatcher_config_drift\{difference="missing_on_target",entity="customer_class"\} 0$/m);
  assert.match(metrics, /^webdispatcher_config_drift_runs_total\{outcome="drift"\} 2$/m);
});

test('configured exclusions leave a field out of the comparison; other fields still count', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { drift: { excludeFields: ['i_env', 'product:info_url'], intervalMs: 0 } } });
  await onSystem(stack.target.urls.admin, 'Product/update_product', { product_info: { i_product: 1, info_url: 'https://example.net/other' } });
  const same = await ops(stack, 'POST', { entities: ['product'] });
  assert.equal((same.json.report as DriftReport).outcome, 'clean');
  await onSystem(stack.target.urls.admin, 'Product/update_product', { product_info: { i_product: 1, description: 'changed on the target' } });
  const r = (await ops(stack, 'POST', { entities: ['product'] })).json.report as DriftReport;
  assert.deepEqual(r.entities.map((e) => e.entity), ['product']);
  assert.deepEqual(byType(r, 'product').differing[0]?.fields.map((f) => f.field), ['description']);
});

test('a system that cannot be read makes the report incomplete (exit 2), naming the system', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { drift: { intervalMs: 0 } } });
  await onSystem(stack.source.urls.admin, 'Product/delete_product', { i_product: 6 });
  const inject = (body: unknown) => fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await inject({ error_rate: 1 });
  const r = await cli(stack, '--format', 'json');
  assert.equal(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout) as DriftReport;
  assert.equal(report.outcome, 'incomplete');
  for (const e of report.entities) {
    assert.equal(e.compared, false);
    assert.match(e.error ?? '', /target/);
  }
  await inject({ error_rate: 0 });
  const healed = await cli(stack);
  assert.equal(healed.code, 1, 'once the target answers, the deleted product shows');
  assert.match(healed.stdout, /^product\s+6\s+.*missing on source$/m);
});

test('the drift API needs the ops token, names unknown types, and says when there is no service login; the CLI exits 2 for each', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { config: { drift: { intervalMs: 0 } } });
  assert.equal((await ops(stack, 'GET', undefined, 'wrong-token-000')).status, 401);
  const before = await ops(stack, 'GET');
  assert.deepEqual({ report: before.json.report, running: before.json.running, intervalMs: before.json.intervalMs }, { report: null, running: false, intervalMs: 0 });
  assert.equal((await cli(stack, '--last')).code, 2);
  const unknown = await ops(stack, 'POST', { entities: ['tariff'] });
  assert.equal(unknown.status, 400);
  assert.match(String(unknown.json.faultstring), /Unknown entity type "tariff"; known: product, customer_class/);
  const bad = await cli(stack, '--entity', 'tariff');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /HTTP 400: Unknown entity type "tariff"/);
  assert.equal((await cli(stack, '--format', 'xml')).code, 2);
  const help = await cli(stack, '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: webdispatcher drift/);

  const bare = await startStack(t, { config: { ops: { token: OPS, serviceLogin: undefined } } });
  const refused = await ops(bare, 'POST', {});
  assert.equal(refused.status, 503);
  assert.match(String(refused.json.faultstring), /ops\.serviceLogin/);
  assert.equal((await cli(bare)).code, 2);
});

test('a target on another API release (a method more in its WSDL) is drift: the report names the WSDL, the CLI lists it', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, {
    config: { drift: { intervalMs: 0, wsdls: ['CustomerAdminService.wsdl', 'AccountAdminService.wsdl'] } },
    targetSimOptions: {
      extendDescription: (services) => {
        const customer = services.find((s) => s.service === 'Customer')!;
        customer.types.GetCustomerCarbonRequest = { fields: { i_customer: { type: 'int', required: true } } };
        customer.types.GetCustomerCarbonResponse = { fields: { grams: { type: 'float' } } };
        customer.methods.get_customer_carbon = { request: 'GetCustomerCarbonRequest', response: 'GetCustomerCarbonResponse' };
        return services;
      },
    },
  });
  const r = (await ops(stack, 'POST', { entities: ['product'] })).json.report as DriftReport;
  assert.equal(r.outcome, 'drift');
  assert.deepEqual(r.api.map((w) => [w.file, w.same]), [['CustomerAdminService.wsdl', false], ['AccountAdminService.wsdl', true]]);
  assert.equal(byType(r, 'product').counts.differing, 0, 'the entities themselves agree');
  const table = await cli(stack, '--entity', 'product');
  assert.equal(table.code, 1, table.stderr);
  assert.match(table.stdout, /CustomerAdminService\.wsdl/);
  assert.doesNotMatch(table.stdout, /AccountAdminService\.wsdl/);
});
