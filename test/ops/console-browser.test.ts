import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startStack, migrate, login, call } from '../helpers/stack.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join('test-output', 'console');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PERIOD_MS = 300;

/** Texts of a table's body cells, row by row (evaluated in the page). */
async function cells(page: Page, table: string): Promise<string[][]> {
  return page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('in Chromium, the console shows the migration, both systems\' health, live traffic, and drives a campaign from its buttons', { timeout: 180_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`CI requires ${CHROMIUM} for the console browser test`);
    t.skip(`${CHROMIUM} not found`);
    return;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const stack = await startStack(t, {
    sourceCustomers: 20, targetCustomers: 4,
    config: { ops: { checkIntervalMs: PERIOD_MS, totalsIntervalMs: PERIOD_MS, trafficStepMs: PERIOD_MS }, campaigns: { defaultCopy: 'sim', commands: [process.execPath] } },
  });
  const ops = stack.url('ops');
  await migrate(stack, 1, 'target');
  await migrate(stack, 3, 'target');

  const profile = mkdtempSync(join(tmpdir(), 'wd-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  // Sign in once with the ops token; a reload keeps the session (the cookie).
  await page.goto(`${ops}/dashboard`);
  await page.fill('#token', 'demo-ops-token');
  await page.click('#loginForm button');
  await page.locator('#view').waitFor({ state: 'visible', timeout: 30_000 });
  await page.reload();
  await page.locator('#view').waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await page.locator('#login').isVisible(), false, 'no token asked again after a reload');

  // Customers per system: each system's own count next to the directory's.
  const dir = await stack.dispatcher.dispatcher.directory.countLocations();
  const text = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? '';
  await until('totals on the page', async () => [await text('srcTotal'), await text('tgtTotal')], (v) => v[0] === '18' && v[1] === '6');
  assert.equal(await text('dirCounts'), `Directory: ${dir.source} on source, ${dir.target} on target, ${dir.moving} moving`);
  assert.equal(dir.target, 2, 'the two moved customers are placed on the target');
  assert.equal(await text('share'), `${(100 * 6 / 24).toFixed(1)} %`);

  // Both systems' backends up at rest, each with a latency.
  const backends = await until('backend checks', () => cells(page, 'backends'), (rows) => rows.length === 10);
  for (const r of backends) {
    assert.equal(r[2], 'up', `${r[0]} ${r[1]} up at rest`);
    assert.match(r[3]!, /^\d+(\.\d+)? ms$/);
  }
  await shot('at-rest');

  // Live traffic: the calls chart's data grows under a short load.
  // `charts` is the page script's own top-level binding (not a window property): read it by name.
  const callsSeen = () => page.evaluate<number>(`(() => {
    const d = typeof charts === 'undefined' || !charts.chartCalls ? [] : charts.chartCalls.plot.data;
    return d.slice(1).reduce((sum, s) => sum + s.reduce((a, v) => a + (v ?? 0), 0), 0);
  })()`);
  const before = await callsSeen();
  const admin = stack.url('admin');
  const token = await login(admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  const loadEnd = Date.now() + 2000;
  for (let i = 0; i < 2000 && Date.now() < loadEnd; i++) await call(admin, 'Customer/get_customer_info', { i_customer: 1 + 2 * (i % 20) }, token);
  await until('the calls chart moving', callsSeen, (v) => v > before);
  await shot('under-load');

  // A system taken down by the simulator's fault injection is shown down within a few check periods.
  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'reset' }) });
  const down = await until('the target shown down', () => cells(page, 'backends'), (rows) => rows.filter((r) => r[0] === 'target').every((r) => r[2] === 'down'));
  assert.ok(down.filter((r) => r[0] === 'source').every((r) => r[2] === 'up'), 'the source stays up');
  assert.ok(down.filter((r) => r[0] === 'target').every((r) => r[5] !== ''), 'each down row says why');
  await shot('target-down');
  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'DELETE' });
  await until('the target back up', () => cells(page, 'backends'), (rows) => rows.filter((r) => r[0] === 'target').every((r) => r[2] === 'up'));

  // A campaign started and paused from its buttons. Its copy step takes a while per customer, so
  // the pause lands while it runs.
  const campaigns = campaignApi(ops);
  const slowCopy = { type: 'command', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 1500)', '{i_customer}'] };
  assert.equal((await campaigns.create({ name: 'wave-1', customers: [5, 7, 9, 11], batchSize: 1, concurrency: 1, copy: slowCopy })).status, 201);
  const startButton = page.locator('#campaigns button[data-campaign="wave-1"][data-action="start"]');
  await startButton.waitFor({ timeout: 15_000 });
  await startButton.click();
  const pauseButton = page.locator('#campaigns button[data-campaign="wave-1"][data-action="pause"]');
  await pauseButton.waitFor({ timeout: 15_000 });
  await pauseButton.click();
  await page.locator('#campaigns button[data-campaign="wave-1"][data-action="resume"]').waitFor({ timeout: 15_000 });
  const status = await campaigns.status('wave-1');
  assert.equal(status.state, 'paused', JSON.stringify(status));
  const row = (await cells(page, 'campaigns')).find((r) => r[0] === 'wave-1');
  assert.match(row?.[1] ?? '', /^paused/, `the row shows the state: ${JSON.stringify(row)}`);
  await shot('campaign-paused');
  await campaigns.act('wave-1', 'abort');
});
