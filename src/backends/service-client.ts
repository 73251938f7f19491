import type { DispatcherConfig } from '../config/config.ts';
import type { SystemName } from '../core/api-call.ts';
import type { BackendClient } from './backend-client.ts';
import { backendLogin, type LoginCredentials } from './backend-sessions.ts';
import { ApiFault } from '../core/faults.ts';
import { decodeJwtUnverified } from '../sessions/jwt.ts';

/** A reply of a service call: the HTTP status and the JSON object the system answered. */
export interface ServiceReply {
  status: number;
  json: Record<string, unknown>;
}

/**
 * The dispatcher's own admin session on each system (`ops.serviceLogin`), for the calls it makes
 * on its own behalf: learning a customer's accounts at a cutover, campaign prechecks and verifies,
 * drift and reconcile. The session is kept per system and renewed by logging in again when the
 * backend refuses it.
 */
export class ServiceClient {
  readonly #backends: BackendClient;
  readonly #creds: LoginCredentials;
  readonly #requestId: string;
  readonly #tokens = new Map<SystemName, Promise<string>>();

  constructor(backends: BackendClient, creds: LoginCredentials, requestId = 'service') {
    this.#backends = backends;
    this.#creds = creds;
    this.#requestId = requestId;
  }

  /** A client for `config.ops.serviceLogin`, or undefined when none is configured. */
  static fromConfig(config: DispatcherConfig, backends: BackendClient, requestId?: string): ServiceClient | undefined {
    const svc = config.ops.serviceLogin;
    if (svc === undefined) return undefined;
    const creds: LoginCredentials = svc.token !== undefined ? { login: svc.login, token: svc.token } : { login: svc.login, password: svc.password ?? '' };
    return new ServiceClient(backends, creds, requestId);
  }

  async #token(system: SystemName, fresh: boolean): Promise<string> {
    const known = this.#tokens.get(system);
    if (known !== undefined && !fresh) return known;
    // One login in flight per system, shared by concurrent callers.
    const login = backendLogin(this.#backends, system, 'admin', this.#creds, this.#requestId).then((r) => {
      if (r instanceof ApiFault) throw r;
      return r.session.accessToken;
    });
    this.#tokens.set(system, login);
    login.catch(() => { if (this.#tokens.get(system) === login) this.#tokens.delete(system); });
    return login;
  }

  /** The claims of the service session's access token on a system (logging in if need be). */
  async claims(system: SystemName): Promise<Record<string, unknown>> {
    return decodeJwtUnverified(await this.#token(system, false)) ?? {};
  }

  /**
   * Calls `path` (e.g. `/rest/Customer/get_customer_info`) on a system's admin API with `params`.
   * A refused service session is renewed once. `idempotent` lets the pool retry a read on a
   * connection reset (never set it for a write).
   */
  async call(system: SystemName, path: string, params: Record<string, unknown>, idempotent = true): Promise<ServiceReply> {
    for (let attempt = 0; ; attempt++) {
      const { status, json } = await this.#backends.callJson({
        system, listener: 'admin', path, accessToken: await this.#token(system, attempt > 0), requestId: this.#requestId, idempotent, body: JSON.stringify({ params }),
      });
      const code = String(json.faultcode ?? '');
      if (status !== 200 && attempt === 0 && code.includes('check_auth')) continue;
      return { status, json };
    }
  }

  /** Like `call`, but a fault reply is thrown as an ApiFault naming the system and the path. */
  async ok(system: SystemName, path: string, params: Record<string, unknown>, idempotent = true): Promise<Record<string, unknown>> {
    const { status, json } = await this.call(system, path, params, idempotent);
    if (status !== 200) throw new ApiFault(String(json.faultcode ?? 'Server.unknown'), `The ${system} system refused ${path}: ${String(json.faultstring ?? `HTTP ${status}`)}`);
    return json;
  }
}
