import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, migrate, login as apiLogin, call, type Stack } from '../helpers/stack.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

interface Page {
  status: number;
  headers: Headers;
  body: string;
  cookies: string[];
}

/** A tiny cookie-keeping client that never follows redirects (so each hop can be checked). */
class Browser {
  readonly jar = new Map<string, string>();
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  async go(path: string, o: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...o.headers };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const init: RequestInit = { method: o.method ?? (o.form ? 'POST' : 'GET'), headers, redirect: 'manual' };
    if (o.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(o.form).toString();
    }
    const res = await fetch(`${this.base}${path}`, init);
    const cookies = res.headers.getSetCookie();
    for (const c of cookies) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (/max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(eq + 1).trim());
    }
    return { status: res.status, headers: res.headers, body: await res.text(), cookies };
  }

  /** Follows redirects on the dispatcher (refusing any that leave it). */
  async follow(first: Page): Promise<Page> {
    let page = first;
    for (let i = 0; i < 5 && page.status >= 300 && page.status < 400; i++) {
      const loc = page.headers.get('location') ?? '';
      assert.ok(loc.startsWith('/'), `redirect leaves the dispatcher: ${loc}`);
      page = await this.go(loc);
    }
    return page;
  }
}

const backendOrigins = (stack: Stack): string[] => [stack.source.urls.portal!, stack.target.urls.portal!];

function servedBy(body: string): { role: string; env: string } | undefined {
  const m = /id="served-by" data-role="(\w+)" data-env="(\d+)"/.exec(body);
  return m ? { role: m[1]!, env: m[2]! } : undefined;
}

test('John logs in at the one portal address and is bound to the source; redirects, cookies and links stay on the dispatcher', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  const first = await b.go('/');
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/login');
  const form = await b.go('/login');
  assert.match(form.body, /<form method="post" action="\/login">/);
  const login = await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' }, headers: { 'x-request-id': 'portal-req-1' } });
  assert.equal(login.status, 303, login.body);
  assert.equal(login.headers.get('location'), '/home');
  assert.equal(login.headers.get('x-request-id'), 'portal-req-1');
  const binding = login.cookies.find((c) => c.startsWith('wd_portal='));
  assert.ok(binding, 'binding cookie set');
  assert.match(binding, /HttpOnly/);
  assert.match(binding, /SameSite=Lax/);
  const simCookie = login.cookies.find((c) => c.startsWith('sim_selfcare='));
  assert.ok(simCookie, 'the system\'s session cookie is relayed');
  assert.doesNotMatch(simCookie, /Domain=/i);
  const home = await b.follow(login);
  assert.equal(home.status, 200);
  assert.deepEqual(servedBy(home.body), { role: 'source', env: '3' });
  assert.match(home.body, /id="balance">42\.50 USD/);
  assert.match(home.body, /John Doe/);
  for (const origin of backendOrigins(stack)) assert.ok(!home.body.includes(origin), `page links to ${origin}`);
  assert.ok(!home.body.includes('//127.0.0.1'), 'no absolute link left');
  assert.match(home.body, /href="\/invoices"/);
  const invoices = await b.go('/invoices');
  assert.equal(invoices.status, 200);
  assert.match(invoices.body, /INV-1-1/);
  const css = await b.go('/portal.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /text\/css/);
});

test('an account logs in with its phone number and sees its own line, served by the source', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  const home = await b.follow(await b.go('/login', { form: { login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password, realm: 'account' } }));
  assert.equal(home.status, 200, home.body);
  assert.deepEqual(servedBy(home.body), { role: 'source', env: '3' });
  assert.match(home.body, new RegExp(`id="account-id">${DEMO_ACCOUNT.id}`));
});

test('wrong credentials show the dispatcher\'s login page with a message and bind nothing', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  const r = await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: 'wrong', realm: 'customer' } });
  assert.equal(r.status, 401);
  assert.match(r.body, /data-code="failed"/);
  assert.equal(r.cookies.length, 0);
  const home = await b.go('/home');
  assert.equal(home.status, 303);
  assert.equal(home.headers.get('location'), '/login');
});

test('a forged or tampered binding cookie is ignored', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  await b.follow(await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' } }));
  const good = b.jar.get('wd_portal')!;
  const [body = '', mac = ''] = good.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, s: 'target' })).toString('base64url');
  b.jar.set('wd_portal', `${forged}.${mac}`);
  const r = await b.go('/home');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login');
});

