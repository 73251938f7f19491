import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startStack } from '../helpers/stack.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('in Chromium, the console\'s reconcile panel lists each finding of the last report', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`CI requires ${CHROMIUM} for the console browser test`);
    t.skip(`${CHROMIUM} not found`);
    return;
  }
  const stack = await startStack(t);
  await stack.dispatcher.dispatcher.directory.putCustomer({ iCustomer: 1, system: 'target' });
  const run = await fetch(`${stack.url('ops')}/v1/directory/reconcile`, { method: 'POST', headers: { authorization: 'Bearer demo-ops-token' } });
  assert.equal(run.status, 200);

  const profile = mkdtempSync(join(tmpdir(), 'wd-reconcile-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = await context.newPage();
  await page.goto(`${stack.url('ops')}/dashboard`);
  await page.fill('#token', 'demo-ops-token');
  await page.click('#loginForm button');
  const rows = page.locator('#reconcile tbody tr');
  await rows.first().waitFor({ timeout: 30_000 });
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(cells, [['misplaced', '1', 'target', 'source']]);
  assert.match((await page.locator('#reconcileSummary').textContent()) ?? '', /^found at .* 1 misplaced, 0 absent, 0 unlisted, 0 onBoth · 50 active on source, 10 on target, 1 entries/);
});
