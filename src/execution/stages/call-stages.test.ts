// The small call stages one by one: allow, authenticate, locate, route, observe, session-op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowStage, checkAllowed } from './allow-stage.ts';
import { authenticateStage, authenticator } from './authenticate-stage.ts';
import { locateStage } from './locate-stage.ts';
import { routeSession, routeStage } from './route-stage.ts';
import { observeStage } from './observe-stage.ts';
import { sessionOpStage } from './session-op-stage.ts';
import { IpAllowList } from '../../core/ip-allow.ts';
import { MemorySessionStore } from '../../sessions/memory-session-store.ts';
import { SessionTokens } from '../../sessions/session-tokens.ts';
import { Metrics } from '../../core/metrics.ts';
import { ApiFault, PortaFaultCode } from '../../core/faults.ts';
import { route } from '../../routing/router.ts';
import type { ApiCall } from '../../core/api-call.ts';
import type { Location, LocationResolver, Locator } from '../../core/location.ts';
import type { BackendClient } from '../../backends/backend-client.ts';
import type { RouterConfig } from '../../routing/route-input.ts';
import type { Plan } from '../../routing/plan.ts';
import type { Reply } from '../../core/reply.ts';
import type { SessionOps } from '../session-ops.ts';
import type { CallContext } from '../pipeline.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import { apiCall, jsonOk, session } from '../../../test/helpers/stages.ts';

const ctxOf = (call: ApiCall, o: Partial<CallContext> = {}): CallContext => ({ call, raw: {} as never, ...o });
const ok = jsonOk({ ok: 1 });
const isFault = (code: string, text?: string) => (e: unknown) => e instanceof ApiFault && e.faultcode === code && (text === undefined || e.faultstring === text);

const ROUTER: RouterConfig = { envs: { source: 1, target: 2 }, listMerge: new Set(), broadcastServices: new Set(), paging: 'per-system', unroutableWrites: 'refuse' };

test('the allow stage checks the session\'s user (realm:login) against the allow-list on every call', async () => {
  const allow = new IpAllowList({ 'admin:alice': ['10.0.0.0/8'] });
  const s = session({ realm: 'admin', login: 'alice' });
  assert.equal(await allowStage(allow)(ctxOf(apiCall({ clientIp: '10.1.1.1' }), { session: s }), async () => ok), ok);
  assert.throws(() => allowStage(allow)(ctxOf(apiCall({ clientIp: '192.0.2.7' }), { session: s }), async () => ok), (e: unknown) =>
    isFault('Server.Dispatcher.ip_not_allowed', 'Client address 192.0.2.7 is not allowed for admin user "alice"')(e) && (e as ApiFault).httpStatus === 403);
  // Another user of the realm, or the same login in another realm, has no list.
  checkAllowed(allow, session({ realm: 'admin', login: 'bob' }), apiCall({ clientIp: '192.0.2.7' }));
  checkAllowed(allow, session({ realm: 'reseller', login: 'alice' }), apiCall({ clientIp: '192.0.2.7' }));
});

test('the authenticator finds the session by access token or session id, in the call\'s realm only', async () => {
  const store = new MemorySessionStore();
  const tokens = new SessionTokens('test-secret');
  const s = session({ id: 'a'.repeat(48), realm: 'admin' });
  await store.put(s);
  const token = tokens.loginReply(s, 1, 1).access_token;
  const auth = authenticator(store, tokens);
  assert.equal((await auth(apiCall({ credentials: { accessToken: token } }))).id, s.id);
  assert.equal((await auth(apiCall({ credentials: { sessionId: s.id } }))).id, s.id);
  assert.equal((await auth(apiCall({ credentials: { accessToken: token, sessionId: 'other' } }))).id, s.id, 'the token wins');
  await assert.rejects(auth(apiCall({ credentials: { accessToken: 'not-a-token', sessionId: s.id } })),
    isFault(PortaFaultCode.badAccessToken, 'The access token is malformed or was not issued by this server'));
  await assert.rejects(auth(apiCall({ credentials: {} })), isFault(PortaFaultCode.envelopeMissed, 'No session: send auth_info {"session_id"} or an Authorization: Bearer access token'));
  await assert.rejects(auth(apiCall({ realm: 'reseller', credentials: { sessionId: s.id } })), isFault(PortaFaultCode.authFailed, 'The session is unknown or has expired: log in again'));
  await assert.rejects(auth(apiCall({ credentials: { sessionId: 'b'.repeat(48) } })), isFault(PortaFaultCode.authFailed));
});

