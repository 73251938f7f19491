// SessionOps.login without simulators: the per-user IP check, the retail pin, and where a retail
// user logs in (the directory first, a customer placed elsewhere, a token without i_customer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionOps } from './session-ops.ts';
import { MemoryLoginThrottle } from './memory-login-throttle.ts';
import { MemorySessionStore } from '../sessions/memory-session-store.ts';
import { SessionTokens } from '../sessions/session-tokens.ts';
import { IpAllowList } from '../core/ip-allow.ts';
import { Metrics } from '../core/metrics.ts';
import { ApiFault, PortaFaultCode } from '../core/faults.ts';
import type { BackendClient, BackendRequest } from '../backends/backend-client.ts';
import type { DispatcherConfig } from '../config/config.ts';
import type { Location, LocationResolver, Locator } from '../core/location.ts';
import type { Realm, SystemName } from '../core/api-call.ts';
import { apiCall, recordingLogger } from '../../test/helpers/stages.ts';

const CONFIG = { routing: { defaultContext: 'source' }, sessions: { ttlSeconds: 3600 }, systems: { source: { env: 3 }, target: { env: 8 } } } as unknown as DispatcherConfig;

const token = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

/** Backends that accept `accepts[system]` (the token's claims) or refuse, and note every request. */
function fakeBackends(accepts: Partial<Record<SystemName, Record<string, unknown>>>, owners: Partial<Record<SystemName, number>> = {}) {
  const log: string[] = [];
  const backends = {
    callJson: async (req: BackendRequest) => {
      log.push(`${req.system} ${req.path}`);
      if (req.path === '/rest/Session/login') {
        const claims = accepts[req.system];
        if (claims === undefined) return { status: 500, json: { faultcode: 'Server.Session.auth_failed', faultstring: `refused by ${req.system}` } };
        return { status: 200, json: { session_id: `sid-${req.system}`, access_token: token(claims), expires_in: 600 } };
      }
      const owner = owners[req.system];
      const key = req.path.includes('account') ? 'account_info' : 'customer_info';
      return owner === undefined ? { status: 500, json: { faultcode: 'Server.x' } } : { status: 200, json: { [key]: { i_customer: owner } } };
    },
    request: async (req: BackendRequest) => {
      log.push(`${req.system} ${req.path}`);
      return { status: 200, headers: {}, body: { dump: async () => undefined } };
    },
  } as unknown as BackendClient;
  return { backends, log };
}

function tableResolver(table: Record<string, Location>): LocationResolver {
  return { resolve: async (l: Locator) => table[JSON.stringify(l)] };
}
const placed = (system: SystemName, resolvedBy: Location['resolvedBy'] = 'directory'): Location => ({ system, state: 'active', resolvedBy });
const keyOf = (key: string, value: string) => JSON.stringify({ kind: 'key', key, value });
const customerOf = (iCustomer: number) => JSON.stringify({ kind: 'customer', iCustomer });

function ops(backends: BackendClient, o: { allow?: IpAllowList; resolver?: LocationResolver } = {}) {
  const sessions = new MemorySessionStore();
  const s = new SessionOps({
    config: CONFIG, backends, sessions, tokens: new SessionTokens('secret'), resolver: o.resolver ?? tableResolver({}),
    throttle: new MemoryLoginThrottle({ max: 100, windowSeconds: 60 }), allow: o.allow ?? new IpAllowList({}), logger: recordingLogger(), metrics: new Metrics(),
  });
  return { s, sessions };
}

const login = (s: SessionOps, realm: Realm, user: string, clientIp = '10.0.0.1') => s.login(apiCall({ realm, clientIp, service: 'Session', method: 'login' }), { login: user, password: 'pw' });
const loginFault = (text: string, code: string = PortaFaultCode.loginFailed) => (e: unknown) => e instanceof ApiFault && e.faultcode === code && e.faultstring === text;

