import { randomBytes } from 'node:crypto';
import type { CallCredentials, JsonObject, Realm } from '../../core/api-call.ts';
import type { SimStore } from '../model/sim-store.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import { simFault } from '../api/sim-faults.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import type { SimPrincipal, SimUser } from './principal.ts';

export interface SimSession {
  id: string;
  principal: SimPrincipal;
  createdAt: number;
  expiresAt: number;
  /** A refresh token outlives the access token, as on PortaBilling: it renews an expired session until then. */
  refreshUntil: number;
  refreshToken: string;
  context: JsonObject;
}

export interface LoginResult {
  [key: string]: string | number;
  session_id: string;
  access_token: string;
  refresh_token: string;
  expires_at: string;
  expires_in: number;
}

/** Failed logins per (realm, login, client address) that trigger the lockout… */
export const BRUTE_FORCE_MAX_FAILURES = 5;
/** …within this window (and the lockout lasts until the oldest failure leaves it). */
export const BRUTE_FORCE_WINDOW_MS = 5 * 60_000;

export interface SessionManagerOptions {
  store: SimStore;
  users: SimUser[];
  env: number;
  ttlSeconds: number;
  /** Injected clock (tests). */
  now?: () => number;
}

/**
 * Sessions, JWT access tokens, refresh tokens, brute-force lockout and IP allow-lists for one
 * simulated system. Sessions live in memory and expire after `ttlSeconds` (a refresh extends).
 */
export class SessionManager {
  readonly #store: SimStore;
  readonly #users: SimUser[];
  readonly #env: number;
  readonly #ttlMs: number;
  readonly #refreshTtlMs: number;
  readonly #now: () => number;
  readonly #secret = randomBytes(32);
  readonly #sessions = new Map<string, SimSession>();
  readonly #byRefresh = new Map<string, string>();
  readonly #failures = new Map<string, number[]>();
  #loginsSinceSweep = 0;
  /** When true, every login is refused (fault injection). */
  refuseLogins = false;

  constructor(o: SessionManagerOptions) {
    this.#store = o.store;
    this.#users = o.users;
    this.#env = o.env;
    this.#ttlMs = o.ttlSeconds * 1000;
    this.#refreshTtlMs = Math.max(this.#ttlMs * 24, 86_400_000);
    this.#now = o.now ?? Date.now;
  }

  /** The staff user with this login in this realm. */
  user(realm: Realm, login: string): SimUser | undefined {
    return this.#users.find((u) => u.realm === realm && u.login === login);
  }

