/**
 * Fast deterministic 32-bit hashing of small integer tuples. Seeded records are derived from
 * (seed, index, salt) on demand, so millions of customers cost no memory until they change.
 */
function mix(h: number): number {
  // murmur3 fmix32: good avalanche for consecutive integers.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Unsigned 32-bit hash of (seed, a, b). */
export function hash3(seed: number, a: number, b: number): number {
  let h = mix((seed | 0) ^ 0x9e3779b9);
  h = mix(h ^ (a % 0x1_0000_0000) ^ Math.floor(a / 0x1_0000_0000));
  return mix(h ^ Math.imul(b + 1, 0x27d4eb2f));
}

/** Pick one element of a non-empty list by hash. */
export function pick<T>(list: readonly T[], h: number): T {
  const v = list[h % list.length];
  if (v === undefined) throw new Error('pick from an empty list');
  return v;
}
