import type { DispatcherSession } from './session.ts';
import type { SessionChangeFeed, SessionStore } from './session-store.ts';
import { dropOldest } from '../core/lru-map.ts';

export interface CachedSessionStoreOptions {
  /** A cached copy older than this is read again from the shared store. */
  maxAgeMs?: number;
  /** Most sessions held; past it the oldest-cached goes first. */
  maxEntries?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Entry {
  json: string;
  expiresAt: number;
  cachedAt: number;
}

/**
 * A node's copy of recently used sessions in front of a shared store (Redis), so a routed call
 * does not pay a store round trip. Copies are kept as JSON text (each read returns a fresh object,
 * as the shared store does) for at most `maxAgeMs`, and dropped when the feed reports that another
 * node put or deleted the session. While the feed is down nothing is cached, so a missed
 * invalidation cannot leave a stale copy behind. A read that overlapped any change is not cached:
 * it may have fetched the value from before the change.
 */
export class CachedSessionStore implements SessionStore {
  #inner: SessionStore;
  #entries = new Map<string, Entry>();
  #maxAgeMs: number;
  #maxEntries: number;
  #now: () => number;
  /** Bumped on every change seen (local or remote); a read caches only if it did not move. */
  #epoch = 0;
  #feedUp = false;
  #unwatch: (() => Promise<void>) | undefined;

  private constructor(inner: SessionStore, opts: CachedSessionStoreOptions) {
    this.#inner = inner;
    this.#maxAgeMs = opts.maxAgeMs ?? 2000;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Wraps `inner`, subscribed to `feed` (normally the same store) before it returns. */
  static async open(inner: SessionStore, feed: SessionChangeFeed, opts: CachedSessionStoreOptions = {}): Promise<CachedSessionStore> {
    const store = new CachedSessionStore(inner, opts);
    store.#unwatch = await feed.watchChanges({
      changed: (id) => {
        store.#epoch++;
        store.#entries.delete(id);
      },
      lost: () => {
        store.#epoch++;
        store.#feedUp = false;
        store.#entries.clear();
      },
      ready: () => {
        store.#epoch++;
        store.#feedUp = true;
      },
    });
    return store;
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      if (now - hit.cachedAt <= this.#maxAgeMs && hit.expiresAt > now / 1000) return JSON.parse(hit.json) as DispatcherSession;
      this.#entries.delete(id);
    }
    const epoch = this.#epoch;
    const session = await this.#inner.get(id);
    if (session !== undefined && this.#feedUp && epoch === this.#epoch) this.#remember(session, this.#now());
    return session;
  }

  #remember(session: DispatcherSession, now: number): void {
    const entries = this.#entries;
    entries.delete(session.id); // re-inserted last: the Map's order is the eviction order
    entries.set(session.id, { json: JSON.stringify(session), expiresAt: session.expiresAt, cachedAt: now });
    // The oldest 1/64 at once: one at a time, finding the first key walks every slot deleted before it.
    if (entries.size > this.#maxEntries) dropOldest(entries, Math.ceil(this.#maxEntries / 64));
  }

  async put(session: DispatcherSession): Promise<void> {
    const before = ++this.#epoch;
    this.#entries.delete(session.id);
    await this.#inner.put(session);
    // A read that overlapped the write may hold the old value: the bump keeps it out. Our own copy
    // is cached only when no other change came in while the write was in flight.
    const quiet = this.#epoch === before;
    this.#epoch++;
    if (this.#feedUp && quiet) this.#remember(session, this.#now());
  }

  async update(id: string, change: (session: DispatcherSession) => void): Promise<DispatcherSession | undefined> {
    this.#epoch++;
    this.#entries.delete(id);
    const session = await this.#inner.update(id, change);
    this.#epoch++;
    this.#entries.delete(id);
    return session;
  }

  async delete(id: string): Promise<void> {
    this.#epoch++;
    this.#entries.delete(id);
    await this.#inner.delete(id);
    this.#epoch++;
    this.#entries.delete(id);
  }

  count(): Promise<number> {
    return this.#inner.count();
  }

  check(): Promise<void> {
    return this.#inner.check();
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#feedUp = false;
    await this.#unwatch?.();
    await this.#inner.close();
  }
}
