/**
 * A bounded map that forgets its least recently used entries when full. Built on `Map`'s insertion
 * order: a hit re-inserts the entry at the young end, so the oldest key is always first.
 *
 * When full it forgets the oldest 1/64 at once (one entry for up to 64): V8 leaves a deleted
 * entry's slot in place until the table is rebuilt, so finding the first key walks every slot
 * deleted before it. Evicting one entry per insert costs that walk on every miss (~70 µs at
 * 100,000 entries); in batches it is paid once per batch.
 */
/**
 * Deletes the `count` oldest entries of a Map (its insertion order), at least one, in one walk.
 * For any Map kept under a cap: dropping a batch at a time is what keeps that walk cheap (above).
 */
export function dropOldest(map: Map<unknown, unknown>, count: number): void {
  for (const k of map.keys()) {
    map.delete(k);
    if (--count <= 0) break;
  }
}

export class LruMap<K, V> {
  readonly #max: number;
  readonly #batch: number;
  readonly #map = new Map<K, V>();

  /** `maxEntries` 0 keeps nothing (a cache that is off). */
  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError(`LRU size ${maxEntries} must be a non-negative integer`);
    this.#max = maxEntries;
    this.#batch = Math.ceil(maxEntries / 64);
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
    if (this.#max === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      dropOldest(this.#map, this.#map.size - this.#max - 1 + this.#batch);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
