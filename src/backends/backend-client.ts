import { HttpPool, type BackendBody } from './http-pool.ts';
import type { Realm, SystemName } from '../core/api-call.ts';
import type { DispatcherConfig } from '../config/config.ts';
import { ApiFault, dispatcherFault } from '../core/faults.ts';

export type BackendListener = Realm | 'portasip';

export interface BackendResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Whole in `body.buffered` for a small reply; else streamed: the caller must read or dump it. */
  body: BackendBody;
}

export interface BackendRequest {
  system: SystemName;
  listener: BackendListener;
  path: string;
  body: string | Buffer;
  accessToken?: string;
  requestId: string;
  /** A read may be retried once on a connection failure; a write never is. */
  idempotent: boolean;
  signal?: AbortSignal;
  contentType?: string;
  /** Default POST (PortaBilling's API); the ESPF API uses every verb. */
  method?: string;
  /** Further request headers (a forwarded SOAP call's SOAPAction). */
  headers?: Readonly<Record<string, string>>;
}


const RETRYABLE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'SOCKET_CLOSED']);
const TIMEOUT_CODES = new Set(['CONNECT_TIMEOUT', 'HEADERS_TIMEOUT', 'BODY_TIMEOUT']);

/**
 * Keep-alive connection pools (HttpPool), one per system and listener, with separate connect /
 * headers / body deadlines. Connection failures become `backend_unavailable` within the connect
 * timeout.
 */
export class BackendClient {
  #pools = new Map<string, HttpPool>();
  #config: DispatcherConfig;
  #health = new Map<SystemName, { ok: boolean; lastError?: string; at: number }>();

  constructor(config: DispatcherConfig) {
    this.#config = config;
  }

  origin(system: SystemName, listener: BackendListener): string {
    return this.#config.systems[system].urls[listener];
  }

  #pool(system: SystemName, listener: BackendListener): HttpPool {
    const key = `${system}:${listener}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      const { connectMs, headersMs, bodyMs } = this.#config.timeouts;
      pool = new HttpPool(this.origin(system, listener), {
        connections: this.#config.limits.connectionsPerBackend,
        keepAliveTimeoutMs: 30_000,
        connectTimeoutMs: connectMs,
        headersTimeoutMs: headersMs,
        bodyTimeoutMs: bodyMs,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  health(): Record<string, { ok: boolean; lastError?: string; at: number }> {
    // Copies: the entries change in place on later calls.
    return Object.fromEntries([...this.#health].map(([system, h]) => [system, { ...h }]));
  }

  #mark(system: SystemName, ok: boolean, error?: string): void {
    const h = this.#health.get(system);
    if (ok && h !== undefined && h.ok) {
      // The common case: still healthy, no new object per call.
      h.at = Date.now();
      return;
    }
    this.#health.set(system, error === undefined ? { ok, at: Date.now() } : { ok, lastError: error, at: Date.now() });
  }

  /** Sends one POST; the caller must consume or dump the body. */
  async request(req: BackendRequest): Promise<BackendResponse> {
    const headers: Record<string, string> = {
      'content-type': req.contentType ?? 'application/json',
      'x-request-id': req.requestId,
    };
    if (req.accessToken !== undefined) headers.authorization = `Bearer ${req.accessToken}`;
    if (req.headers !== undefined) for (const [k, v] of Object.entries(req.headers)) headers[k] = v;
    const pool = this.#pool(req.system, req.listener);
    for (let attempt = 0; ; attempt++) {
      try {
        const method = req.method ?? 'POST';
        const res = await pool.request({ method, path: req.path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : req.body, signal: req.signal });
        this.#mark(req.system, true);
        return { status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (attempt === 0 && req.idempotent && RETRYABLE_CONNECTION_CODES.has(code)) continue;
        throw this.#toFault(req, err);
      }
    }
  }

  #toFault(req: BackendRequest, err: unknown): ApiFault {
    const code = (err as { code?: string }).code ?? '';
    const where = `${req.system} system (${req.listener})`;
    this.#mark(req.system, false, code || (err as Error).message);
    if (TIMEOUT_CODES.has(code)) {
      return dispatcherFault('backendTimeout', `The ${where} did not answer in time`, { cause: err, retryable: true });
    }
    if (code === 'ABORTED') return dispatcherFault('backendUnavailable', `The call to the ${where} was aborted`, { cause: err, retryable: true });
    return dispatcherFault('backendUnavailable', `The ${where} is unavailable (${code || (err as Error).message})`, { cause: err, retryable: true });
  }

  /** Sends a call and reads a JSON reply (for login, refresh, merges and internal lookups). */
  async callJson(req: BackendRequest): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await this.request(req);
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.#toFault(req, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw dispatcherFault('backendUnavailable', `The ${req.system} system answered ${req.path} with a non-JSON body (HTTP ${res.status})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw dispatcherFault('backendUnavailable', `The ${req.system} system answered ${req.path} with a JSON ${Array.isArray(json) ? 'array' : typeof json}`);
    }
    return { status: res.status, json: json as Record<string, unknown> };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
  }
}

/** A backend's fault reply turned into an ApiFault (passed through unchanged to the client). */
export function backendFault(json: Record<string, unknown>, status: number): ApiFault {
  const code = typeof json.faultcode === 'string' ? json.faultcode : 'Server.unknown';
  const text = typeof json.faultstring === 'string' ? json.faultstring : `HTTP ${status}`;
  return new ApiFault(code, text, { httpStatus: status >= 400 ? status : 500 });
}