  /** Checks credentials for `realm` and returns who they are, or throws a login fault. */
  authenticate(realm: Realm, login: string, secret: { password?: string; token?: string }, clientIp: string): SimPrincipal {
    const key = `${realm}|${login}|${clientIp}`;
    const now = this.#now();
    const recent = (this.#failures.get(key) ?? []).filter((t) => now - t < BRUTE_FORCE_WINDOW_MS);
    if (recent.length >= BRUTE_FORCE_MAX_FAILURES) {
      throw simFault('bruteForce', `Too many failed logins for "${login}" from ${clientIp}; try again later`);
    }
    if (this.refuseLogins) throw simFault('loginFailed', 'Logins are refused by this system (fault injection)');
    const principal = this.#check(realm, login, secret);
    if (!principal) {
      recent.push(now);
      this.#failures.set(key, recent);
      if (this.#failures.size > 10_000) this.#sweepFailures(now);
      throw simFault('loginFailed', `Login failed for "${login}" in the ${realm} realm`);
    }
    this.#failures.delete(key);
    this.checkIp(principal, clientIp);
    return principal;
  }

  #check(realm: Realm, login: string, secret: { password?: string; token?: string }): SimPrincipal | undefined {
    const matches = (expected: string | undefined, given: string | undefined): boolean =>
      expected !== undefined && expected !== '' && given !== undefined && expected === given;
    if (realm === 'admin' || realm === 'reseller') {
      const u = this.user(realm, login);
      if (!u || !(matches(u.password, secret.password) || matches(u.token, secret.token))) return undefined;
      return u.realm === 'reseller'
        ? { realm: 'reseller', login, i_user: u.i_user, i_customer: u.i_customer ?? 0 }
        : { realm: 'admin', login, i_user: u.i_user };
    }
    if (secret.password === undefined) return undefined;
    if (realm === 'customer') {
      const c = this.#store.customerByLogin(login);
      if (!c || this.#store.movedMark(c.i_customer) || !matches(c.password, secret.password)) return undefined;
      return { realm: 'customer', login, i_customer: c.i_customer };
    }
    const a = this.#store.accountByKey('login', login) ?? this.#store.accountByKey('id', login);
    if (!a || this.#store.movedMark(a.i_customer) || !matches(a.password, secret.password)) return undefined;
    return { realm: 'account', login, i_account: a.i_account, i_customer: a.i_customer };
  }

  #sweepFailures(now: number): void {
    for (const [k, list] of this.#failures) if (list.every((t) => now - t >= BRUTE_FORCE_WINDOW_MS)) this.#failures.delete(k);
  }

  /** Refuses a staff principal calling from outside its allow-list. */
  checkIp(p: SimPrincipal, clientIp: string): void {
    if (p.realm !== 'admin' && p.realm !== 'reseller') return;
    const u = this.user(p.realm, p.login);
    if (u?.allowedIps && !u.allowedIps.includes(clientIp)) {
      throw simFault('ipNotAllowed', `User "${p.login}" may not connect from ${clientIp}`);
    }
  }

  /** Creates a session for an authenticated principal. */
  open(principal: SimPrincipal): LoginResult {
    if (++this.#loginsSinceSweep >= 1000) this.#sweepSessions();
    const now = this.#now();
    const s: SimSession = {
      id: randomBytes(16).toString('hex'),
      principal,
      createdAt: now,
      expiresAt: now + this.#ttlMs,
      refreshUntil: now + this.#refreshTtlMs,
      refreshToken: randomBytes(16).toString('hex'),
      context: { i_env: this.#env },
    };
    this.#sessions.set(s.id, s);
    this.#byRefresh.set(s.refreshToken, s.id);
    return this.#reply(s, now);
  }

  /** `now` is the same clock reading that set `s.expiresAt`, so `expires_in` is exactly the TTL. */
  #reply(s: SimSession, now: number): LoginResult {
    const p = s.principal;
    const payload: JsonObject = {
      iat: Math.floor(now / 1000),
      exp: Math.floor(s.expiresAt / 1000),
      jti: s.id,
      login: p.login,
      realm: p.realm,
      i_env: this.#env,
      aud: `porta-billing-${p.realm}`,
    };
    if (p.realm === 'admin' || p.realm === 'reseller') payload.i_user = p.i_user;
    if (p.realm === 'customer' || p.realm === 'account') payload.i_customer = p.i_customer;
    if (p.realm === 'account') payload.i_account = p.i_account;
    return {
      session_id: s.id,
      access_token: signJwt(payload, this.#secret),
      refresh_token: s.refreshToken,
      expires_at: formatPortaTime(s.expiresAt),
      expires_in: Math.max(0, Math.floor((s.expiresAt - now) / 1000)),
    };
  }

  #sweepSessions(): void {
    this.#loginsSinceSweep = 0;
    const now = this.#now();
    for (const [id, s] of this.#sessions) if (s.refreshUntil <= now) this.#drop(id);
  }

  #drop(id: string): void {
    const s = this.#sessions.get(id);
    if (!s) return;
    this.#sessions.delete(id);
    this.#byRefresh.delete(s.refreshToken);
  }

  /** A live session by id, or undefined (expired ones are dropped). */
  live(id: string): SimSession | undefined {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    const now = this.#now();
    if (s.expiresAt <= now) {
      if (s.refreshUntil <= now) this.#drop(id);
      return undefined;
    }
    return s;
  }

  /**
   * The session an access token names. Throws `failed_to_process_access_token` for a token that
   * is not one of ours, `check_auth.auth_failed` for one whose session has ended.
   */
  sessionFromToken(token: string): SimSession {
    const payload = verifyJwt(token, this.#secret);
    if (!payload || typeof payload.jti !== 'string') {
      throw simFault('badAccessToken', 'The access token cannot be processed (malformed or not signed by this system)');
    }
    const s = typeof payload.exp === 'number' && payload.exp * 1000 > this.#now() ? this.live(payload.jti) : undefined;
    if (!s) throw simFault('authFailed', 'The session has expired or was closed; log in again');
    return s;
  }

  /**
   * Resolves the credentials of an ordinary call: a session id, a Bearer token, or one-shot
   * login + password/token. Retail sessions only work on their own realm's listener.
   */
  resolve(credentials: CallCredentials, realm: Realm | 'portasip', clientIp: string): { principal: SimPrincipal; session?: SimSession } {
    let session: SimSession | undefined;
    if (credentials.sessionId !== undefined && credentials.sessionId !== '') {
      session = this.live(credentials.sessionId);
      if (!session) throw simFault('authFailed', 'The session has expired or is unknown; log in again');
    } else if (credentials.accessToken !== undefined) {
      session = this.sessionFromToken(credentials.accessToken);
    } else if (credentials.login !== undefined && (credentials.password !== undefined || credentials.token !== undefined)) {
      if (realm === 'portasip') throw simFault('authFailed', 'The PortaSIP API needs a session');
      const secret: { password?: string; token?: string } = {};
      if (credentials.password !== undefined) secret.password = credentials.password;
      if (credentials.token !== undefined) secret.token = credentials.token;
      return { principal: this.authenticate(realm, credentials.login, secret, clientIp) };
    } else {
      throw simFault('envelopeMissed', 'No credentials: send auth_info with a session_id, or an Authorization: Bearer access token');
    }
    if (realm !== 'portasip' && session.principal.realm !== realm) {
      throw simFault('authFailed', `This session belongs to the ${session.principal.realm} realm, not ${realm}`);
    }
    this.checkIp(session.principal, clientIp);
    return { principal: session.principal, session };
  }

  /** Rotates the refresh token and issues a new access token for the same session. */
  refresh(refreshToken: string): LoginResult {
    const id = this.#byRefresh.get(refreshToken);
    const s = id === undefined ? undefined : this.#sessions.get(id);
    const now = this.#now();
    if (!s || s.refreshUntil <= now) throw simFault('authFailed', 'The refresh token is unknown or its session has ended; log in again');
    this.#byRefresh.delete(s.refreshToken);
    s.refreshToken = randomBytes(16).toString('hex');
    s.expiresAt = now + this.#ttlMs;
    s.refreshUntil = now + this.#refreshTtlMs;
    this.#byRefresh.set(s.refreshToken, s.id);
    return this.#reply(s, now);
  }

  close(id: string): boolean {
    const had = this.#sessions.has(id);
    this.#drop(id);
    return had;
  }

  /** Ends every session of one customer (after it moved away). */
  closeCustomerSessions(iCustomer: number): void {
    for (const [id, s] of this.#sessions) {
      const p = s.principal;
      if ((p.realm === 'customer' || p.realm === 'account') && p.i_customer === iCustomer) this.#drop(id);
    }
  }
}
