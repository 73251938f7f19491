import type { SystemName } from '../core/api-call.ts';
import type {
  CustomerLocation, CustomerRouteRow, DirectoryChange, DirectoryChangeListener, DirectoryRecord, ImportReport, ImportRow, KeyTarget,
  LocationDirectory, LookupKeyKind,
  LocationCounts, CutoverOutcomeCount,
} from './location-directory.ts';
import { LruMap } from '../core/lru-map.ts';
import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import { checkOwnedRows, ownedKey, sameOwner } from './owned-record.ts';
import type { OwnedRecord } from './owned-record.ts';
import { CustomerIndex } from './customer-index.ts';
import type { CustomerIndexStats } from './customer-index.ts';

export interface CachedDirectoryOptions {
  /** Entries kept per kind (customers, account owners, lookup keys, owned records); default 100,000 each. */
  maxEntries?: number;
  /**
   * Keep every customer's system in memory too (`CustomerIndex`, a quarter byte per id), loaded
   * from the store in the background. Off where the store's `cacheToken` moves on every foreign
   * write (SQLite shared by cluster workers): each move would mean a reload of the whole table.
   */
  index?: boolean;
  /** Told when a background index load fails; the index answers nothing until a load succeeds. */
  onIndexError?: (err: unknown) => void;
  /** First delay before a failed load is tried again (default 1 s; doubles up to a minute). */
  indexRetryMs?: number;
}

