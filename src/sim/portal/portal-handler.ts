import { isApiFault } from '../../core/faults.ts';
import type { JsonObject } from '../../core/api-call.ts';
import type { SimSystem } from '../api/sim-context.ts';
import type { AutoLoginSigner } from './auto-login-token.ts';
import { PortalSessions, type PortalUser } from './portal-sessions.ts';
import { loginForm, money, portalPage, table, type ServedBy } from './portal-pages.ts';
import type { WebHandler, WebRequest, WebResponse } from './web-listener.ts';

/** The simulated portal's session cookie. */
export const SIM_PORTAL_COOKIE = 'sim_selfcare';

/** Request counters (tests prove that refused requests never reached a system). */
export interface PortalStats {
  requests: number;
  autoLogins: number;
}

const HTML = 'text/html; charset=utf-8';
const XDR_COLUMNS = ['connect_time', 'CLI', 'CLD', 'charged_quantity', 'charged_amount', 'description'];
const INVOICE_COLUMNS = ['invoice_number', 'period_from', 'period_to', 'issue_date', 'amount_due', 'iso_4217', 'invoice_status_desc'];
const RECENT_XDRS = 20;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The self-care portal of one simulated system: login (customers and accounts of this system),
 * summary with balance, invoices, recent calls, logout, and `/auto-login?token=` for links an
 * admin minted with `Customer/get_auto_login_url`. Every page names the serving system.
 */
