import type { SystemName } from '../core/api-call.ts';
import type { CustomerLocation, CustomerRouteRow } from './location-directory.ts';

/**
 * Ids at or above this are never indexed (their lookups go to the cache and the store): a dense
 * table costs a quarter byte per id up to the largest one, so the cap bounds it at 32 MiB.
 */
export const MAX_INDEXED_ID = 2 ** 27;

/** Rows read from the store per page while loading; one page is one short synchronous step. */
export const INDEX_PAGE_ROWS = 8192;

// Two bits per customer id. ABSENT is 0 so that a zero-filled (or not yet grown) table means "no
// entry"; ASK means the index does not know (moving, or changed without its new location).
const ABSENT = 0;
const SOURCE = 1;
const TARGET = 2;
const ASK = 3;

/** Only positive integer ids below the cap have a slot; anything else is always "ask". */
const indexable = (iCustomer: number): boolean => Number.isInteger(iCustomer) && iCustomer > 0 && iCustomer < MAX_INDEXED_ID;

const codeOf = (loc: Pick<CustomerLocation, 'system' | 'state'> | undefined): number =>
  loc === undefined ? ABSENT : loc.state !== 'active' ? ASK : loc.system === 'source' ? SOURCE : TARGET;

export interface CustomerIndexStats {
  ready: boolean;
  /** Customers whose system the index answers (active ones). */
  customers: number;
  bytes: number;
  /** Seconds the last completed load took. */
  loadSeconds: number;
}

/**
 * Every customer's system in a quarter byte, so routing by i_customer never waits for a store read
 * however large the directory (S6: 10,000,000 customers in 2.5 MiB). It answers only for active
 * customers; moving ones and any it is unsure of are "ask the directory".
 *
 * It is a cache like `CachedDirectory`'s LRU and follows the same coherence signals (the owner
 * calls `noteChange`/`reset`): a load reads the whole customer table page by page; a change heard
 * while loading is re-applied after every page, because a page read before the change may be
 * stored after it. Until a load completes, `route` answers nothing.
 */
export class CustomerIndex {
  #table = new Uint8Array(0);
  #ready = false;
  /** Slots holding SOURCE or TARGET, kept by every write to the table. */
  #active = 0;
  #loadSeconds = 0;
  /** Bumped by `reset`: a load that sees it move stops, a newer one has started. */
  #generation = 0;
  /** Changes heard during the running load: id → code. */
  #heardDuringLoad: Map<number, number> | undefined;

  /** The system of an active customer, `null` when the directory has no entry, `undefined` when unsure. */
  route(iCustomer: number): SystemName | null | undefined {
    if (!this.#ready || !indexable(iCustomer)) return undefined;
    const byte = iCustomer >>> 2;
    if (byte >= this.#table.length) return null;
    const code = (this.#table[byte]! >>> ((iCustomer & 3) << 1)) & 3;
    return code === ABSENT ? null : code === SOURCE ? 'source' : code === TARGET ? 'target' : undefined;
  }

  /** A change to one customer: its new location when the change says it, else "ask". */
  noteChange(iCustomer: number, location: CustomerLocation | undefined): void {
    const code = location === undefined ? ASK : codeOf(location);
    this.#heardDuringLoad?.set(iCustomer, code);
    this.#put(iCustomer, code);
  }

  /** What a store read returned (the owner calls this only for reads no change raced with). */
  learn(iCustomer: number, location: CustomerLocation | undefined): void {
    this.#put(iCustomer, codeOf(location));
  }

  /** Anything may have changed: answer nothing until the next load completes. */
  reset(): void {
    this.#generation++;
    this.#ready = false;
    this.#heardDuringLoad = undefined;
  }

  /**
   * Reads every customer through `scan` (pages in i_customer order), yielding to the event loop
   * between pages. Resolves false when a `reset` (or a newer load) overtook it, whatever happened
   * to its reads; a failed read of the current load rejects and leaves the index not ready (lookups
   * go to the directory).
   */
  async load(scan: (afterId: number, limit: number) => Promise<CustomerRouteRow[]>): Promise<boolean> {
    this.reset();
    const generation = this.#generation;
    const started = performance.now();
    const heard = new Map<number, number>();
    this.#heardDuringLoad = heard;
    this.#table = new Uint8Array(this.#table.length);
    this.#active = 0;
    let after = 0;
    for (;;) {
      let rows: CustomerRouteRow[];
      try {
        rows = await scan(after, INDEX_PAGE_ROWS);
      } catch (err) {
        if (generation !== this.#generation) return false;
        this.#heardDuringLoad = undefined;
        throw err;
      }
      if (generation !== this.#generation) return false;
      for (const [iCustomer, system, state] of rows) {
        this.#put(iCustomer, codeOf({ system, state }));
      }
      for (const [iCustomer, code] of heard) this.#put(iCustomer, code);
      if (rows.length < INDEX_PAGE_ROWS) break;
      after = rows[rows.length - 1]![0];
      await new Promise<void>((r) => setImmediate(r));
      if (generation !== this.#generation) return false;
    }
    this.#heardDuringLoad = undefined;
    this.#loadSeconds = (performance.now() - started) / 1000;
    this.#ready = true;
    return true;
  }

  stats(): CustomerIndexStats {
    return { ready: this.#ready, customers: this.#ready ? this.#active : 0, bytes: this.#table.byteLength, loadSeconds: this.#loadSeconds };
  }

  #put(iCustomer: number, code: number): void {
    if (!indexable(iCustomer)) return;
    const byte = iCustomer >>> 2;
    if (byte >= this.#table.length) {
      if (code === ABSENT) return;
      const grown = new Uint8Array(Math.min(MAX_INDEXED_ID / 4, Math.max(byte + 1, Math.ceil(this.#table.length * 1.5), 1024)));
      grown.set(this.#table);
      this.#table = grown;
    }
    const shift = (iCustomer & 3) << 1;
    const old = (this.#table[byte]! >>> shift) & 3;
    if (old !== code) this.#active += (code === SOURCE || code === TARGET ? 1 : 0) - (old === SOURCE || old === TARGET ? 1 : 0);
    this.#table[byte] = (this.#table[byte]! & ~(3 << shift)) | (code << shift);
  }
}
