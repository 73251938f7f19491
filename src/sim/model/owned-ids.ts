import type { SystemName } from '../../core/api-call.ts';
import { hash3 } from './hash.ts';

/**
 * Kinds of records that belong to one customer or account (owned records), each with its own
 * range of slots. Values are part of the id encoding: never renumber them.
 */
export const OWNED_KIND = {
  invoice: 1,
  xdr: 2,
  heavyXdr: 3,
  subscription: 4,
  did: 5,
  ua: 6,
  alias: 7,
  vdCounter: 8,
  document: 9,
} as const;

export type OwnedKind = keyof typeof OWNED_KIND;

/** Seeded records use slot indexes below this. */
export const SEEDED_INDEX_LIMIT = 2 ** 33;
/** The free DID pool of a system (no owner) uses indexes from here. */
export const FREE_POOL_INDEX = 2 ** 33;
/** Records created through the API (add_alias, add_subscription, uploads…) use indexes from here. */
export const CREATED_INDEX = 2 ** 34;
const INDEX_BITS = 35;
const KIND_BITS = 4;
const HALF_BITS = 20;
const HALF = 2 ** HALF_BITS;
const ROUNDS = 4;

/** What an owned id stands for: the system that made it, its kind and its slot. */
export interface OwnedSlot {
  role: SystemName;
  kind: OwnedKind;
  index: number;
}

const KIND_BY_NUMBER = new Map<number, OwnedKind>(Object.entries(OWNED_KIND).map(([k, v]) => [v, k as OwnedKind]));

/**
 * Ids of owned records (`i_invoice`, `i_xdr`, `i_did_number`, `i_ua`, `i_customer_subscription`,
 * `i_alias`, …): a keyed permutation (4-round Feistel over 40 bits, keyed by the seed only) of
 * (system, kind, slot). So an id is deterministic, never reused across the two systems or across
 * kinds, and survives a transfer unchanged — but, like a real PortaBilling id, says nothing a
 * client can read about its owner or about ID parity: the owner is learned from replies
 * (`invoice_info.i_customer`, …) or by asking.
 */
export class OwnedIds {
  readonly #seed: number;

  constructor(seed: number) {
    this.#seed = seed;
  }

  #round(r: number, value: number): number {
    return hash3(this.#seed ^ 0x5eed, value, 900 + r) & (HALF - 1);
  }

  /** The id of slot `index` of `kind` made by `role` (index 0 ≤ index < 2^35). */
  encode(role: SystemName, kind: OwnedKind, index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** INDEX_BITS) throw new Error(`owned-record index out of range: ${index}`);
    const plain = (role === 'target' ? 2 ** (INDEX_BITS + KIND_BITS) : 0) + OWNED_KIND[kind] * 2 ** INDEX_BITS + index;
    let left = Math.floor(plain / HALF);
    let right = plain % HALF;
    for (let r = 0; r < ROUNDS; r++) {
      const next = (left ^ this.#round(r, right)) >>> 0;
      left = right;
      right = next;
    }
    return left * HALF + right + 1;
  }

  /** The slot an id stands for, or undefined when it is not an owned id of this seed. */
  decode(id: number): OwnedSlot | undefined {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** (2 * HALF_BITS)) return undefined;
    const v = id - 1;
    let left = Math.floor(v / HALF);
    let right = v % HALF;
    for (let r = ROUNDS - 1; r >= 0; r--) {
      const prev = (right ^ this.#round(r, left)) >>> 0;
      right = left;
      left = prev;
    }
    const plain = left * HALF + right;
    const role: SystemName = plain >= 2 ** (INDEX_BITS + KIND_BITS) ? 'target' : 'source';
    const rest = plain % 2 ** (INDEX_BITS + KIND_BITS);
    const kind = KIND_BY_NUMBER.get(Math.floor(rest / 2 ** INDEX_BITS));
    if (kind === undefined) return undefined;
    return { role, kind, index: rest % 2 ** INDEX_BITS };
  }
}