test('the authenticate stage puts the session on the context and the login on the call; a session already there is kept', async () => {
  const s = session({ login: 'carol' });
  const asked: ApiCall[] = [];
  const stage = authenticateStage(async (call) => { asked.push(call); return s; });
  const ctx = ctxOf(apiCall());
  let seen: DispatcherSession | undefined;
  assert.equal(await stage(ctx, async () => { seen = ctx.session; return ok; }), ok);
  assert.equal(seen, s, 'set before the rest of the chain runs');
  assert.equal(ctx.call.login, 'carol');
  assert.equal(asked.length, 1);

  const oneShot = session({ login: 'dave' });
  const ctx2 = ctxOf(apiCall(), { session: oneShot });
  await stage(ctx2, async () => ok);
  assert.equal(ctx2.session, oneShot);
  assert.equal(ctx2.call.login, 'dave');
  assert.equal(asked.length, 1, 'not authenticated again');
});

/** A resolver that answers from a table and notes what it was asked (and whether a discoverer came along). */
function tableResolver(table: Record<string, Location | undefined>): LocationResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (l: Locator, discover) => {
      const k = JSON.stringify(l);
      asked.push(`${k}${discover === undefined ? '' : ' +discover'}`);
      return table[k];
    },
  };
}
const at = (system: 'source' | 'target', iCustomer?: number): Location => ({ system, state: 'active', resolvedBy: 'directory', ...(iCustomer === undefined ? {} : { iCustomer }) });
const backends = {} as BackendClient;

test('the locate stage resolves every locator the params name, and the call\'s i_env', async () => {
  const resolver = tableResolver({ [JSON.stringify({ kind: 'customer', iCustomer: 5 })]: at('target', 5), [JSON.stringify({ kind: 'account', iAccount: 6 })]: at('source', 9) });
  const stage = locateStage(resolver, backends);
  const one = ctxOf(apiCall({ params: { i_customer: 5 } }), { session: session() });
  await stage(one, async () => ok);
  assert.deepEqual(one.locations, [{ locator: { kind: 'customer', iCustomer: 5 }, location: at('target', 5) }]);
  assert.equal(one.env, undefined);
  assert.equal(one.retailLocation, undefined);

  const two = ctxOf(apiCall({ params: { i_customer: 5, i_account: 6, i_env: 2 } }), { session: session() });
  let seen: unknown;
  await stage(two, async () => { seen = two.locations; return ok; });
  assert.equal((seen as unknown[]).length, 2, 'located before the rest of the chain runs');
  assert.deepEqual(new Set(two.locations!.map((l) => l.location?.system)), new Set(['target', 'source']));
  assert.equal(two.env, 2);
  assert.ok(resolver.asked.every((a) => a.endsWith('+discover')), 'with a discoverer for what the directory cannot place');

  const none = ctxOf(apiCall({ params: { limit: 10 } }), { session: session() });
  await stage(none, async () => ok);
  assert.deepEqual(none.locations, []);
  assert.equal(resolver.asked.length, 3, 'a call naming nothing in an admin session resolves nothing');
});

test('a retail session resolves its own customer, not what the params name', async () => {
  const resolver = tableResolver({ [JSON.stringify({ kind: 'customer', iCustomer: 7 })]: at('target', 7) });
  const stage = locateStage(resolver, backends);
  const retail = session({ realm: 'customer', pinned: 'source', iCustomer: 7 });
  const ctx = ctxOf(apiCall({ realm: 'customer', params: { i_customer: 8, i_account: 9 } }), { session: retail });
  await stage(ctx, async () => ok);
  assert.deepEqual(ctx.locations, []);
  assert.deepEqual(ctx.retailLocation, at('target', 7));
  assert.deepEqual(resolver.asked, [`${JSON.stringify({ kind: 'customer', iCustomer: 7 })} +discover`]);

  // A retail session that does not know its customer has nothing to resolve.
  const unknown = ctxOf(apiCall({ realm: 'customer', params: {} }), { session: session({ realm: 'customer', pinned: 'source' }) });
  await stage(unknown, async () => ok);
  assert.equal(unknown.retailLocation, undefined);
  assert.equal(resolver.asked.length, 1);
});

