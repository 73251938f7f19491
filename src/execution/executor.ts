import type { ApiCall, SystemName } from '../routing/api-call.ts';
import type { DispatcherConfig } from '../config/config.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { SessionTokens } from '../sessions/session-tokens.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { Discoverer, LocationResolver, Locator } from '../routing/location.ts';
import type { RouteInput, RouterConfig, RouteSession } from '../routing/route-input.ts';
import type { Plan } from '../routing/plan.ts';
import type { Logger } from '../ops/logger.ts';
import type { CounterSeries, Metrics } from '../ops/metrics.ts';
import type { IpAllowList } from '../edge/ip-allow.ts';
import { route } from '../routing/router.ts';
import { findEnv, findLocators } from '../routing/locators.ts';
import { ApiFault, PortaFaultCode, dispatcherFault } from '../edge/faults.ts';
import type { CutoverHolds } from './cutover-holds.ts';
import { SessionOps } from './session-ops.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { MemoryLoginThrottle } from './memory-login-throttle.ts';
import { forwardBody, type ForwardSource } from './forward-body.ts';
import { forwardSingle, type ForwardArgs } from './forward-single.ts';
import { mergeLists } from './merge-list.ts';
import { broadcast } from './broadcast.ts';
import { makeDiscoverer } from './discover.ts';
import type { Reply } from './reply.ts';

export interface ExecutorDeps {
  config: DispatcherConfig;
  backends: BackendClient;
  sessions: SessionStore;
  tokens: SessionTokens;
  resolver: LocationResolver;
  directory?: LocationDirectory;
  holds: CutoverHolds;
  logger: Logger;
  metrics: Metrics;
  allow: IpAllowList;
  /** Shared login throttle (Redis in a cluster); default: this node's memory. */
  loginThrottle?: LoginThrottle;
}

/** The plan names of single-system rules, built once. */
const PLAN_OF_RULE: Record<string, string> = { retail: 'single:retail', locator: 'single:locator', 'env-switch': 'single:env-switch', context: 'single:context' };

/** How many times a held call may be routed again after a move ends (a customer moved back and forth). */
const MAX_REROUTES = 4;

/**
 * Turns a call into a Plan (via the pure router) and carries the plan out: single-system calls,
 * list merges, broadcasts, cutover holds, dispatcher sessions and backend-session renewal.
 */