/** A failed index load is tried again after 1 s, doubling up to a minute. */
const INDEX_RETRY_MIN_MS = 1000;
const INDEX_RETRY_MAX_MS = 60_000;

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
  /**
   * Owned record → owner. Cached like account owners: an owner rarely changes (the customer's
   * location is what moves, and that is read from `#customers` / the index on every call), and
   * when it does the change names the record, so the entry goes before the writer returns.
   */
  readonly #ownedOwners: LruMap<string, Cached<OwnedRecordOwner>>;
  readonly #listeners = new Set<DirectoryChangeListener>();
  readonly #unsubscribe: () => void;
  readonly #index: CustomerIndex | undefined;
  readonly #onIndexError: (err: unknown) => void;
  #closed = false;
  #indexLoad: Promise<boolean> = Promise.resolve(false);
  #indexRetry: NodeJS.Timeout | undefined;
  readonly #indexRetryMinMs: number;
  #indexRetryMs: number;
  #token: number | undefined;
  /** The token the index was (last) loaded under: it reloads only when a different one appears. */
  #indexToken: number | undefined;
  /** Bumped by every invalidation; a read that saw it move does not store its answer. */
  #changes = 0;

  constructor(inner: LocationDirectory, options: CachedDirectoryOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    this.#inner = inner;
    this.#customers = new LruMap(max);
    this.#owners = new LruMap(max);
    this.#keys = new LruMap(max);
    this.#ownedOwners = new LruMap(max);
    this.#token = inner.cacheToken();
    this.#indexToken = this.#token;
    this.#onIndexError = options.onIndexError ?? (() => undefined);
    this.#indexRetryMinMs = options.indexRetryMs ?? INDEX_RETRY_MIN_MS;
    this.#indexRetryMs = this.#indexRetryMinMs;
    if (options.index === true) {
      this.#index = new CustomerIndex();
      this.#loadIndex();
    }
    this.#unsubscribe = inner.onChange((change) => {
      this.#invalidate(change);
      return Promise.all([...this.#listeners].map((l) => l(change))).then(() => undefined);
    });
  }

  #invalidate(change: DirectoryChange): void {
    this.#changes++;
    if (change.all === true) {
      this.#clear();
      // A store announcing "all" usually moves its token too: this load serves for both.
      const token = this.#inner.cacheToken();
      if (token !== undefined) this.#indexToken = token;
      this.#loadIndex();
      return;
    }
    if (change.iCustomer !== undefined) {
      this.#customers.delete(change.iCustomer);
      this.#index?.noteChange(change.iCustomer, change.location);
    }
    for (const a of change.accounts ?? []) this.#owners.delete(a);
    for (const k of change.keys ?? []) this.#keys.delete(`${k.kind}\u0000${k.value}`);
    for (const o of change.owned ?? []) this.#ownedOwners.delete(ownedKey(o.kind, o.id));
  }

  #clear(): void {
    this.#customers.clear();
    this.#owners.clear();
    this.#keys.clear();
    this.#ownedOwners.clear();
  }

  /** (Re)loads the index in the background; a newer load or `close` supersedes a running one. */
  #loadIndex(): void {
    const index = this.#index;
    if (index === undefined || this.#closed) return;
    clearTimeout(this.#indexRetry);
    this.#indexLoad = index.load((after, limit) => this.#inner.scanRoutes(after, limit)).then((done) => {
      if (done) this.#indexRetryMs = this.#indexRetryMinMs;
      return done;
    }, (err: unknown) => {
      if (this.#closed) return false;
      this.#onIndexError(err);
      // Stores whose token never moves (memory, SQLite) would otherwise stay unindexed for good.
      this.#indexRetry = setTimeout(() => this.#loadIndex(), this.#indexRetryMs);
      this.#indexRetry.unref();
      this.#indexRetryMs = Math.min(INDEX_RETRY_MAX_MS, this.#indexRetryMs * 2);
      return false;
    });
  }

  /** The usable token, after dropping everything if it changed; undefined = do not use the cache. */
  #usable(): number | undefined {
    const token = this.#inner.cacheToken();
    if (token !== this.#token) {
      this.#changes++;
      this.#clear();
      this.#token = token;
      // Undefined (a lapsed lease) only suspends the index: the same token back means nothing was missed.
      if (token !== undefined && token !== this.#indexToken) {
        this.#indexToken = token;
        this.#loadIndex();
      }
    }
    return token;
  }

  async #through<K, V>(lru: LruMap<K, Cached<V>>, key: K, load: () => Promise<V | undefined>, alsoKeep?: (value: V | undefined) => void): Promise<V | undefined> {
    const token = this.#usable();
    if (token === undefined) return load();
    const hit = lru.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const before = this.#changes;
    const value = await load();
    if (before === this.#changes && this.#usable() === token) {
      lru.set(key, value === undefined ? null : value);
      alsoKeep?.(value);
    }
    return value;
  }

  getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    return this.#through(this.#customers, iCustomer, async () => {
      const loc = await this.#inner.getCustomer(iCustomer);
      return loc === undefined ? undefined : Object.freeze(loc);
    }, this.#index === undefined ? undefined : (loc) => this.#index!.learn(iCustomer, loc));
  }

  knownRoute(iCustomer: number): SystemName | null | undefined {
    if (this.#usable() === undefined) return undefined;
    const indexed = this.#index?.route(iCustomer);
    if (indexed !== undefined) return indexed;
    const hit = this.#customers.get(iCustomer);
    if (hit === undefined) return undefined;
    return hit === null ? null : hit.state === 'active' ? hit.system : undefined;
  }

  scanRoutes(afterId: number, limit: number): Promise<CustomerRouteRow[]> {
    return this.#inner.scanRoutes(afterId, limit);
  }

  /** Settles when the latest index load ends: true when it completed, false when superseded or failed. */
  indexLoaded(): Promise<boolean> {
    return this.#indexLoad;
  }

  /** The routing index's state, when it is on; for metrics and tests. */
  indexStats(): CustomerIndexStats | undefined {
    const stats = this.#index?.stats();
    // Loaded but silenced (lapsed lease, closed store) answers nothing: not ready.
    if (stats !== undefined && this.#inner.cacheToken() === undefined) stats.ready = false;
    return stats;
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

  getOwner(kind: OwnedKind, id: number): Promise<OwnedRecordOwner | undefined> {
    return this.#through(this.#ownedOwners, ownedKey(kind, id), async () => {
      const o = await this.#inner.getOwner(kind, id);
      return o === undefined ? undefined : Object.freeze(o);
    });
  }

  putOwned(kind: OwnedKind, id: number, owner: OwnedRecordOwner): Promise<void> {
    return this.putOwnedMany([{ kind, id, owner }]);
  }

  /**
   * Rows whose owner this cache already holds, unchanged, are not sent to the store: learning
   * from list replies repeats known owners on every call. Every row is checked first, so one bad
   * row refuses them all here as it would in the store.
   */
  async putOwnedMany(rows: readonly OwnedRecord[]): Promise<void> {
    checkOwnedRows(rows);
    const fresh = this.#usable() === undefined ? rows : rows.filter((r) => {
      const hit = this.#ownedOwners.get(ownedKey(r.kind, r.id));
      return hit === undefined || hit === null || !sameOwner(hit, r.owner);
    });
    if (fresh.length > 0) await this.#inner.putOwnedMany(fresh);
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

  cutoverOutcomes(): Promise<CutoverOutcomeCount[]> {
    return this.#inner.cutoverOutcomes();
  }

  countLocations(): Promise<LocationCounts> {
    return this.#inner.countLocations();
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
    return this.#customers.size + this.#owners.size + this.#keys.size + this.#ownedOwners.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#indexRetry);
    this.#index?.reset();
    this.#unsubscribe();
    this.#listeners.clear();
    this.#clear();
    await this.#inner.close();
  }
}
