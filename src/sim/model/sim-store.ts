import type { JsonObject } from '../../core/api-call.ts';
import { SeedSpace } from './seed-space.ts';
import type { ConfigEntities } from './config-entities.ts';
import type { SimAccount, SimCustomer, SimPortaSipState } from './records.ts';
import { OwnedRecords, type OwnedBundle } from './owned-records.ts';

/** Everything a migration transfer carries for one customer (see control/transfer.ts). */
export interface CustomerBundle {
  customer: SimCustomer;
  accounts: { account: SimAccount; xdrs: JsonObject[]; portasip: SimPortaSipState }[];
  invoices: JsonObject[];
  subscriptions: JsonObject[];
  counters: JsonObject[];
  /** DIDs, UAs, aliases and documents (absent in bundles from older simulators). */
  owned?: OwnedBundle;
}

export interface MovedMark {
  moved_at: string;
  moved_to: string;
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== value) list.splice(lo, 0, value);
}

/**
 * The records of one simulated system: the lazily generated seed plus an overlay of every record
 * created, changed or imported (only those are held in memory). Lookups by generated keys are
 * parsed back to the seed index and then checked against the effective record, so a changed
 * login no longer finds its old owner.
 */
export class SimStore {
  readonly space: SeedSpace;
  readonly config: ConfigEntities;
  /** DIDs, UAs, aliases, documents and the owner index of every owned record. */
  readonly owned: OwnedRecords;
  readonly #customers = new Map<number, SimCustomer>();
  readonly #accounts = new Map<number, SimAccount>();
  /** Accounts not in the seeded slots of their customer (created or imported). */
  readonly #extraAccounts = new Map<number, number[]>();
  /** Customer ids outside the seeded range (created or imported), ascending. */
  readonly #extraCustomerIds: number[] = [];
  readonly #customerByLogin = new Map<string, number>();
  readonly #customerByName = new Map<string, number>();
  readonly #customerByRefnum = new Map<string, number>();
  readonly #accountByKey = new Map<string, number>();
  readonly #xdrs = new Map<number, JsonObject[]>();
  readonly #invoices = new Map<number, JsonObject[]>();
  readonly #subscriptions = new Map<number, JsonObject[]>();
  readonly #counters = new Map<number, JsonObject[]>();
  readonly #portasip = new Map<number, SimPortaSipState>();
  readonly #moved = new Map<number, MovedMark>();
  #nextCustomerId: number;
  #nextAccountId: number;

  constructor(space: SeedSpace, config: ConfigEntities) {
    this.space = space;
    this.config = config;
    this.owned = new OwnedRecords(space);
    this.#nextCustomerId = space.firstCreatedCustomerId();
    this.#nextAccountId = space.firstCreatedAccountId();
  }

  // ---- customers ----

  getCustomer(iCustomer: number): SimCustomer | undefined {
    const o = this.#customers.get(iCustomer);
    if (o) return o;
    const k = this.space.customerIndexOf(iCustomer);
    return k < 0 ? undefined : this.space.customerAt(k);
  }