export class Executor {
  readonly sessionOps: SessionOps;
  readonly holds: CutoverHolds;
  #d: ExecutorDeps;
  #routerConfig: RouterConfig;
  #routedCalls: Record<SystemName, CounterSeries>;

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
    const routed = (system: SystemName) => deps.metrics.counter('webdispatcher_routed_customer_calls_total', 'Calls routed by a customer locator', { system });
    this.#routedCalls = { source: routed('source'), target: routed('target') };
    this.holds = deps.holds;
    const { config } = deps;
    this.#routerConfig = {
      envs: { source: config.systems.source.env, target: config.systems.target.env },
      listMerge: new Set(config.routing.listMerge),
      broadcastServices: new Set(config.routing.broadcastServices),
      paging: config.routing.paging,
    };
    this.sessionOps = new SessionOps({ ...deps, throttle: deps.loginThrottle ?? new MemoryLoginThrottle(config.security.loginFailures) });
  }

  /** The client's dispatcher session, or the fault clients re-login on. */
  async authenticate(call: ApiCall): Promise<DispatcherSession> {
    const c = call.credentials;
    let id: string | undefined;
    if (c.accessToken !== undefined) {
      id = this.#d.tokens.sessionIdOfAccessToken(c.accessToken);
      if (id === undefined) throw new ApiFault(PortaFaultCode.badAccessToken, 'The access token is malformed or was not issued by this server');
    } else if (c.sessionId !== undefined) {
      id = c.sessionId;
    } else {
      throw new ApiFault(PortaFaultCode.envelopeMissed, 'No session: send auth_info {"session_id"} or an Authorization: Bearer access token');
    }
    const session = await this.#d.sessions.get(id);
    if (session === undefined || session.realm !== call.realm) throw new ApiFault(PortaFaultCode.authFailed, 'The session is unknown or has expired: log in again');
    if (!this.#d.allow.allows(`${session.realm}:${session.login}`, call.clientIp)) {
      throw dispatcherFault('ipNotAllowed', `Client address ${call.clientIp} is not allowed for ${session.realm} user ${JSON.stringify(session.login)}`, { httpStatus: 403 });
    }
    return session;
  }

  async execute(call: ApiCall, source: ForwardSource): Promise<Reply> {
    if (call.service === 'Session' && !call.portasip) {
      const plan = route({ call, session: undefined, locations: [], env: undefined, config: this.#routerConfig });
      if (plan.kind === 'session-op') return this.sessionOps.run(plan.op, call, () => this.authenticate(call));
    }
    const c = call.credentials;
    if (c.accessToken === undefined && c.sessionId === undefined && c.login !== undefined && (c.password !== undefined || c.token !== undefined)) {
      return this.#oneShot(call, source);
    }
    const session = await this.authenticate(call);
    return this.#run(call, source, session);
  }

  /** auth_info {login, password|token}: log in, run the call, log out. */
  async #oneShot(call: ApiCall, source: ForwardSource): Promise<Reply> {
    const c = call.credentials;
    const creds = c.password !== undefined ? { login: c.login!, password: c.password } : { login: c.login!, token: c.token! };
    const { session } = await this.sessionOps.login(call, creds);
    try {
      return await this.#run(call, source, session);
    } finally {
      await this.sessionOps.run('logout', { ...call, params: { session_id: session.id } }, async () => session).catch(() => undefined);
    }
  }

  #routeSession(session: DispatcherSession): RouteSession {
    const b = session.backends;
    const available: SystemName[] = b.source === undefined ? (b.target === undefined ? [] : ['target']) : b.target === undefined ? ['source'] : ['source', 'target'];
    const rs: RouteSession = { realm: session.realm, context: session.context, available };
    if (session.pinned !== undefined) rs.pinned = session.pinned;
    if (session.iCustomer !== undefined) rs.iCustomer = session.iCustomer;
    return rs;
  }

  /** The locators with their locations; one locator (the common case) without Promise.all. */
  async #locate(locators: Locator[], discover: Discoverer): Promise<RouteInput['locations']> {
    if (locators.length === 0) return [];
    const resolver = this.#d.resolver;
    if (locators.length === 1) {
      const locator = locators[0]!;
      return [{ locator, location: await resolver.resolve(locator, discover) }];
    }
    return Promise.all(locators.map(async (locator) => ({ locator, location: await resolver.resolve(locator, discover) })));
  }

  async #run(call: ApiCall, source: ForwardSource, session: DispatcherSession): Promise<Reply> {
    const discover = makeDiscoverer(this.#d.backends, session, call.requestId);
    const locators = session.pinned === undefined ? findLocators(call) : [];
    const env = findEnv(call);
    const deadline = performance.now() + this.#d.config.cutover.holdTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const locations = await this.#locate(locators, discover);
      const retailLocation = session.pinned !== undefined && session.iCustomer !== undefined
        ? await this.#d.resolver.resolve({ kind: 'customer', iCustomer: session.iCustomer }, discover)
        : undefined;
      const plan: Plan = route({ call, session: this.#routeSession(session), locations, retailLocation, env, config: this.#routerConfig });
      let holdFor: number | undefined;
      if (plan.kind === 'hold') holdFor = plan.iCustomer;
      else if ((plan.kind === 'single' || plan.kind === 'broadcast') && plan.iCustomer !== undefined) {
        // A call that acts on a customer counts as in flight for that customer until it is answered.
        const leave = this.holds.enter(plan.iCustomer);
        if (leave === undefined) holdFor = plan.iCustomer;
        else {
          try {
            return plan.kind === 'single'
              ? await this.#single(call, source, session, plan.system, plan.rule, plan.switchContext === true, plan.iCustomer)
              : await broadcast({ ...this.#d, call, source, session, systems: plan.systems });
          } finally {
            leave();
          }
        }
      } else {
        return this.#carryOut(plan, call, source, session);
      }
      if (attempt >= MAX_REROUTES) throw dispatcherFault('customerMigrating', `Customer ${holdFor} is being migrated; retry the call shortly`, { retryable: true });
      if (!(await this.#stillMoving(plan, holdFor))) continue;
      this.#d.metrics.inc('webdispatcher_held_calls_total', 'Calls held during a customer cutover');
      await this.holds.wait(holdFor, Math.max(1, deadline - performance.now()));
    }
  }

  /**
   * Reconciles this node's view of a move with the directory before holding: the directory said
   * `moving` before this node heard of it (hold from now on), or this node missed the end of a move
   * (release it rather than hold every call until the timeout).
   */
  async #stillMoving(plan: Plan, iCustomer: number): Promise<boolean> {
    if (plan.kind === 'hold') {
      this.holds.markMoving(iCustomer);
      return true;
    }
    const loc = this.#d.directory === undefined ? undefined : await this.#d.directory.getCustomer(iCustomer);
    if (loc !== undefined && loc.state === 'moving') return true;
    this.holds.release(iCustomer);
    return false;
  }

  async #carryOut(plan: Exclude<Plan, { kind: 'hold' }>, call: ApiCall, source: ForwardSource, session: DispatcherSession): Promise<Reply> {
    switch (plan.kind) {
      case 'refuse':
        throw plan.fault;
      case 'single':
        return this.#single(call, source, session, plan.system, plan.rule, plan.switchContext === true, undefined);
      case 'merge':
        return mergeLists({ ...this.#d, call, source, session, systems: plan.systems, paging: plan.paging });
      case 'broadcast':
        return broadcast({ ...this.#d, call, source, session, systems: plan.systems });
      case 'session-op':
        return this.sessionOps.run(plan.op, call, async () => session);
    }
  }

  async #single(
    call: ApiCall, source: ForwardSource, session: DispatcherSession, system: SystemName, rule: string, switchContext: boolean, iCustomer: number | undefined,
  ): Promise<Reply> {
    if (session.backends[system] === undefined) {
      throw dispatcherFault('backendUnavailable', `Cannot run ${call.service}/${call.method} on the ${system} system: this session has no ${system} session (it was unavailable at login); log in again`, { retryable: true });
    }
    if (switchContext && session.context !== system && session.pinned === undefined) {
      session.context = system;
      if ((await this.#d.sessions.update(session.id, (s) => { s.context = system; })) === undefined) {
        throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
      }
    }
    const d = this.#d;
    // Named fields rather than a spread of all the deps: this object is built on every call.
    const args: ForwardArgs = { backends: d.backends, sessions: d.sessions, logger: d.logger, call, session, system, body: forwardBody(call, source), plan: PLAN_OF_RULE[rule] ?? `single:${rule}` };
    if (d.directory !== undefined) args.directory = d.directory;
    const reply = await forwardSingle(args);
    if (reply.status === 200 && iCustomer !== undefined) this.#routedCalls[system].inc();
    return reply;
  }
}
