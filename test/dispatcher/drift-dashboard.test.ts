import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { call, login, startStack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('in Chromium, the dashboard\'s drift panel lists each difference of the last report', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`CI requires ${CHROMIUM} for the dashboard browser test`);
    t.skip(`${CHROMIUM} not found`);
    return;
  }
  const stack = await startStack(t, { config: { drift: { intervalMs: 0 } } });
  const target = stack.target.urls.admin;
  const token = await login(target, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const product = (await call(target, 'Product/get_product_info', { i_product: 1 }, token)).json.product_info as { name: string };
  const cls = (await call(target, 'CustomerClass/get_customer_class_info', { i_customer_class: 2 }, token)).json.customer_class_info as { name: string };
  await call(target, 'Product/update_product', { product_info: { i_product: 1, name: 'Renamed on target' } }, token);
  await call(target, 'CustomerClass/delete_customer_class', { i_customer_class: 2 }, token);
  const run = await fetch(`${stack.url('ops')}/v1/drift`, { method: 'POST', headers: { authorization: 'Bearer demo-ops-token' } });
  assert.equal(run.status, 200);

  const profile = mkdtempSync(join(tmpdir(), 'wd-dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = await context.newPage();
  await page.goto(`${stack.url('ops')}/dashboard`);
  await page.fill('#token', 'demo-ops-token');
  await page.click('#loginForm button');
  const rows = page.locator('#drift tbody tr');
  await rows.nth(1).waitFor({ timeout: 30_000 });
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(cells, [
    ['product', '1', product.name, 'differs', 'name', JSON.stringify(product.name), '"Renamed on target"'],
    ['customer_class', '2', cls.name, 'missing on target', '', '', ''],
  ]);
  assert.match((await page.locator('#driftSummary').textContent()) ?? '', /^drift at .* 1 missing on target, 0 missing on source, 1 differing/);
});
