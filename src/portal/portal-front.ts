import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { DispatcherConfig } from '../config/config.ts';
import { SYSTEMS, type SystemName } from '../core/api-call.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import { backendLogin, backendLogout } from '../backends/backend-sessions.ts';
import type { LoginThrottle } from '../execution/login-throttle.ts';
import { MemoryLoginThrottle } from '../execution/memory-login-throttle.ts';
import { ApiFault, PortaFaultCode, isApiFault } from '../core/faults.ts';
import { OriginPools } from './origin-pools.ts';
import { readWithin } from './read-within.ts';
import { isHopByHop } from './proxy-headers.ts';
import { requestIdOf } from '../core/request-id.ts';
import { ClientAddress } from '../core/client-address.ts';
import { BINDING_COOKIE, BindingCookies, cookieHeaderWithout, cookieValue, type PortalBinding } from './binding-cookie.ts';
import { readAutoLoginClaims } from './auto-login-claims.ts';
import { loginPageHtml, type PortalMessage } from './login-page.ts';
import { isRewritableType, portalOrigin, rewriteBody, rewriteLocation, rewriteSetCookie, type PortalOrigin } from './rewrite.ts';

/** Where the systems' portals take a login form and redeem an auto-login link. */
export const PORTAL_LOGIN_PATH = '/login';
export const PORTAL_AUTO_LOGIN_PATH = '/auto-login';
export const PORTAL_LOGOUT_PATH = '/logout';
/** Login forms are tiny. */
const MAX_FORM_BYTES = 16 * 1024;
/** Pages are buffered (to rewrite links) up to this size; larger ones stream unchanged. */
const MAX_REWRITE_BYTES = 4 * 1024 * 1024;

export interface PortalFront {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

export interface PortalFrontDeps {
  config: DispatcherConfig;
  resolver: LocationResolver;
  backends: BackendClient;
  logger: Logger;
  /** The login throttle the API shares (Redis in a cluster); default: this node's memory. */
  throttle?: LoginThrottle;
}

interface ProxyOptions {
  /** Set-Cookie values added to the reply (e.g. clearing the binding at logout). */
  extraCookies?: string[];
  /** The binding cookie, added only if the system's reply is a successful login. */
  bindOnSuccess?: string;
  contentType?: string;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  clientIp: string;
  tls: boolean;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The self-care portal front (SPEC §4.5): one address for every retail user. The login form's
 * credentials decide the system (directory first, then the target, then the source, as for an API
 * retail login); the browser is then bound to that system by a signed cookie (HMAC with
 * `sessions.secret`, HttpOnly, SameSite=Lax) naming the customer, and every later request is
 * proxied there with redirects, cookies and absolute links rewritten onto this address. The bound
 * customer's location is checked on every request: after a move the browser is asked to log in
 * again. Auto-login links issued by a system the customer no longer lives on are refused here and
 * never forwarded (fraud protection).
 */
export function createPortalFront(deps: PortalFrontDeps): PortalFront {
  const { config, resolver, backends, logger } = deps;
  const cookies = new BindingCookies(config.sessions.secret);
  const pools = new OriginPools(config);
  // The same client address as the API's (X-Forwarded-For from trusted proxies only): the login
  // throttle and the logs count the browser, not the load balancer.
  const clientAddress = new ClientAddress(config.security.trustedProxies);
  const throttle = deps.throttle ?? new MemoryLoginThrottle(config.security.loginFailures);
  const bases: Partial<Record<SystemName, PortalOrigin>> = {};
  for (const s of SYSTEMS) {
    const url = config.systems[s].urls.portal;
    if (url !== undefined) bases[s] = portalOrigin(url);
  }
  const systemOfEnv = (env: number): SystemName | undefined => SYSTEMS.find((s) => config.systems[s].env === env);
  /** The bound system's origin first: relative redirects are read against it. */
  const originsFor = (system: SystemName): PortalOrigin[] =>
    [bases[system], ...SYSTEMS.filter((s) => s !== system).map((s) => bases[s])].filter((o): o is PortalOrigin => o !== undefined);

  const send = (c: Ctx, status: number, headers: Record<string, string | string[]>, body: string): void => {
    c.res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    c.res.end(c.req.method === 'HEAD' ? undefined : body);
  };
  const loginPage = (c: Ctx, status: number, message?: PortalMessage, extra: Record<string, string | string[]> = {}): void =>
    send(c, status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra }, loginPageHtml(message));
  const redirect = (c: Ctx, location: string, setCookie?: string): void =>
    send(c, 303, { location, 'cache-control': 'no-store', ...(setCookie === undefined ? {} : { 'set-cookie': setCookie }) }, '');

