import type { ApiCall, Realm, SystemName } from '../core/api-call.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { DispatcherConfig } from '../config/config.ts';
import type { DispatcherSession, BackendSession } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { SessionTokens } from '../sessions/session-tokens.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { IpAllowList } from '../core/ip-allow.ts';
import type { EnvCheck } from '../backends/env-check.ts';
import { backendLogin, backendLogout, type BackendLoginResult, type LoginCredentials } from '../backends/backend-sessions.ts';
import { ApiFault, PortaFaultCode, dispatcherFault } from '../core/faults.ts';
import { jsonReply, MISSING_SYSTEM_HEADER, type Reply } from '../core/reply.ts';
import type { SessionOp } from '../routing/plan.ts';

export interface SessionOpsDeps {
  config: DispatcherConfig;
  backends: BackendClient;
  sessions: SessionStore;
  tokens: SessionTokens;
  resolver: LocationResolver;
  throttle: LoginThrottle;
  allow: IpAllowList;
  logger: Logger;
  metrics: Metrics;
  /** Refuses context switches to a system whose environment is not verified. */
  envCheck?: EnvCheck;
}

const isRetail = (realm: Realm) => realm === 'customer' || realm === 'account';

function loginCredentials(call: ApiCall): LoginCredentials {
  const p = call.params;
  const login = p.login ?? p.user;
  if (typeof login !== 'string' || login === '' || login.length > 256) {
    throw new ApiFault(PortaFaultCode.loginFailed, 'Session/login needs a "login" (or "user") string');
  }
  if (typeof p.password === 'string') return { login, password: p.password };
  if (typeof p.token === 'string') return { login, token: p.token };
  throw new ApiFault(PortaFaultCode.loginFailed, 'Session/login needs a "password" or a "token" string');
}

function userIdOf(claims: Record<string, unknown>): number {
  for (const k of ['i_user', 'i_account', 'i_customer']) {
    const v = claims[k];
    if (typeof v === 'number' && v > 0) return v;
  }
  return 1;
}

/** A login refusal outranks an outage when choosing which fault to show the client. */
function worstFault(faults: ApiFault[]): ApiFault {
  return faults.find((f) => !f.faultcode.startsWith('Server.Dispatcher.')) ?? faults[0]!;
}

/** The dispatcher's own `Session/*` service (SPEC §4.1). */
export class SessionOps {
  #d: SessionOpsDeps;

  constructor(deps: SessionOpsDeps) {
    this.#d = deps;
  }

  async run(op: SessionOp, call: ApiCall, current: () => Promise<DispatcherSession>): Promise<Reply> {
    switch (op) {
      case 'login': return this.#login(call);
      case 'logout': return this.#logout(call);
      case 'ping': return this.#ping(call);
      case 'refresh': return this.#refresh(call);
      case 'get-context': return this.#getContext(await current());
      case 'set-context': return this.#setContext(call, await current());
      default:
        throw new ApiFault(PortaFaultCode.unknownMethod, `Session/${call.method} is not a method of the Session service`);
    }
  }

