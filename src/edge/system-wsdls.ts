import { createHash } from 'node:crypto';
import type { Realm, SystemName } from '../core/api-call.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import { dispatcherFault } from '../core/faults.ts';

/** WSDL and schema file names: letters, digits, `_`, `-` and inner dots; no path, no escapes. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
/** A real WSDL is a few hundred KiB at most; a system sending far more is refused. */
export const MAX_WSDL_BYTES = 8 * 1024 * 1024;
/** `location="http://host:port/…"` and `schemaLocation="…"`: the addresses a client follows. */
const ADDRESS_ATTRIBUTE = /(\s(?:location|schemaLocation)\s*=\s*)(["'])(https?:\/\/[^/"'?#]*)([^"']*)\2/g;
/** An API version a WSDL may state in its documentation (`… version 117.2 …`). */
const VERSION = /<(?:\w+:)?documentation[^>]*>[^<]*?\bversion\b\D{0,20}(\d+(?:\.\d+)+)/i;

/** One WSDL (or included schema) file as a system serves it. */
export interface SystemWsdl {
  system: SystemName;
  /** The file's text with the system's addresses (rewritten per client by {@link withOrigin}). */
  text: string;
  contentType: string;
  fetchedAt: number;
}

/** How the two systems' copies of one file compare (the drift report's API section). */
export interface WsdlComparison {
  realm: Realm;
  file: string;
  /** The API version each copy states, the hash of its text with addresses taken out, or the reason it could not be read. */
  source: WsdlFingerprint;
  target: WsdlFingerprint;
  same: boolean;
}

export type WsdlFingerprint = { version?: string; sha256: string } | { error: string };

/** Where the SOAP front takes the WSDLs it serves. */
export interface WsdlSource {
  get(realm: Realm, file: string, requestId: string): Promise<SystemWsdl>;
}

export interface SystemWsdlsOptions {
  /** The system whose copy is served (`routing.defaultContext`); the other answers when it cannot. */
  preferred: SystemName;
  /** A cached copy older than this is fetched again on its next request (served stale meanwhile). Default 5 minutes. */
  refreshMs?: number;
  now?: () => number;
}

/** The file's addresses with their origin replaced by the dispatcher's (paths kept). */
export function withOrigin(text: string, origin: string): string {
  const base = origin.replace(/\/+$/, '');
  return text.replace(ADDRESS_ATTRIBUTE, (_m, attr: string, quote: string, _origin: string, rest: string) => `${attr}${quote}${base}${rest}${quote}`);
}

/** Version (if stated) and hash of a WSDL with its addresses taken out: equal for the same API. */
export function fingerprint(text: string): { version?: string; sha256: string } {
  const sha256 = createHash('sha256').update(withOrigin(text, '')).digest('hex');
  const version = VERSION.exec(text)?.[1];
  return version === undefined ? { sha256 } : { version, sha256 };
}

/**
 * The WSDLs the dispatcher serves are the systems' own (issue 16): fetched from the preferred
 * system (the other when it cannot answer), cached per realm and file, refreshed in the
 * background once older than `refreshMs` (the cached copy is served meanwhile, and kept when a
 * refresh fails). Only a 200 with an XML body is cached; any other answer of the system is a fault.
 */
export class SystemWsdls implements WsdlSource {
  readonly #backends: BackendClient;
  readonly #preferred: SystemName;
  readonly #refreshMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, SystemWsdl>();
  readonly #refreshing = new Map<string, Promise<SystemWsdl>>();

  constructor(backends: BackendClient, options: SystemWsdlsOptions) {
    this.#backends = backends;
    this.#preferred = options.preferred;
    this.#refreshMs = options.refreshMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  static isFileName(name: string): boolean {
    return FILE_NAME.test(name) && !name.includes('..');
  }

  /** The file from the cache, or fetched; a stale copy is served while it is fetched again. */
  async get(realm: Realm, file: string, requestId: string): Promise<SystemWsdl> {
    if (!SystemWsdls.isFileName(file)) throw dispatcherFault('notFound', `No such WSDL: ${file.slice(0, 100)}`, { httpStatus: 404 });
    const key = `${realm}/${file}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      if (this.#now() - cached.fetchedAt >= this.#refreshMs) this.#refresh(key, realm, file, requestId).catch(() => undefined);
      return cached;
    }
    return this.#refresh(key, realm, file, requestId);
  }

  /** The files served so far, by realm. */
  served(): Array<{ realm: Realm; file: string }> {
    return [...this.#cache.keys()].map((k) => ({ realm: k.slice(0, k.indexOf('/')) as Realm, file: k.slice(k.indexOf('/') + 1) }));
  }

  /** Both systems' copies of each file, fetched now and compared (addresses aside). */
  async compare(files: ReadonlyArray<{ realm: Realm; file: string }>, requestId: string): Promise<WsdlComparison[]> {
    const print = (system: SystemName, realm: Realm, file: string): Promise<WsdlFingerprint> =>
      this.#fetch(system, realm, file, requestId).then((w) => fingerprint(w.text), (err: unknown) => ({ error: (err as Error).message }));
    return Promise.all(files.map(async ({ realm, file }) => {
      const [source, target] = await Promise.all([print('source', realm, file), print('target', realm, file)]);
      const same = 'sha256' in source && 'sha256' in target && source.sha256 === target.sha256;
      return { realm, file, source, target, same };
    }));
  }

  #refresh(key: string, realm: Realm, file: string, requestId: string): Promise<SystemWsdl> {
    const running = this.#refreshing.get(key);
    if (running !== undefined) return running;
    const other: SystemName = this.#preferred === 'source' ? 'target' : 'source';
    const p = this.#fetch(this.#preferred, realm, file, requestId)
      .catch((first: unknown) => this.#fetch(other, realm, file, requestId).catch(() => { throw first; }))
      .then((w) => {
        this.#cache.set(key, w);
        return w;
      })
      .finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, p);
    return p;
  }

  async #fetch(system: SystemName, realm: Realm, file: string, requestId: string): Promise<SystemWsdl> {
    const res = await this.#backends.request({ system, listener: realm, path: `/wsdl/${file}`, method: 'GET', body: '', requestId, idempotent: true });
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : '';
    const declared = Number(res.headers['content-length'] ?? 0);
    if (res.status !== 200 || !/xml/i.test(contentType) || declared > MAX_WSDL_BYTES) {
      await res.body.dump();
      const what = `WSDL ${file}: the ${system} system answered HTTP ${res.status} with ${contentType || 'no content type'}${declared > MAX_WSDL_BYTES ? ` and ${declared} bytes` : ''}`;
      // A 404, or a SOAP fault in answer to the GET: the system has no such file.
      if (res.status === 404 || (res.status === 500 && /xml/i.test(contentType))) throw dispatcherFault('notFound', what, { httpStatus: 404 });
      throw dispatcherFault('backendUnavailable', what, { retryable: true });
    }
    const text = await res.body.text();
    if (Buffer.byteLength(text) > MAX_WSDL_BYTES) throw dispatcherFault('backendUnavailable', `WSDL ${file}: the ${system} system sent more than ${MAX_WSDL_BYTES} bytes`);
    return { system, text, contentType, fetchedAt: this.#now() };
  }
}
