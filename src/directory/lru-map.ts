/**
 * A bounded map that forgets its least recently used entry when full. Built on `Map`'s insertion
 * order: a hit re-inserts the entry at the young end, so the oldest key is always first.
 */
export class LruMap<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`LRU size ${maxEntries} must be a positive integer`);
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, refreshed as most recently used; `undefined` when absent. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