test('a customer who moves while logged in is asked to log in again, then lands on the target', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  const before = await b.follow(await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' } }));
  assert.deepEqual(servedBy(before.body), { role: 'source', env: '3' });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const stale = await b.go('/home');
  assert.equal(stale.status, 303);
  assert.equal(stale.headers.get('location'), '/login?m=moved');
  assert.ok(stale.cookies.some((c) => c.startsWith('wd_portal=;') && /Max-Age=0/.test(c)));
  const page = await b.follow(stale);
  assert.match(page.body, /data-code="moved"/);
  const after = await b.follow(await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' } }));
  assert.deepEqual(servedBy(after.body), { role: 'target', env: '8' });
  assert.match(after.body, /id="balance">42\.50 USD/);
});

test('an auto-login link minted on the source for a moved customer is refused and never forwarded', async (t) => {
  const stack = await startStack(t);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const token = await apiLogin(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const minted = await call(stack.source.urls.admin, 'Customer/get_auto_login_url', { i_customer: DEMO_CUSTOMER.iCustomer }, token);
  assert.equal(minted.status, 200, JSON.stringify(minted.json));
  const link = new URL(String(minted.json.url));
  const hitsBefore = stack.source.web.portalStats.requests + stack.target.web.portalStats.requests;
  const b = new Browser(stack.dispatcher.urls.portal!);
  const r = await b.go(`${link.pathname}${link.search}`);
  assert.equal(r.status, 403);
  assert.match(r.body, /data-code="autoLoginMoved"/);
  assert.match(r.body, /click Login again/);
  assert.equal(stack.source.web.portalStats.requests + stack.target.web.portalStats.requests, hitsBefore, 'no system saw the token');
  assert.ok(!b.jar.has('wd_portal'));
});

test('an auto-login link for a customer still on the issuing system logs in there, once', async (t) => {
  const stack = await startStack(t);
  const token = await apiLogin(stack.dispatcher.urls.admin!, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const minted = await call(stack.dispatcher.urls.admin!, 'Customer/get_auto_login_url', { i_customer: 3 }, token);
  assert.equal(minted.status, 200, JSON.stringify(minted.json));
  const link = new URL(String(minted.json.url));
  assert.equal(link.origin, new URL(stack.source.urls.portal!).origin, 'minted by the source, where customer 3 lives');
  const b = new Browser(stack.dispatcher.urls.portal!);
  const home = await b.follow(await b.go(`${link.pathname}${link.search}`));
  assert.equal(home.status, 200, home.body);
  assert.deepEqual(servedBy(home.body), { role: 'source', env: '3' });
  assert.match(home.body, /#3</);
  const again = await new Browser(stack.dispatcher.urls.portal!).go(`${link.pathname}${link.search}`);
  assert.equal(again.status, 403, 'a link logs in once');
});

test('a garbage auto-login token is refused without reaching a system', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  const r = await b.go('/auto-login?token=not-a-token');
  assert.equal(r.status, 400);
  assert.match(r.body, /data-code="autoLoginInvalid"/);
  assert.equal(stack.source.web.portalStats.requests + stack.target.web.portalStats.requests, 0);
});

test('logout ends the system session and the binding', async (t) => {
  const stack = await startStack(t);
  const b = new Browser(stack.dispatcher.urls.portal!);
  await b.follow(await b.go('/login', { form: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' } }));
  const out = await b.go('/logout', { method: 'POST' });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), '/login');
  assert.ok(!b.jar.has('wd_portal'));
  const home = await b.go('/home');
  assert.equal(home.status, 303);
});

test('behind a trusted proxy the portal throttles each browser by its X-Forwarded-For address, not the proxy\'s', async (t) => {
  const stack = await startStack(t, { config: { security: { loginFailures: { max: 1, windowSeconds: 60 }, trustedProxies: ['127.0.0.1'] } } });
  const portal = stack.dispatcher.urls.portal!;
  const attempt = (client: string, loginName: string) =>
    new Browser(portal).go('/login', { form: { login: loginName, password: 'wrong', realm: 'customer' }, headers: { 'x-forwarded-for': client } });
  // Five failures from one browser (five logins: the per-login limit is 1) reach its per-address limit.
  for (let i = 0; i < 5; i++) assert.equal((await attempt('198.51.100.7', `nobody-${i}`)).status, 401);
  const blocked = await attempt('198.51.100.7', 'nobody-else');
  assert.equal(blocked.status, 429);
  assert.match(blocked.body, /data-code="throttled"/);
  // Another browser behind the same proxy is not blocked by them.
  assert.equal((await attempt('198.51.100.8', 'nobody-else')).status, 401);
});