  /**
   * Forwards one request to a system's portal and relays the reply onto this address (or a login
   * page when the system cannot be reached).
   */
  const proxy = async (c: Ctx, system: SystemName, path: string, body: Buffer | undefined, opts: ProxyOptions = {}): Promise<void> => {
    const base = bases[system];
    if (base === undefined) {
      loginPage(c, 503, 'unavailable');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(c.req.headers)) {
      if (value === undefined || isHopByHop(name, c.req.headers.connection)) continue;
      if (['host', 'cookie', 'content-length', 'accept-encoding', 'origin', 'referer', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
    // The dispatcher's own cookie stays here; the system sees only its own.
    const cookie = cookieHeaderWithout(c.req.headers.cookie, BINDING_COOKIE);
    if (cookie !== undefined) headers.cookie = cookie;
    headers['x-request-id'] = c.requestId;
    headers['x-forwarded-for'] = c.clientIp;
    headers['x-forwarded-proto'] = c.tls ? 'https' : 'http';
    if (typeof c.req.headers.host === 'string') headers['x-forwarded-host'] = c.req.headers.host;
    // Links can only be rewritten in bodies we can read.
    headers['accept-encoding'] = 'identity';
    // Same-origin checks on the system compare against its own address.
    if (c.req.headers.origin !== undefined) headers.origin = base.origin;
    if (typeof c.req.headers.referer === 'string') {
      try {
        headers.referer = `${base.origin}${base.prefix}${new URL(c.req.headers.referer).pathname}`;
      } catch { /* an unparsable referer is dropped */ }
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    let reply: UndiciDispatcher.ResponseData;
    try {
      reply = await pools.get(base.origin).request({ method: (c.req.method ?? 'GET') as UndiciDispatcher.HttpMethod, path: `${base.prefix}${path}`, headers, ...(body === undefined ? {} : { body }) });
    } catch (err) {
      logger.error('portal backend failed', { system, requestId: c.requestId, error: err instanceof Error ? err.message : String(err) });
      loginPage(c, 502, 'unavailable');
      return;
    }
    const origins = originsFor(system);
    const out: Record<string, string | string[]> = { 'x-request-id': c.requestId };
    const setCookies: string[] = [];
    let contentType: string | undefined;
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined || isHopByHop(name, reply.headers.connection)) continue;
      const values = Array.isArray(value) ? value : [value];
      if (name === 'set-cookie') {
        for (const v of values) {
          const rewritten = rewriteSetCookie(v, base.prefix, c.tls, BINDING_COOKIE);
          if (rewritten !== undefined) setCookies.push(rewritten);
        }
      } else if (name === 'location' || name === 'content-location') {
        out[name] = rewriteLocation(values[0] ?? '', origins);
      } else if (name !== 'content-length' && name !== 'x-request-id') {
        out[name] = values.length === 1 ? values[0] ?? '' : values;
        if (name === 'content-type') contentType = values[0];
      }
    }
    const allCookies = [...setCookies, ...(opts.extraCookies ?? [])];
    // A redirect that sets the system's session cookie is a successful login on the portals we
    // front: only then is the browser bound.
    if (opts.bindOnSuccess !== undefined && reply.statusCode >= 300 && reply.statusCode < 400 && setCookies.length > 0) allCookies.push(opts.bindOnSuccess);
    if (allCookies.length > 0) out['set-cookie'] = allCookies;
    const encoded = reply.headers['content-encoding'] !== undefined && reply.headers['content-encoding'] !== 'identity';
    const declared = Number(reply.headers['content-length'] ?? 0);
    if (c.req.method !== 'HEAD' && isRewritableType(contentType) && !encoded && declared <= MAX_REWRITE_BYTES) {
      // A chunked page has no declared length: read at most the limit; a larger one is passed on
      // unrewritten rather than buffered whole.
      let page;
      try {
        page = await readWithin(reply.body, MAX_REWRITE_BYTES, config.timeouts.bodyMs, 'page');
      } catch (err) {
        // The page broke off before anything was sent: the browser gets the unavailable page, not a cut connection.
        logger.error('portal backend failed', { system, requestId: c.requestId, error: err instanceof Error ? err.message : String(err) });
        loginPage(c, 502, 'unavailable');
        return;
      }
      if (page.whole) {
        send(c, reply.statusCode, out, rewriteBody(Buffer.concat(page.chunks).toString('utf8'), origins));
        return;
      }
      c.res.writeHead(reply.statusCode, out);
      for (const chunk of page.chunks) c.res.write(chunk);
      for await (const chunk of page.rest) c.res.write(chunk as Buffer);
      c.res.end();
    } else {
      if (typeof reply.headers['content-length'] === 'string') out['content-length'] = reply.headers['content-length'];
      c.res.writeHead(reply.statusCode, out);
      if (c.req.method === 'HEAD') {
        await reply.body.dump();
        c.res.end();
      } else await pipeline(reply.body, c.res);
    }
  };

  /** Which system a retail user's credentials belong to (where that user lives now). */
  const chooseSystem = async (realm: 'customer' | 'account', login: string, password: string, requestId: string): Promise<{ system: SystemName; iCustomer: number; iAccount?: number } | undefined> => {
    const keys = realm === 'customer' ? (['customer-login'] as const) : (['account-login', 'account-id'] as const);
    let order: SystemName[] = ['target', 'source'];
    for (const key of keys) {
      const loc = await resolver.resolve({ kind: 'key', key, value: login });
      if (loc !== undefined && (loc.resolvedBy === 'directory' || loc.resolvedBy === 'discovered')) {
        order = [loc.system];
        break;
      }
    }
    for (let i = 0; i < order.length && i < SYSTEMS.length + 1; i++) {
      const system = order[i]!;
      if (bases[system] === undefined) continue;
      const result = await backendLogin(backends, system, realm, { login, password }, requestId);
      if (result instanceof ApiFault) continue;
      // The portal session is the system's own; the API session only proved the credentials.
      await backendLogout(backends, system, realm, result.session, requestId);
      const iCustomer = result.claims.i_customer;
      if (typeof iCustomer !== 'number') continue;
      // A record moved away may still accept logins on the old system: trust the location.
      const loc = await resolver.resolve({ kind: 'customer', iCustomer });
      if (loc !== undefined && loc.system !== system) {
        if (!order.includes(loc.system)) order.push(loc.system);
        continue;
      }
      const iAccount = result.claims.i_account;
      return { system, iCustomer, ...(typeof iAccount === 'number' ? { iAccount } : {}) };
    }
    return undefined;
  };

  const bindingCookie = (c: Ctx, b: Omit<PortalBinding, 'issuedAt'>): string =>
    cookies.header(cookies.sign({ ...b, issuedAt: Math.floor(Date.now() / 1000) }), c.tls);

  const login = async (c: Ctx): Promise<void> => {
    const form = await readForm(c.req);
    if (form === undefined) return loginPage(c, 413, 'failed');
    const name = form.get('login') ?? '';
    const password = form.get('password') ?? '';
    const realm = form.get('realm') === 'account' ? 'account' : 'customer';
    if (name === '' || password === '') return loginPage(c, 400, 'missing');
    if (Object.keys(bases).length === 0) return loginPage(c, 503, 'unavailable');
    try {
      await throttle.check(realm, name, c.clientIp);
    } catch (err) {
      // Over the limit, or the shared throttle's store is away (then no count can be trusted).
      return isApiFault(err) && err.faultcode === PortaFaultCode.bruteForce ? loginPage(c, 429, 'throttled') : loginPage(c, 503, 'unavailable');
    }
    const chosen = await chooseSystem(realm, name, password, c.requestId);
    if (chosen === undefined) {
      await throttle.fail(realm, name, c.clientIp);
      logger.info('portal login refused', { realm, requestId: c.requestId });
      return loginPage(c, 401, 'failed');
    }
    await throttle.succeed(realm, name);
    logger.info('portal login', { realm, system: chosen.system, i_customer: chosen.iCustomer, requestId: c.requestId });
    const body = Buffer.from(new URLSearchParams({ login: name, password, realm }).toString());
    const bind = bindingCookie(c, { system: chosen.system, realm, iCustomer: chosen.iCustomer, ...(chosen.iAccount === undefined ? {} : { iAccount: chosen.iAccount }) });
    await proxy(c, chosen.system, PORTAL_LOGIN_PATH, body, { bindOnSuccess: bind, contentType: 'application/x-www-form-urlencoded' });
  };

  const autoLogin = async (c: Ctx, url: URL): Promise<void> => {
    c.req.resume();
    const token = url.searchParams.get('token') ?? '';
    const claims = readAutoLoginClaims(token);
    const issuer = claims === undefined ? undefined : systemOfEnv(claims.iEnv);
    if (claims === undefined || issuer === undefined) {
      logger.warn('portal auto-login refused: unreadable token', { requestId: c.requestId, client: c.clientIp });
      return loginPage(c, 400, 'autoLoginInvalid');
    }
    const loc = await resolver.resolve({ kind: 'customer', iCustomer: claims.iCustomer });
    if (loc === undefined || loc.system !== issuer) {
      // Fraud protection (SPEC §4.5): the link comes from outside and names a customer the
      // issuing system no longer holds. It is not forwarded anywhere.
      logger.warn('portal auto-login refused: customer moved', { requestId: c.requestId, i_customer: claims.iCustomer, issuer, location: loc?.system ?? 'unknown', client: c.clientIp });
      return loginPage(c, 403, 'autoLoginMoved', { 'set-cookie': cookies.clearHeader(c.tls) });
    }
    logger.info('portal auto-login', { requestId: c.requestId, i_customer: claims.iCustomer, system: issuer });
    const bind = bindingCookie(c, { system: issuer, realm: claims.realm, iCustomer: claims.iCustomer, ...(claims.iAccount === undefined ? {} : { iAccount: claims.iAccount }) });
    await proxy(c, issuer, `${url.pathname}${url.search}`, undefined, { bindOnSuccess: bind });
  };

  return {
    async handle(req, res) {
      const c: Ctx = {
        req, res,
        requestId: requestIdOf(req.headers),
        clientIp: clientAddress.of(req),
        tls: (req.socket as TLSSocket).encrypted === true,
      };
      res.setHeader('x-request-id', c.requestId);
      const target = req.url ?? '/';
      if (!target.startsWith('/') || target.startsWith('//') || target.length > 8192) {
        req.resume();
        return send(c, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'Bad request target\n');
      }
      const url = new URL(target, 'http://portal.invalid');
      const method = req.method ?? 'GET';
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path === PORTAL_LOGIN_PATH && method === 'POST') return login(c);
      if (path === PORTAL_AUTO_LOGIN_PATH && (method === 'GET' || method === 'HEAD')) return autoLogin(c, url);

      const binding = cookies.verify(cookieValue(req.headers.cookie, BINDING_COOKIE));
      if (binding === undefined) {
        req.resume();
        if (path === PORTAL_LOGIN_PATH && (method === 'GET' || method === 'HEAD')) {
          const m = url.searchParams.get('m');
          return loginPage(c, 200, m === 'moved' || m === 'loggedOut' || m === 'expired' ? m : undefined);
        }
        return redirect(c, PORTAL_LOGIN_PATH);
      }
      const loc = await resolver.resolve({ kind: 'customer', iCustomer: binding.iCustomer });
      if (loc === undefined || loc.system !== binding.system) {
        req.resume();
        logger.info('portal binding ended: customer moved', { requestId: c.requestId, i_customer: binding.iCustomer, bound: binding.system, location: loc?.system ?? 'unknown' });
        return redirect(c, `${PORTAL_LOGIN_PATH}?m=moved`, cookies.clearHeader(c.tls));
      }
      let body: Buffer | undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > config.limits.bodyBytes) return send(c, 413, { 'content-type': 'text/plain; charset=utf-8' }, 'Request body too large\n');
          chunks.push(chunk as Buffer);
        }
        body = Buffer.concat(chunks);
      }
      const extraCookies = path === PORTAL_LOGOUT_PATH ? [cookies.clearHeader(c.tls)] : [];
      await proxy(c, binding.system, `${url.pathname}${url.search}`, body, { extraCookies });
    },
    close: () => pools.close(),
  };
}