test('a rerouted call keeps its locators and resolves their locations again', async () => {
  const table: Record<string, Location | undefined> = { [JSON.stringify({ kind: 'customer', iCustomer: 5 })]: at('source', 5) };
  const resolver = tableResolver(table);
  const stage = locateStage(resolver, backends);
  const ctx = ctxOf(apiCall({ params: { i_customer: 5 } }), { session: session() });
  await stage(ctx, async () => ok);
  table[JSON.stringify({ kind: 'customer', iCustomer: 5 })] = at('target', 5);
  await stage(ctx, async () => ok);
  assert.equal(ctx.locations![0]!.location?.system, 'target');
});

test('routeSession tells the router which systems the session reaches, and a retail session\'s pin and customer', () => {
  const b = session().backends;
  assert.deepEqual(routeSession(session({ context: 'target' })), { realm: 'admin', context: 'target', available: ['source', 'target'] });
  assert.deepEqual(routeSession(session({ backends: { source: b.source! } })).available, ['source']);
  assert.deepEqual(routeSession(session({ backends: { target: b.target! } })).available, ['target']);
  assert.deepEqual(routeSession(session({ backends: {} })).available, []);
  const retail = routeSession(session({ realm: 'account', pinned: 'target', iCustomer: 4, backends: { target: b.target! } }));
  assert.deepEqual(retail, { realm: 'account', context: 'source', available: ['target'], pinned: 'target', iCustomer: 4 });
  assert.ok(!('pinned' in routeSession(session())) && !('iCustomer' in routeSession(session())), 'absent, not undefined');
});

test('the route stage asks the router with what the stages before found', async () => {
  const stage = routeStage(ROUTER);
  const cases: Array<[string, CallContext]> = [
    ['nothing located', ctxOf(apiCall({ method: 'get_customer_info' }), { session: session({ context: 'target' }) })],
    ['a located customer', ctxOf(apiCall(), { session: session(), locations: [{ locator: { kind: 'customer', iCustomer: 5 }, location: at('target', 5) }] })],
    ['an i_env', ctxOf(apiCall(), { session: session(), locations: [], env: 2 })],
    ['a retail customer moved away', ctxOf(apiCall({ realm: 'customer' }), { session: session({ realm: 'customer', pinned: 'source', iCustomer: 7 }), locations: [], retailLocation: at('target', 7) })],
  ];
  const expected: Array<Partial<Plan> & { kind: string }> = [
    { kind: 'single', system: 'target', rule: 'context' },
    { kind: 'single', system: 'target', rule: 'locator', iCustomer: 5 },
    { kind: 'single', system: 'target', rule: 'env-switch', switchContext: true },
    { kind: 'refuse' },
  ];
  for (const [i, [what, ctx]] of cases.entries()) {
    let planned: Plan | undefined;
    await stage(ctx, async () => { planned = ctx.plan; return ok; });
    const want = expected[i]!;
    if (want.kind === 'refuse') assert.equal(planned?.kind, 'refuse', what);
    else assert.deepEqual(planned, want, what);
  }
});