  #verify(candidate: number | undefined, check: (c: SimCustomer) => boolean): SimCustomer | undefined {
    if (candidate === undefined) return undefined;
    const c = this.getCustomer(candidate);
    return c && check(c) ? c : undefined;
  }

  customerByLogin(login: string): SimCustomer | undefined {
    return this.#verify(this.#customerByLogin.get(login), (c) => c.login === login)
      ?? this.#verify(SeedSpace.customerIdFromLogin(login), (c) => c.login === login);
  }

  customerByName(name: string): SimCustomer | undefined {
    return this.#verify(this.#customerByName.get(name), (c) => c.name === name)
      ?? this.#verify(SeedSpace.customerIdFromName(name), (c) => c.name === name);
  }

  customerByRefnum(refnum: string): SimCustomer | undefined {
    return this.#verify(this.#customerByRefnum.get(refnum), (c) => c.refnum === refnum)
      ?? this.#verify(SeedSpace.customerIdFromRefnum(refnum), (c) => c.refnum === refnum);
  }

  /** Stores a customer record (created, changed or imported) and indexes its keys. */
  putCustomer(c: SimCustomer): void {
    this.#customers.set(c.i_customer, c);
    this.#customerByLogin.set(c.login, c.i_customer);
    this.#customerByName.set(c.name, c.i_customer);
    if (c.refnum !== '') this.#customerByRefnum.set(c.refnum, c.i_customer);
    if (this.space.customerIndexOf(c.i_customer) < 0) insertSorted(this.#extraCustomerIds, c.i_customer);
  }

  allocateCustomerId(): number {
    const id = this.#nextCustomerId;
    this.#nextCustomerId += 2;
    return id;
  }

  allocateAccountId(): number {
    const id = this.#nextAccountId;
    this.#nextAccountId += 2;
    return id;
  }

  /** Number of customers this system lists (seeded + created/imported). */
  customerTotal(): number {
    return this.space.customerCount + this.#extraCustomerIds.length;
  }

  /** Every listed customer id in ascending order (seeded range merged with the extras). */
  *customerIds(): Generator<number> {
    const extras = this.#extraCustomerIds;
    let e = 0;
    for (let k = 0; k < this.space.customerCount; k++) {
      const id = this.space.customerIdAt(k);
      while (e < extras.length && (extras[e] ?? 0) < id) yield extras[e++] ?? 0;
      yield id;
    }
    while (e < extras.length) yield extras[e++] ?? 0;
  }

  /** Customer ids from position `offset` of the ascending order (fast path for unfiltered pages). */
  *customerIdsFrom(offset: number): Generator<number> {
    if (this.#extraCustomerIds.length === 0) {
      for (let k = offset; k < this.space.customerCount; k++) yield this.space.customerIdAt(k);
      return;
    }
    let i = 0;
    for (const id of this.customerIds()) {
      if (i++ >= offset) yield id;
    }
  }

  /**
   * A page of the ascending customer ids that leaves out customers moved away (skip_exported),
   * without scanning: moved customers are few, so the page start is found by counting those
   * before it. Returns the ids and the total without them.
   */
  customerPageSkippingMoved(offset: number, limit: number): { ids: number[]; total: number } {
    const moved = [...this.#moved.keys()].sort((a, b) => a - b);
    const total = this.customerTotal() - moved.length;
    if (moved.length === 0) return { ids: [...this.#take(this.customerIdsFrom(offset), limit)], total };
    const movedSet = new Set(moved);
    // Position p of the full order holds the (offset)th unmoved id when p - (moved ids before it) = offset.
    let start = offset;
    for (let guard = 0; guard <= moved.length; guard++) {
      const first = this.customerIdsFrom(start).next();
      if (first.done) break;
      const before = moved.filter((id) => id < first.value).length;
      if (start === offset + before) break;
      start = offset + before;
    }
    const ids: number[] = [];
    for (const id of this.customerIdsFrom(start)) {
      if (ids.length >= limit) break;
      if (!movedSet.has(id)) ids.push(id);
    }
    return { ids, total };
  }

  *#take(it: Iterable<number>, n: number): Generator<number> {
    if (n <= 0) return;
    let k = 0;
    for (const id of it) {
      yield id;
      if (++k >= n) return;
    }
  }

  // ---- accounts ----

  getAccount(iAccount: number): SimAccount | undefined {
    const o = this.#accounts.get(iAccount);
    if (o) return o;
    const idx = this.space.accountIndexOf(iAccount);
    return idx ? this.space.accountAt(idx.k, idx.s) : undefined;
  }

  /** Account by its `id` or `login` (PortaBilling treats both as lookup keys). */
  accountByKey(kind: 'id' | 'login', value: string): SimAccount | undefined {
    const check = (a: SimAccount | undefined): SimAccount | undefined => (a && a[kind] === value ? a : undefined);
    const direct = this.#accountByKey.get(`${kind}:${value}`);
    const hit = direct === undefined ? undefined : check(this.getAccount(direct));
    if (hit) return hit;
    const parsed = SeedSpace.accountIdFromPhone(value);
    return parsed === undefined ? undefined : check(this.getAccount(parsed));
  }

  putAccount(a: SimAccount): void {
    const had = this.#accounts.has(a.i_account) || this.space.accountIndexOf(a.i_account) !== undefined;
    this.#accounts.set(a.i_account, a);
    this.#accountByKey.set(`id:${a.id}`, a.i_account);
    this.#accountByKey.set(`login:${a.login}`, a.i_account);
    if (!had || !this.#isSeededAccountOf(a.i_account, a.i_customer)) {
      const list = this.#extraAccounts.get(a.i_customer) ?? [];
      insertSorted(list, a.i_account);
      this.#extraAccounts.set(a.i_customer, list);
    }
  }

  #isSeededAccountOf(iAccount: number, iCustomer: number): boolean {
    const idx = this.space.accountIndexOf(iAccount);
    return idx !== undefined && this.space.customerIdAt(idx.k) === iCustomer;
  }

  /** Account ids of a customer, ascending. */
  accountIdsOf(iCustomer: number): number[] {
    const out: number[] = [];
    const k = this.space.customerIndexOf(iCustomer);
    if (k >= 0) {
      const n = this.space.accountCountAt(k);
      for (let s = 0; s < n; s++) out.push(this.space.accountIdAt(k, s));
    }
    for (const id of this.#extraAccounts.get(iCustomer) ?? []) if (!out.includes(id)) out.push(id);
    return out.sort((a, b) => a - b);
  }

  /** Every account id in ascending customer order (for unfiltered admin listings). */
  *accountIds(): Generator<number> {
    for (const c of this.customerIds()) yield* this.accountIdsOf(c);
  }

  // ---- history and services ----

  xdrsOf(a: SimAccount): JsonObject[] {
    return this.#xdrs.get(a.i_account) ?? (this.space.accountIndexOf(a.i_account) ? this.space.xdrsFor(a.i_account, a.id) : []);
  }

  invoicesOf(iCustomer: number): JsonObject[] {
    return this.#invoices.get(iCustomer) ?? (this.space.customerIndexOf(iCustomer) >= 0 ? this.space.invoicesFor(iCustomer) : []);
  }

  subscriptionsOf(iCustomer: number): JsonObject[] {
    return this.#subscriptions.get(iCustomer) ?? (this.space.customerIndexOf(iCustomer) >= 0 ? this.space.subscriptionsFor(iCustomer) : []);
  }

  /** Replaces a customer's subscription list (after add/update/close); new ids are claimed for it. */
  putSubscriptions(iCustomer: number, list: JsonObject[]): void {
    this.#subscriptions.set(iCustomer, list);
    for (const s of list) if (typeof s.i_customer_subscription === 'number') this.owned.claim(s.i_customer_subscription, { kind: 'subscription', i_customer: iCustomer });
  }

  putCounters(iCustomer: number, list: JsonObject[]): void {
    this.#counters.set(iCustomer, list);
  }

  countersOf(c: SimCustomer): JsonObject[] {
    const stored = this.#counters.get(c.i_customer);
    if (stored) return stored;
    const plan = c.i_discount_plan === null ? undefined : this.config.discountPlans.get(c.i_discount_plan);
    const vd = plan && typeof plan.i_vd_plan === 'number' ? this.config.vdPlans.get(plan.i_vd_plan) : undefined;
    return this.space.countersFor(c.i_customer, vd);
  }

  portaSipOf(a: SimAccount): SimPortaSipState {
    let s = this.#portasip.get(a.i_account);
    if (!s) {
      s = this.space.portaSipFor(a.i_account, a.id);
      this.#portasip.set(a.i_account, s);
    }
    return s;
  }

  // ---- migration ----

  movedMark(iCustomer: number): MovedMark | undefined {
    return this.#moved.get(iCustomer);
  }

  markMoved(iCustomer: number, mark: MovedMark): void {
    this.#moved.set(iCustomer, mark);
  }

  clearMoved(iCustomer: number): void {
    this.#moved.delete(iCustomer);
  }

  /** A deep copy of everything about one customer, for a transfer. */
  exportCustomer(iCustomer: number): CustomerBundle | undefined {
    const customer = this.getCustomer(iCustomer);
    if (!customer) return undefined;
    const accounts = this.accountIdsOf(iCustomer).flatMap((id) => {
      const account = this.getAccount(id);
      return account ? [{ account, xdrs: this.xdrsOf(account), portasip: this.portaSipOf(account) }] : [];
    });
    return structuredClone({
      customer,
      accounts,
      invoices: this.invoicesOf(iCustomer),
      subscriptions: this.subscriptionsOf(iCustomer),
      counters: this.countersOf(customer),
      owned: this.owned.exportOf(iCustomer),
    });
  }

  /** Stores a transferred customer as this system's own (overwriting any stale copy). */
  importCustomer(b: CustomerBundle): void {
    const id = b.customer.i_customer;
    this.putCustomer(b.customer);
    for (const { account, xdrs, portasip } of b.accounts) {
      this.putAccount(account);
      this.#xdrs.set(account.i_account, xdrs);
      this.#portasip.set(account.i_account, portasip);
    }
    this.#invoices.set(id, b.invoices);
    this.#subscriptions.set(id, b.subscriptions);
    this.#counters.set(id, b.counters);
    const claim = (list: JsonObject[], field: string, kind: 'invoice' | 'subscription' | 'vdCounter'): void => {
      for (const r of list) {
        const v = r[field];
        if (typeof v === 'number') this.owned.claim(v, { kind, i_customer: id });
      }
    };
    claim(b.invoices, 'i_invoice', 'invoice');
    claim(b.subscriptions, 'i_customer_subscription', 'subscription');
    claim(b.counters, 'i_vd_counter', 'vdCounter');
    for (const { account, xdrs } of b.accounts) {
      for (const x of xdrs) if (typeof x.i_xdr === 'number') this.owned.claim(x.i_xdr, { kind: 'xdr', i_customer: id, i_account: account.i_account });
    }
    this.owned.importOf(id, b.owned ?? {});
    this.#moved.delete(id);
  }
}
