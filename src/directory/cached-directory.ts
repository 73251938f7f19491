import type { SystemName } from '../routing/api-call.ts';
import type {
  CustomerLocation, DirectoryChange, DirectoryChangeListener, DirectoryRecord, ImportReport, ImportRow, KeyTarget,
  LocationDirectory, LookupKeyKind,
} from './location-directory.ts';
import { LruMap } from './lru-map.ts';

export interface CachedDirectoryOptions {
  /** Entries kept per kind (customers, account owners, lookup keys); default 100,000 each. */
  maxEntries?: number;
}

/** Absence is cached too (a customer with no entry resolves by parity): `null` marks it. */
type Cached<T> = T | null;

/**
 * An in-process LRU in front of any directory. It never decides freshness itself; it follows the
 * inner directory's coherence signals (docs/directory-consistency.md):
 *
 * - `onChange` (this node's writes, and in a cluster every other node's, heard before the writer
 *   returns) deletes the named entries, or everything for `all`;
 * - `cacheToken()` is read on every lookup: a new value drops everything, `undefined` bypasses the
 *   cache entirely (e.g. the node's cluster lease lapsed);
 * - a lookup that raced with a change (the change arrived while the store was being read) is
 *   returned but not cached, so an old answer can never be stored after its invalidation.
 */
export class CachedDirectory implements LocationDirectory {
  readonly #inner: LocationDirectory;
  readonly #customers: LruMap<number, Cached<CustomerLocation>>;
  readonly #owners: LruMap<number, Cached<number>>;
  readonly #keys: LruMap<string, Cached<KeyTarget>>;
  readonly #listeners = new Set<DirectoryChangeListener>();
  readonly #unsubscribe: () => void;
  #token: number | undefined;
  /** Bumped by every invalidation; a read that saw it move does not store its answer. */
  #changes = 0;

  constructor(inner: LocationDirectory, options: CachedDirectoryOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    this.#inner = inner;
    this.#customers = new LruMap(max);
    this.#owners = new LruMap(max);
    this.#keys = new LruMap(max);
    this.#token = inner.cacheToken();
    this.#unsubscribe = inner.onChange((change) => {
      this.#invalidate(change);
      return Promise.all([...this.#listeners].map((l) => l(change))).then(() => undefined);
    });
  }

  #invalidate(change: DirectoryChange): void {
    this.#changes++;
    if (change.all === true) { this.#clear(); return; }
    if (change.iCustomer !== undefined) this.#customers.delete(change.iCustomer);
    for (const a of change.accounts ?? []) this.#owners.delete(a);
    for (const k of change.keys ?? []) this.#keys.delete(`${k.kind}\u0000${k.value}`);
  }

  #clear(): void {
    this.#customers.clear();
    this.#owners.clear();
    this.#keys.clear();
  }

  /** The usable token, after dropping everything if it changed; undefined = do not use the cache. */
  #usable(): number | undefined {
    const token = this.#inner.cacheToken();
    if (token !== this.#token) {
      this.#changes++;
      this.#clear();
      this.#token = token;
    }
    return token;
  }

  async #through<K, V>(lru: LruMap<K, Cached<V>>, key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const token = this.#usable();
    if (token === undefined) return load();
    const hit = lru.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const before = this.#changes;
    const value = await load();
    if (before === this.#changes && this.#usable() === token) lru.set(key, value === undefined ? null : value);
    return value;
  }

  getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    return this.#through(this.#customers, iCustomer, async () => {
      const loc = await this.#inner.getCustomer(iCustomer);
      return loc === undefined ? undefined : Object.freeze(loc);
    });
  }

  getAccountOwner(iAccount: number): Promise<number | undefined> {
    return this.#through(this.#owners, iAccount, () => this.#inner.getAccountOwner(iAccount));
  }

  findKey(kind: LookupKeyKind, value: string): Promise<KeyTarget | undefined> {
    return this.#through(this.#keys, `${kind}\u0000${value}`, async () => {
      const t = await this.#inner.findKey(kind, value);
      return t === undefined ? undefined : Object.freeze(t);
    });
  }

  putCustomer(record: DirectoryRecord): Promise<CustomerLocation> {
    return this.#inner.putCustomer(record);
  }

  putAccount(iAccount: number, iCustomer: number, keys?: { id?: string; login?: string }): Promise<void> {
    return this.#inner.putAccount(iAccount, iCustomer, keys);
  }

  putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void> {
    return this.#inner.putKey(kind, value, target);
  }

  accountsOf(iCustomer: number): Promise<number[]> {
    return this.#inner.accountsOf(iCustomer);
  }

  beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation> {
    return this.#inner.beginMove(iCustomer, from);
  }

  commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation> {
    return this.#inner.commitMove(iCustomer, system);
  }

  abortMove(iCustomer: number): Promise<CustomerLocation> {
    return this.#inner.abortMove(iCustomer);
  }

  listMoving(): Promise<CustomerLocation[]> {
    return this.#inner.listMoving();
  }

  importRecords(rows: AsyncIterable<ImportRow>): Promise<ImportReport> {
    return this.#inner.importRecords(rows);
  }

  onChange(listener: DirectoryChangeListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  cacheToken(): number | undefined {
    return this.#inner.cacheToken();
  }

  check(): Promise<void> {
    return this.#inner.check();
  }

  /** Entries held now (all kinds); for metrics and tests. */
  get size(): number {
    return this.#customers.size + this.#owners.size + this.#keys.size;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#listeners.clear();
    this.#clear();
    await this.#inner.close();
  }
}