function counted(metrics: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.render().matchAll(/^webdispatcher_routed_customer_calls_total\{system="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

test('the observe stage counts the answered calls routed by a customer locator, per system', async () => {
  const metrics = new Metrics();
  const stage = observeStage(metrics);
  const runWith = (plan: Plan | undefined, reply: Reply) => stage(ctxOf(apiCall(), plan === undefined ? {} : { plan }), async () => reply);
  assert.equal(await runWith({ kind: 'single', system: 'target', rule: 'locator', iCustomer: 5 }, ok), ok);
  await runWith({ kind: 'single', system: 'target', rule: 'locator', iCustomer: 5 }, ok);
  await runWith({ kind: 'single', system: 'source', rule: 'locator', iCustomer: 6 }, ok);
  await runWith({ kind: 'single', system: 'source', rule: 'locator', iCustomer: 6 }, jsonOk({}, 500));
  await runWith({ kind: 'single', system: 'source', rule: 'context' }, ok);
  await runWith({ kind: 'broadcast', systems: ['source', 'target'], iCustomer: 6 }, ok);
  await runWith(undefined, ok);
  assert.deepEqual(counted(metrics), { source: 1, target: 2 });
  assert.match(metrics.render(), /# HELP webdispatcher_routed_customer_calls_total Calls routed by a customer locator/);
});

/** SessionOps that note what they were asked. */
function fakeSessionOps(o: { logoutFails?: boolean } = {}) {
  const log: string[] = [];
  const made = session({ id: 'one-shot' });
  const ops = {
    run: async (op: string, call: ApiCall, current: () => Promise<DispatcherSession>) => {
      log.push(`run ${op} ${JSON.stringify(call.params)}`);
      if (op === 'logout') {
        log.push(`current ${(await current()).id}`);
        if (o.logoutFails === true) throw new Error('logout failed');
      } else await current();
      return jsonOk({ op });
    },
    login: async (call: ApiCall, creds: unknown) => { log.push(`login ${call.method} ${JSON.stringify(creds)}`); return { session: made, reply: ok }; },
  } as unknown as SessionOps;
  return { ops, log, made };
}

test('Session calls are answered by the dispatcher\'s session operations, authenticated only when the operation asks', async () => {
  const { ops, log } = fakeSessionOps();
  const authenticated: string[] = [];
  const stage = sessionOpStage(ops, ROUTER, async (call) => { authenticated.push(call.method); return session(); });
  let ran = false;
  const reply = await stage(ctxOf(apiCall({ service: 'Session', method: 'ping', params: { x: 1 } })), async () => { ran = true; return ok; });
  assert.equal(JSON.parse(reply.body as string).op, 'ping');
  assert.equal(ran, false);
  assert.deepEqual(log, ['run ping {"x":1}']);
  assert.deepEqual(authenticated, ['ping']);
  // A PortaSIP Session call is forwarded, not answered here.
  assert.equal(await stage(ctxOf(apiCall({ service: 'Session', method: 'ping', portasip: true })), async () => ok), ok);
  assert.equal(log.length, 1);
});

test('a call with auth_info login and password or token is logged in, run with that session, and logged out', async () => {
  for (const [creds, expect] of [
    [{ login: 'eve', password: 'pw' }, { login: 'eve', password: 'pw' }],
    [{ login: 'eve', token: 'tk' }, { login: 'eve', token: 'tk' }],
    [{ login: 'eve', password: 'pw', token: 'tk' }, { login: 'eve', password: 'pw' }],
  ] as const) {
    const { ops, log, made } = fakeSessionOps();
    const stage = sessionOpStage(ops, ROUTER, async () => { throw new Error('not asked'); });
    const ctx = ctxOf(apiCall({ method: 'get_customer_info', params: { i_customer: 1 }, credentials: { ...creds } }));
    let during: DispatcherSession | undefined;
    assert.equal(await stage(ctx, async () => { during = ctx.session; log.push('call'); return ok; }), ok);
    assert.equal(during, made);
    assert.deepEqual(log, [`login get_customer_info ${JSON.stringify(expect)}`, 'call', 'run logout {"session_id":"one-shot"}', 'current one-shot']);
  }
});

test('a one-shot call is logged out when it fails too, and a failed logout does not fail the call', async () => {
  const { ops, log } = fakeSessionOps({ logoutFails: true });
  const stage = sessionOpStage(ops, ROUTER, async () => session());
  await assert.rejects(stage(ctxOf(apiCall({ credentials: { login: 'eve', password: 'pw' } })), async () => { throw new Error('backend down'); }), /backend down/);
  assert.ok(log.includes('run logout {"session_id":"one-shot"}'));
  assert.equal(await stage(ctxOf(apiCall({ credentials: { login: 'eve', password: 'pw' } })), async () => ok), ok);
});

test('a call with a session, or with incomplete auth_info, goes on without a login', async () => {
  const { ops, log } = fakeSessionOps();
  const stage = sessionOpStage(ops, ROUTER, async () => session());
  for (const credentials of [
    { accessToken: 't', login: 'eve', password: 'pw' },
    { sessionId: 's', login: 'eve', password: 'pw' },
    { password: 'pw' },
    { token: 'tk' },
    { login: 'eve' },
    {},
  ]) {
    assert.equal(await stage(ctxOf(apiCall({ credentials })), async () => ok), ok, JSON.stringify(credentials));
  }
  assert.deepEqual(log, []);
});

// The route stage's plan is the router's: a sanity check that the cases above mean what they say.
test('the router itself plans the same for a call naming nothing', () => {
  assert.deepEqual(route({ call: apiCall(), session: routeSession(session({ context: 'target' })), locations: [], retailLocation: undefined, env: undefined, config: ROUTER }), { kind: 'single', system: 'target', rule: 'context' });
});
