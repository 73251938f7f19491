import type { Realm, SystemName } from '../core/api-call.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import { fetchSystemWsdl, type SystemWsdl } from '../backends/system-wsdl.ts';
import { dispatcherFault } from '../core/faults.ts';

export { withOrigin, type SystemWsdl } from '../backends/system-wsdl.ts';

/** WSDL and schema file names: letters, digits, `_`, `-` and inner dots; no path, no escapes. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** Where the SOAP front takes the WSDLs it serves. */
export interface WsdlSource {
  get(realm: Realm, file: string, requestId: string): Promise<SystemWsdl>;
}

export interface SystemWsdlsOptions {
  /** The system whose copy is served (`routing.defaultContext`); the other answers when it cannot. */
  preferred: SystemName;
  /** A cached copy older than this is fetched again on its next request (served meanwhile). Default 5 minutes. */
  refreshMs?: number;
  now?: () => number;
}

/**
 * The WSDLs the dispatcher serves are the systems' own (issue 16): fetched from the preferred
 * system (the other when it cannot answer), cached per realm and file, refreshed in the
 * background once older than `refreshMs` (the cached copy is served meanwhile, and kept when a
 * refresh fails).
 */
export class SystemWsdls implements WsdlSource {
  readonly #backends: BackendClient;
  readonly #preferred: SystemName;
  readonly #refreshMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, SystemWsdl>();
  readonly #fetching = new Map<string, Promise<SystemWsdl>>();

  constructor(backends: BackendClient, options: SystemWsdlsOptions) {
    this.#backends = backends;
    this.#preferred = options.preferred;
    this.#refreshMs = options.refreshMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  async get(realm: Realm, file: string, requestId: string): Promise<SystemWsdl> {
    if (!FILE_NAME.test(file) || file.includes('..')) throw dispatcherFault('notFound', `No such WSDL: ${file.slice(0, 100)}`, { httpStatus: 404 });
    const key = `${realm}/${file}`;
    const cached = this.#cache.get(key);
    if (cached === undefined) return this.#fetch(key, realm, file, requestId);
    if (this.#now() - cached.fetchedAt >= this.#refreshMs) this.#fetch(key, realm, file, requestId).catch(() => undefined);
    return cached;
  }

  /** One fetch per file at a time; the preferred system first, the other when it cannot answer. */
  #fetch(key: string, realm: Realm, file: string, requestId: string): Promise<SystemWsdl> {
    const running = this.#fetching.get(key);
    if (running !== undefined) return running;
    const other: SystemName = this.#preferred === 'source' ? 'target' : 'source';
    const p = fetchSystemWsdl(this.#backends, this.#preferred, realm, file, requestId, this.#now)
      .catch((first: unknown) => fetchSystemWsdl(this.#backends, other, realm, file, requestId, this.#now).catch(() => { throw first; }))
      .then((w) => {
        this.#cache.set(key, w);
        return w;
      })
      .finally(() => this.#fetching.delete(key));
    this.#fetching.set(key, p);
    return p;
  }
}