test('a login from an address not on the user\'s allow-list is refused before any backend is asked', async () => {
  const { backends, log } = fakeBackends({ source: { i_user: 1 }, target: { i_user: 2 } });
  const { s } = ops(backends, { allow: new IpAllowList({ 'admin:alice': ['10.0.0.0/8'] }) });
  await assert.rejects(login(s, 'admin', 'alice', '192.0.2.9'), (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Dispatcher.ip_not_allowed' && e.httpStatus === 403 &&
    e.faultstring === 'Client address 192.0.2.9 is not allowed for admin user "alice"');
  assert.deepEqual(log, []);
  assert.equal((await login(s, 'admin', 'alice', '10.2.3.4')).session.login, 'alice');
  assert.equal((await login(s, 'reseller', 'alice', '192.0.2.9')).session.realm, 'reseller', 'the list is the admin user\'s only');
});

test('a retail session is pinned to the system it logged in on, with its customer and account', async () => {
  const { backends } = fakeBackends({ target: { i_customer: 5, i_account: 50 } });
  const { s, sessions } = ops(backends);
  const { session } = await login(s, 'account', 'bob');
  const stored = await sessions.get(session.id);
  assert.equal(stored?.pinned, 'target');
  assert.equal(stored?.iCustomer, 5);
  assert.equal(stored?.iAccount, 50);
  const admin = await ops(fakeBackends({ source: { i_user: 1 }, target: { i_user: 1, i_customer: 5 } }).backends).s.login(apiCall({ realm: 'admin' }), { login: 'root', password: 'pw' });
  assert.equal(admin.session.pinned, undefined, 'an admin session is not pinned');
  assert.equal(admin.session.iCustomer, undefined);
});

test('a retail user the directory places (or discovery found) logs in there only; otherwise on the target, then the source', async () => {
  for (const resolvedBy of ['directory', 'discovered'] as const) {
    const { backends, log } = fakeBackends({ source: { i_customer: 6 } });
    const { s } = ops(backends, { resolver: tableResolver({ [keyOf('customer-login', 'carol')]: placed('source', resolvedBy), [customerOf(6)]: placed('source') }) });
    assert.equal((await login(s, 'customer', 'carol')).session.pinned, 'source');
    assert.deepEqual(log, ['source /rest/Session/login'], resolvedBy);
  }
  // A guess (parity, assume-source) is no placement; nor is nothing.
  for (const table of [{ [keyOf('customer-login', 'carol')]: placed('source', 'assume-source') }, {}]) {
    const { backends, log } = fakeBackends({ source: { i_customer: 6 } });
    const { s } = ops(backends, { resolver: tableResolver(table) });
    assert.equal((await login(s, 'customer', 'carol')).session.pinned, 'source');
    assert.deepEqual(log, ['target /rest/Session/login', 'source /rest/Session/login']);
  }
  // An account is placed by its login or its id.
  const { backends, log } = fakeBackends({ source: { i_customer: 6, i_account: 60 } });
  const { s } = ops(backends, { resolver: tableResolver({ [keyOf('account-id', '3580060')]: placed('source') }) });
  assert.equal((await login(s, 'account', '3580060')).session.pinned, 'source');
  assert.deepEqual(log, ['source /rest/Session/login']);
});

test('a retail login is refused where the directory places the user\'s customer elsewhere, and tried there once', async () => {
  // Logged in on the target, but customer 7 lives on the source (a copy left behind): logged out, the source tried.
  const moved = fakeBackends({ target: { i_customer: 7 }, source: { i_customer: 7 } });
  const a = ops(moved.backends, { resolver: tableResolver({ [customerOf(7)]: placed('source') }) });
  assert.equal((await login(a.s, 'customer', 'dan')).session.pinned, 'source');
  assert.deepEqual(moved.log, ['target /rest/Session/login', 'target /rest/Session/logout', 'source /rest/Session/login']);

  // The source refuses: the client is told where the user lives now, and the source was asked once.
  const refused = fakeBackends({ target: { i_customer: 7 } });
  const b = ops(refused.backends, { resolver: tableResolver({ [customerOf(7)]: placed('source') }) });
  await assert.rejects(login(b.s, 'customer', 'dan'), loginFault('This user now lives on the source system'));
  assert.deepEqual(refused.log, ['target /rest/Session/login', 'target /rest/Session/logout', 'source /rest/Session/login']);

  // Placed by the directory on the target, the customer on the source: the source is tried after the target.
  const placedThere = fakeBackends({ target: { i_customer: 7 }, source: { i_customer: 7 } });
  const c = ops(placedThere.backends, { resolver: tableResolver({ [keyOf('customer-login', 'dan')]: placed('target'), [customerOf(7)]: placed('source') }) });
  assert.equal((await login(c.s, 'customer', 'dan')).session.pinned, 'source');

  // The customer located where the user logged in: no second try.
  const home = fakeBackends({ target: { i_customer: 7 }, source: { i_customer: 7 } });
  const d = ops(home.backends, { resolver: tableResolver({ [customerOf(7)]: placed('target') }) });
  assert.equal((await login(d.s, 'customer', 'dan')).session.pinned, 'target');
  assert.deepEqual(home.log, ['target /rest/Session/login']);
});

test('a retail backend session whose token names no customer is asked for it; one that cannot say refuses the login', async () => {
  const asked = fakeBackends({ target: { i_account: 80 } }, { target: 8 });
  const a = ops(asked.backends);
  const { session } = await login(a.s, 'account', 'erin');
  assert.equal(session.iCustomer, 8);
  assert.deepEqual(asked.log, ['target /rest/Session/login', 'target /rest/Account/get_account_info']);

  const customer = fakeBackends({ target: {} }, { target: 9 });
  assert.equal((await login(ops(customer.backends).s, 'customer', 'erin')).session.iCustomer, 9);
  assert.deepEqual(customer.log, ['target /rest/Session/login', 'target /rest/Customer/get_customer_info']);

  const silent = fakeBackends({ target: { i_account: 80 }, source: { i_account: 80, i_customer: 8 } });
  await assert.rejects(login(ops(silent.backends).s, 'account', 'erin'),
    loginFault('Cannot tell which customer "erin" belongs to on the target system', 'Server.Dispatcher.backend_unavailable'));
  assert.deepEqual(silent.log, ['target /rest/Session/login', 'target /rest/Account/get_account_info', 'target /rest/Session/logout'], 'logged out, the source not tried');

  const known = fakeBackends({ target: { i_customer: 10 } }, { target: 11 });
  assert.equal((await login(ops(known.backends).s, 'customer', 'erin')).session.iCustomer, 10);
  assert.deepEqual(known.log, ['target /rest/Session/login'], 'a token naming its customer is not asked');
});