  /** Logs in and stores a new dispatcher session (also used for one-shot auth_info credentials). */
  async login(call: ApiCall, credentials: LoginCredentials): Promise<{ session: DispatcherSession; reply: Reply }> {
    const { config, throttle, metrics, logger } = this.#d;
    call.login = credentials.login;
    if (!this.#d.allow.allows(`${call.realm}:${credentials.login}`, call.clientIp)) {
      throw dispatcherFault('ipNotAllowed', `Client address ${call.clientIp} is not allowed for ${call.realm} user ${JSON.stringify(credentials.login)}`, { httpStatus: 403 });
    }
    await throttle.check(call.realm, credentials.login, call.clientIp);
    const attempts = isRetail(call.realm) ? await this.#retailAttempts(call, credentials) : await this.#bothAttempts(call, credentials);
    const ok = attempts.filter((a): a is { system: SystemName; result: BackendLoginResult } => !(a.result instanceof ApiFault));
    if (ok.length === 0) {
      const faults = attempts.map((a) => a.result as ApiFault);
      const refused = faults.some((f) => !f.faultcode.startsWith('Server.Dispatcher.'));
      if (refused) await throttle.fail(call.realm, credentials.login, call.clientIp);
      metrics.inc('webdispatcher_logins_total', 'Logins by realm and outcome', { realm: call.realm, outcome: refused ? 'refused' : 'unavailable' });
      logger.warn('login refused', { requestId: call.requestId, realm: call.realm, login: credentials.login, systems: attempts.map((a) => a.system) });
      throw faults.length === 0 ? new ApiFault(PortaFaultCode.loginFailed, 'Login failed') : worstFault(faults);
    }
    await throttle.succeed(call.realm, credentials.login);
    const now = Math.floor(Date.now() / 1000);
    const backends: Partial<Record<SystemName, BackendSession>> = {};
    for (const a of ok) backends[a.system] = a.result.session;
    if (!isRetail(call.realm)) for (const a of ok) this.#d.envCheck?.learn(a.system, a.result.claims.i_env);
    const missing = isRetail(call.realm) ? [] : SYSTEMS.filter((s) => backends[s] === undefined);
    const first = ok[0]!;
    const context = backends[config.routing.defaultContext] ? config.routing.defaultContext : first.system;
    const session: DispatcherSession = {
      id: this.#d.tokens.newSessionId(),
      realm: call.realm,
      login: credentials.login,
      refreshSecret: this.#d.tokens.newRefreshSecret(),
      createdAt: now,
      expiresAt: now + config.sessions.ttlSeconds,
      context,
      backends,
      missing,
      userId: userIdOf(first.result.claims),
      clientIp: call.clientIp,
    };
    if (isRetail(call.realm)) {
      session.pinned = first.system;
      const ic = first.result.claims.i_customer;
      const ia = first.result.claims.i_account;
      if (typeof ic === 'number') session.iCustomer = ic;
      if (typeof ia === 'number') session.iAccount = ia;
    }
    await this.#d.sessions.put(session);
    for (const m of missing) {
      metrics.inc('webdispatcher_degraded_logins_total', 'Admin/reseller logins that got only one system', { missing: m });
      logger.warn('login without one system', { requestId: call.requestId, realm: call.realm, login: credentials.login, missing: m });
    }
    metrics.inc('webdispatcher_logins_total', 'Logins by realm and outcome', { realm: call.realm, outcome: 'ok' });
    const headers: Record<string, string> = missing.length > 0 ? { [MISSING_SYSTEM_HEADER]: missing.join(',') } : {};
    const reply = jsonReply(this.#d.tokens.loginReply(session, config.systems[session.pinned ?? context].env, session.userId), 'session-op', ok.map((a) => a.system), headers);
    return { session, reply };
  }

  async #bothAttempts(call: ApiCall, credentials: LoginCredentials) {
    return Promise.all(SYSTEMS.map(async (system) => ({ system, result: await backendLogin(this.#d.backends, system, call.realm, credentials, call.requestId) })));
  }

  /**
   * A retail user logs in where they live: the directory first (entries and discovered keys are
   * trusted), otherwise the target, then the source.
   */
  async #retailAttempts(call: ApiCall, credentials: LoginCredentials) {
    const keys = call.realm === 'customer' ? (['customer-login'] as const) : (['account-login', 'account-id'] as const);
    let order: SystemName[] = ['target', 'source'];
    for (const key of keys) {
      const loc = await this.#d.resolver.resolve({ kind: 'key', key, value: credentials.login });
      if (loc !== undefined && (loc.resolvedBy === 'directory' || loc.resolvedBy === 'discovered')) {
        order = [loc.system];
        break;
      }
    }
    const attempts: Array<{ system: SystemName; result: BackendLoginResult | ApiFault }> = [];
    for (const system of order) {
      const result = await backendLogin(this.#d.backends, system, call.realm, credentials, call.requestId);
      attempts.push({ system, result });
      if (!(result instanceof ApiFault)) {
        // The session must know its customer (holds, moves); a backend whose token does not say
        // gets asked. An owner that cannot be learned refuses the login rather than guess.
        if (typeof result.claims.i_customer !== 'number') {
          const owner = await this.#ownerOfRetailSession(system, call, result);
          if (owner === undefined) {
            await backendLogout(this.#d.backends, system, call.realm, result.session, call.requestId);
            attempts[attempts.length - 1] = { system, result: dispatcherFault('backendUnavailable', `Cannot tell which customer ${JSON.stringify(credentials.login)} belongs to on the ${system} system`) };
            break;
          }
          result.claims.i_customer = owner;
        }
        // A record that was moved away stays on the old system, marked; logging in there would pin
        // the user to stale data, so check the location of the customer the backend named.
        const ic = result.claims.i_customer;
        if (typeof ic === 'number') {
          const loc = await this.#d.resolver.resolve({ kind: 'customer', iCustomer: ic });
          if (loc !== undefined && loc.system !== system) {
            await backendLogout(this.#d.backends, system, call.realm, result.session, call.requestId);
            attempts[attempts.length - 1] = { system, result: new ApiFault(PortaFaultCode.loginFailed, `This user now lives on the ${loc.system} system`) };
            if (!order.includes(loc.system)) order.push(loc.system);
            continue;
          }
        }
        break;
      }
    }
    return attempts;
  }

  /** The customer a new retail backend session belongs to, from the backend itself. */
  async #ownerOfRetailSession(system: SystemName, call: ApiCall, result: BackendLoginResult): Promise<number | undefined> {
    const [service, key] = call.realm === 'account' ? ['Account', 'account_info'] : ['Customer', 'customer_info'];
    try {
      const { status, json } = await this.#d.backends.callJson({
        system, listener: call.realm, path: `/rest/${service}/get_${key}`, body: '{"params":{}}',
        accessToken: result.session.accessToken, requestId: call.requestId, idempotent: true,
      });
      const info = json[key] as Record<string, unknown> | undefined;
      return status === 200 && typeof info?.i_customer === 'number' ? info.i_customer : undefined;
    } catch {
      return undefined;
    }
  }

  async #login(call: ApiCall): Promise<Reply> {
    return (await this.login(call, loginCredentials(call))).reply;
  }

  /** ping/logout/refresh carry the token in params, with no Authorization header. */
  async #sessionFromParams(call: ApiCall): Promise<DispatcherSession | undefined> {
    const p = call.params;
    let id: string | undefined;
    const token = typeof p.access_token === 'string' ? p.access_token : call.credentials.accessToken;
    if (token !== undefined) id = this.#d.tokens.sessionIdOfAccessToken(token);
    if (id === undefined) id = typeof p.session_id === 'string' ? p.session_id : call.credentials.sessionId;
    if (id === undefined) return undefined;
    const s = await this.#d.sessions.get(id);
    return s !== undefined && s.realm === call.realm ? s : undefined;
  }

  async #logout(call: ApiCall): Promise<Reply> {
    const session = await this.#sessionFromParams(call);
    if (session === undefined) throw new ApiFault(PortaFaultCode.authFailed, 'No such session (already logged out or expired)');
    await this.#d.sessions.delete(session.id);
    const systems = SYSTEMS.filter((s) => session.backends[s] !== undefined);
    await Promise.all(systems.map((s) => backendLogout(this.#d.backends, s, session.realm, session.backends[s]!, call.requestId)));
    return jsonReply({ success: 1 }, 'session-op', systems);
  }

  async #ping(call: ApiCall): Promise<Reply> {
    const session = await this.#sessionFromParams(call);
    return jsonReply({ user_id: session === undefined ? 0 : session.userId }, 'session-op');
  }

  async #refresh(call: ApiCall): Promise<Reply> {
    const raw = call.params.refresh_token;
    const parsed = typeof raw === 'string' ? this.#d.tokens.parseRefreshToken(raw) : undefined;
    const session = parsed === undefined ? undefined : await this.#d.sessions.get(parsed.sessionId);
    if (parsed === undefined || session === undefined || session.realm !== call.realm || !this.#d.tokens.refreshMatches(session, parsed.secret)) {
      throw new ApiFault(PortaFaultCode.authFailed, 'The refresh token is unknown or expired: log in again');
    }
    const secret = this.#d.tokens.newRefreshSecret();
    const expiresAt = Math.floor(Date.now() / 1000) + this.#d.config.sessions.ttlSeconds;
    const stored = await this.#d.sessions.update(session.id, (s) => {
      s.refreshSecret = secret;
      s.expiresAt = expiresAt;
    });
    if (stored === undefined) throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
    Object.assign(session, { refreshSecret: secret, expiresAt, context: stored.context, backends: stored.backends });
    const env = this.#d.config.systems[session.pinned ?? session.context].env;
    return jsonReply(this.#d.tokens.loginReply(session, env, session.userId), 'session-op');
  }

  #getContext(session: DispatcherSession): Reply {
    const system = session.pinned ?? session.context;
    return jsonReply({ i_env: this.#d.config.systems[system].env, system, available: SYSTEMS.filter((s) => session.backends[s] !== undefined) }, 'session-op');
  }

  async #setContext(call: ApiCall, session: DispatcherSession): Promise<Reply> {
    if (session.pinned !== undefined) throw dispatcherFault('forbidden', 'A customer or account session cannot change its context');
    const { i_env: env, system: name } = call.params;
    const system = SYSTEMS.find((s) => (typeof env === 'number' && this.#d.config.systems[s].env === env) || s === name);
    if (system === undefined) {
      throw new ApiFault(PortaFaultCode.validation, `set_session_context needs i_env ${SYSTEMS.map((s) => this.#d.config.systems[s].env).join(' or ')} (or system "source"/"target"), got ${JSON.stringify(call.params)}`);
    }
    if (session.backends[system] === undefined) throw dispatcherFault('backendUnavailable', `This session has no ${system} system (it was unavailable at login)`);
    const refused = system === session.context ? undefined : this.#d.envCheck?.refusal(system);
    if (refused !== undefined) throw dispatcherFault('envUnverified', refused);
    session.context = system;
    if ((await this.#d.sessions.update(session.id, (s) => { s.context = system; })) === undefined) {
      throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
    }
    return this.#getContext(session);
  }
}
