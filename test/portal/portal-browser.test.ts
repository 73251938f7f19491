import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startStack, migrate, login as apiLogin, call } from '../helpers/stack.ts';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join('test-output', 'portal');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Real headless Chromium (Debian's); never a downloaded browser. Missing: fail in CI, else skip. */
function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`CI requires ${CHROMIUM} for the portal browser tests`);
  console.log(`# skipped portal browser tests: ${CHROMIUM} not found`);
  return false;
}

async function launch(t: { after(fn: () => unknown): unknown }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'wd-portal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

async function servedBy(page: Page): Promise<{ role: string | null; env: string | null }> {
  const badge = page.locator('#served-by');
  return { role: await badge.getAttribute('data-role'), env: await badge.getAttribute('data-env') };
}

async function logIn(page: Page, portal: string, login: string, password: string): Promise<void> {
  await page.goto(`${portal}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.selectOption('#realm', 'customer');
  await Promise.all([page.waitForURL(`${portal}/home`), page.click('#submit')]);
}

test('in Chromium, John keeps one portal address across his move, and auto-login links follow the customer\'s location', { timeout: 120_000 }, async (t) => {
  if (!chromiumAvailable()) {
    t.skip(`${CHROMIUM} not found`);
    return;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const stack = await startStack(t);
  const portal = stack.dispatcher.urls.portal!;
  const context = await launch(t);
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  // 1. John logs in at the dispatcher's portal: the source serves him.
  await logIn(page, portal, DEMO_CUSTOMER.login, DEMO_CUSTOMER.password);
  assert.deepEqual(await servedBy(page), { role: 'source', env: '3' });
  const balanceBefore = await page.locator('#balance').textContent();
  assert.equal(balanceBefore, '42.50 USD');
  assert.equal(await page.locator('#user-name').textContent(), DEMO_CUSTOMER.name);
  await shot('01-john-on-source');
  await Promise.all([page.waitForURL(`${portal}/invoices`), page.click('a[href="/invoices"]')]);
  assert.ok(new URL(page.url()).origin === new URL(portal).origin, 'links stay on the dispatcher');

  // 2. He is migrated; his open page asks him to log in again.
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  await page.goto(`${portal}/home`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await page.locator('#message').getAttribute('data-code'), 'moved');
  await shot('02-john-asked-to-log-in-again');

  // 3. Same address, same credentials: the target serves the same balance.
  await logIn(page, portal, DEMO_CUSTOMER.login, DEMO_CUSTOMER.password);
  assert.deepEqual(await servedBy(page), { role: 'target', env: '8' });
  assert.equal(await page.locator('#balance').textContent(), balanceBefore);
  await shot('03-john-on-target');

  // 4. An admin still working on the source mints an auto-login link for John: denied.
  const sourceAdmin = await apiLogin(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const stale = await call(stack.source.urls.admin, 'Customer/get_auto_login_url', { i_customer: DEMO_CUSTOMER.iCustomer }, sourceAdmin);
  assert.equal(stale.status, 200, JSON.stringify(stale.json));
  const staleLink = new URL(String(stale.json.url));
  await context.clearCookies();
  const autoLoginsBefore = stack.source.web.portalStats.autoLogins;
  const denied = await page.goto(`${portal}${staleLink.pathname}${staleLink.search}`);
  assert.equal(denied?.status(), 403);
  assert.equal(await page.locator('#message').getAttribute('data-code'), 'autoLoginMoved');
  assert.match(await page.locator('#message').textContent() ?? '', /moved to another billing system.*click Login again/);
  assert.equal(stack.source.web.portalStats.autoLogins, autoLoginsBefore, 'the token never reached the source');
  await shot('04-auto-login-denied-after-move');

  // 5. A link for a customer still on the source logs in there.
  const live = await call(stack.source.urls.admin, 'Customer/get_auto_login_url', { i_customer: 3 }, sourceAdmin);
  const liveLink = new URL(String(live.json.url));
  await context.clearCookies();
  await page.goto(`${portal}${liveLink.pathname}${liveLink.search}`);
  assert.equal(page.url(), `${portal}/home`);
  assert.deepEqual(await servedBy(page), { role: 'source', env: '3' });
  assert.match(await page.locator('#user-name').textContent() ?? '', /#3$/);
  await shot('05-auto-login-on-source');
});