export function createPortalHandler(o: { sys: SimSystem; signer: AutoLoginSigner; origin: () => string; host: string; stats: PortalStats }): WebHandler {
  const { sys, signer, stats } = o;
  const sessions = new PortalSessions();
  const served: ServedBy = { role: sys.role, env: sys.env };

  const page = (status: number, title: string, body: string, user?: string, extra: Record<string, string | string[]> = {}): WebResponse => {
    const html = portalPage({ title, served, origin: o.origin(), body, ...(user === undefined ? {} : { user }) });
    return { status, headers: { 'content-type': HTML, 'cache-control': 'no-store', ...extra }, body: html };
  };
  const redirect = (path: string, cookie?: string): WebResponse => ({
    status: 303,
    headers: { location: `${o.origin()}${path}`, 'cache-control': 'no-store', ...(cookie === undefined ? {} : { 'set-cookie': cookie }) },
    body: '',
  });
  // Domain names this system's host, as a real portal behind its own hostname does; a front end
  // serving it under another address has to drop it.
  const sessionCookie = (id: string): string => `${SIM_PORTAL_COOKIE}=${id}; Path=/; Domain=${o.host}; HttpOnly; SameSite=Lax`;
  const clearCookie = `${SIM_PORTAL_COOKIE}=; Path=/; Domain=${o.host}; Max-Age=0; HttpOnly; SameSite=Lax`;
  const loginPage = (status: number, message?: string): WebResponse => page(status, 'Log in', loginForm(o.origin(), message));

  /** The user of this request's session, if it is live and its customer still lives here. */
  const current = (req: WebRequest): { id: string; user: PortalUser } | undefined => {
    const id = cookieValue(req.headers.cookie, SIM_PORTAL_COOKIE);
    const user = id === undefined ? undefined : sessions.get(id);
    if (id === undefined || user === undefined) return undefined;
    if (sys.store.movedMark(user.i_customer) || !sys.store.getCustomer(user.i_customer)) {
      sessions.close(id);
      return undefined;
    }
    return { id, user };
  };

  const displayName = (user: PortalUser): string => {
    const c = sys.store.getCustomer(user.i_customer);
    if (user.realm === 'customer') return c?.name ?? `customer ${user.i_customer}`;
    const a = sys.store.getAccount(user.i_account);
    return `${a?.id ?? user.i_account} (${c?.name ?? user.i_customer})`;
  };

  const xdrsOf = (user: PortalUser): JsonObject[] => {
    const ids = user.realm === 'account' ? [user.i_account] : sys.store.accountIdsOf(user.i_customer);
    const all = ids.flatMap((id) => {
      const a = sys.store.getAccount(id);
      return a ? sys.store.xdrsOf(a) : [];
    });
    return all.sort((x, y) => String(y.connect_time).localeCompare(String(x.connect_time))).slice(0, RECENT_XDRS);
  };

  const summary = (user: PortalUser): WebResponse => {
    const c = sys.store.getCustomer(user.i_customer);
    const a = user.realm === 'account' ? sys.store.getAccount(user.i_account) : undefined;
    const rec = a ?? c;
    const invoices = sys.store.invoicesOf(user.i_customer);
    const open = invoices.filter((i) => i.invoice_status_desc === 'Open').length;
    const body = `<p class="balance">Balance: <span id="balance">${money(rec?.balance, rec?.iso_4217)}</span></p>`
      + `<p>Credit limit: ${rec?.credit_limit === null || rec?.credit_limit === undefined ? 'none' : money(rec.credit_limit, rec.iso_4217)}</p>`
      + `<p id="invoice-summary">${invoices.length} invoice(s), ${open} open</p>`
      + (a ? `<p>Phone number: <span id="account-id">${a.id}</span></p>` : `<p>Phone lines: ${sys.store.accountIdsOf(user.i_customer).length}</p>`);
    return page(200, 'Account summary', body, displayName(user));
  };

  const login = (req: WebRequest): WebResponse => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const loginName = form.get('login') ?? '';
    const password = form.get('password') ?? '';
    const realm = form.get('realm') === 'account' ? 'account' : 'customer';
    if (loginName === '' || password === '') return loginPage(400, 'Enter your login and password');
    try {
      const p = sys.sessions.authenticate(realm, loginName, { password }, req.clientIp);
      if (p.realm !== 'customer' && p.realm !== 'account') return loginPage(401, 'Login failed');
      const user: PortalUser = p.realm === 'account' ? { realm: 'account', i_account: p.i_account, i_customer: p.i_customer } : { realm: 'customer', i_customer: p.i_customer };
      return redirect('/home', sessionCookie(sessions.open(user)));
    } catch (err) {
      if (isApiFault(err)) return loginPage(401, `Login failed: ${err.faultstring}`);
      throw err;
    }
  };

  const autoLogin = (req: WebRequest): WebResponse => {
    stats.autoLogins++;
    const claims = signer.redeem(req.query.get('token') ?? '');
    if ('refused' in claims) return loginPage(403, `${claims.refused}. Log in with your credentials.`);
    const mark = sys.store.movedMark(claims.i_customer);
    if (mark || !sys.store.getCustomer(claims.i_customer)) {
      return loginPage(403, 'This customer does not live on this system any more; automatic login is refused. Log in with your credentials.');
    }
    let user: PortalUser = { realm: 'customer', i_customer: claims.i_customer };
    if (claims.realm === 'account') {
      const a = claims.i_account === undefined ? undefined : sys.store.getAccount(claims.i_account);
      if (!a || a.i_customer !== claims.i_customer) return loginPage(403, 'The account of this link is not on this system. Log in with your credentials.');
      user = { realm: 'account', i_account: a.i_account, i_customer: a.i_customer };
    }
    return redirect('/home', sessionCookie(sessions.open(user)));
  };

  return (req) => {
    stats.requests++;
    const path = req.rawPath.replace(/\/+$/, '') || '/';
    const key = `${req.method === 'HEAD' ? 'GET' : req.method} ${path}`;
    if (key === 'GET /portal.css') return { status: 200, headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' }, body: 'h1{font-weight:600}\n' };
    if (key === 'GET /login') return current(req) ? redirect('/home') : loginPage(200);
    if (key === 'POST /login') return login(req);
    if (key === 'GET /auto-login') return autoLogin(req);
    if (key === 'POST /logout') {
      const s = current(req);
      if (s) sessions.close(s.id);
      return redirect('/login', clearCookie);
    }
    const s = current(req);
    if (key === 'GET /') return redirect(s ? '/home' : '/login');
    if (!['GET /home', 'GET /invoices', 'GET /xdrs'].includes(key)) return page(404, 'Not found', '<p>No such page.</p>', s ? displayName(s.user) : undefined);
    if (!s) return redirect('/login');
    if (key === 'GET /home') return summary(s.user);
    if (key === 'GET /invoices') return page(200, 'Invoices', table('invoices', INVOICE_COLUMNS, sys.store.invoicesOf(s.user.i_customer)), displayName(s.user));
    return page(200, 'Recent calls', table('xdrs', XDR_COLUMNS, xdrsOf(s.user)), displayName(s.user));
  };
}
