import type { JsonObject } from '../../core/api-call.ts';
import { CREATED_INDEX, FREE_POOL_INDEX, SEEDED_INDEX_LIMIT, type OwnedKind } from './owned-ids.ts';
import { ACCOUNT_SLOTS, FREE_DID_COUNT, type SeedSpace } from './seed-space.ts';

/** Who an owned record belongs to: a customer (and, for account-level records, one of its accounts); null = nobody (a free DID). */
export interface RecordOwner {
  kind: OwnedKind;
  i_customer: number | null;
  i_account?: number;
}

/** The owned records of one customer that a transfer carries besides invoices, subscriptions and counters. */
export interface OwnedBundle {
  dids: JsonObject[];
  uas: JsonObject[];
  aliases: JsonObject[];
  documents: JsonObject[];
}

/** Kinds kept in the overlay by record (the others live in SimStore's per-customer lists). */
type OverlayKind = 'did' | 'ua' | 'alias' | 'document';

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/**
 * DIDs, user agents (UAs), account aliases and uploaded customer documents of one system: the
 * seeded ones derived on demand from the seed, plus an overlay of every record created, changed or
 * imported, and an owner index (id → customer/account) for every overlay record and for the
 * invoices/subscriptions a transfer brought in. Seeded ids resolve to their owner by decoding.
 */
export class OwnedRecords {
  readonly #space: SeedSpace;
  readonly #records = new Map<number, { kind: OverlayKind; record: JsonObject }>();
  readonly #owners = new Map<number, RecordOwner>();
  /** i_customer → ids of its overlay records (any kind). */
  readonly #byCustomer = new Map<number, Set<number>>();
  /** Alias `id` → i_alias (alias ids share the account-id namespace). */
  readonly #aliasById = new Map<string, number>();
  #nextCreated = CREATED_INDEX;

  constructor(space: SeedSpace) {
    this.#space = space;
  }

  /** A fresh id of `kind` for a record created on this system. */
  allocate(kind: OwnedKind): number {
    return this.#space.ids.encode(this.#space.role, kind, this.#nextCreated++);
  }

  /** Records that a record with this id belongs to `owner` (imported invoices, subscriptions, counters). */
  claim(id: number, owner: RecordOwner): void {
    this.#setOwner(id, owner);
  }

  #setOwner(id: number, owner: RecordOwner): void {
    const old = this.#owners.get(id);
    if (old?.i_customer != null) this.#byCustomer.get(old.i_customer)?.delete(id);
    this.#owners.set(id, owner);
    if (owner.i_customer !== null) {
      let set = this.#byCustomer.get(owner.i_customer);
      if (!set) {
        set = new Set();
        this.#byCustomer.set(owner.i_customer, set);
      }
      set.add(id);
    }
  }

  /** Who the record with this id belongs to, on this system; undefined when there is no such record. */
  ownerOf(id: number): RecordOwner | undefined {
    const known = this.#owners.get(id);
    if (known) return known;
    const slot = this.#space.ids.decode(id);
    const space = this.#space;
    if (!slot || slot.role !== space.role) return undefined;
    const { index } = slot;
    const customerAt = (k: number): number | undefined => (k < space.customerCount ? space.customerIdAt(k) : undefined);
    switch (slot.kind) {
      case 'invoice': {
        const c = customerAt(Math.floor(index / 8));
        return c !== undefined && index % 8 < space.invoiceCountFor(c) ? { kind: 'invoice', i_customer: c } : undefined;
      }
      case 'subscription': {
        const c = customerAt(Math.floor(index / 4));
        return c !== undefined && index % 4 < space.subscriptionCountFor(c) ? { kind: 'subscription', i_customer: c } : undefined;
      }
      case 'xdr': {
        const accountSlot = Math.floor(index / 64);
        const k = Math.floor(accountSlot / ACCOUNT_SLOTS);
        const s = accountSlot % ACCOUNT_SLOTS;
        if (k >= space.customerCount || s >= space.accountCountAt(k)) return undefined;
        const iAccount = space.accountIdAt(k, s);
        // Existence of the i-th xDR is left to the list: an id past the end is simply not found there.
        return { kind: 'xdr', i_customer: space.customerIdAt(k), i_account: iAccount };
      }
      case 'heavyXdr': {
        const heavy = space.heavy;
        const at = heavy ? space.accountIndexOf(heavy.iAccount) : undefined;
        if (!heavy || !at || index >= heavy.count) return undefined;
        return { kind: 'heavyXdr', i_customer: space.customerIdAt(at.k), i_account: heavy.iAccount };
      }
      case 'did': {
        if (index >= FREE_POOL_INDEX) return index < FREE_POOL_INDEX + FREE_DID_COUNT ? { kind: 'did', i_customer: null } : undefined;
        const c = customerAt(index);
        return c !== undefined && space.hasSeededDid(index) ? { kind: 'did', i_customer: c, i_account: space.accountIdAt(index, 0) } : undefined;
      }
      case 'ua': {
        const c = index < SEEDED_INDEX_LIMIT ? customerAt(index) : undefined;
        return c !== undefined && space.hasSeededUa(index) ? { kind: 'ua', i_customer: c } : undefined;
      }
      case 'vdCounter': {
        const c = customerAt(index);
        return c === undefined ? undefined : { kind: 'vdCounter', i_customer: c };
      }
      case 'alias':
      case 'document':
        return undefined;
    }
  }

  // ---- overlay records ----

  #get(kind: OverlayKind, id: number): JsonObject | undefined {
    const hit = this.#records.get(id);
    if (hit) return hit.kind === kind ? hit.record : undefined;
    const slot = this.#space.ids.decode(id);
    if (!slot || slot.role !== this.#space.role || slot.kind !== kind || this.#owners.has(id)) return undefined;
    const space = this.#space;
    if (kind === 'did') {
      if (slot.index >= FREE_POOL_INDEX) {
        const j = slot.index - FREE_POOL_INDEX;
        return j < FREE_DID_COUNT ? space.freeDidAt(j) : undefined;
      }
      return slot.index < space.customerCount && space.hasSeededDid(slot.index) ? space.seededDidAt(slot.index) : undefined;
    }
    if (kind === 'ua') return slot.index < space.customerCount && space.hasSeededUa(slot.index) ? space.seededUaAt(slot.index) : undefined;
    return undefined;
  }

  #put(kind: OverlayKind, id: number, record: JsonObject, owner: RecordOwner): void {
    this.#records.set(id, { kind, record });
    this.#setOwner(id, owner);
  }

  #ofCustomer(kind: OverlayKind, iCustomer: number, seeded: JsonObject | undefined, idField: string): JsonObject[] {
    const out: JsonObject[] = [];
    const seededId = seeded ? num(seeded[idField]) : null;
    if (seeded && seededId !== null && !this.#records.has(seededId)) out.push(seeded);
    for (const id of this.#byCustomer.get(iCustomer) ?? []) {
      const r = this.#records.get(id);
      if (r?.kind === kind) out.push(r.record);
    }
    return out.sort((a, b) => (num(a[idField]) ?? 0) - (num(b[idField]) ?? 0));
  }

  #seededK(iCustomer: number): number {
    return this.#space.customerIndexOf(iCustomer);
  }

  getDid(id: number): JsonObject | undefined {
    return this.#get('did', id);
  }

  /** DIDs assigned to a customer (to it, or to one of its accounts), by i_did_number. */
  didsOf(iCustomer: number): JsonObject[] {
    const k = this.#seededK(iCustomer);
    return this.#ofCustomer('did', iCustomer, k >= 0 && this.#space.hasSeededDid(k) ? this.#space.seededDidAt(k) : undefined, 'i_did_number');
  }

  /** The unassigned numbers of the inventory. */
  freeDids(): JsonObject[] {
    const out: JsonObject[] = [];
    for (let j = 0; j < FREE_DID_COUNT; j++) {
      const d = this.#space.freeDidAt(j);
      const id = num(d.i_did_number) ?? 0;
      if (!this.#records.has(id)) out.push(d);
    }
    for (const [id, r] of this.#records) {
      if (r.kind === 'did' && this.#owners.get(id)?.i_customer === null) out.push(r.record);
    }
    return out.sort((a, b) => (num(a.i_did_number) ?? 0) - (num(b.i_did_number) ?? 0));
  }

  putDid(record: JsonObject): void {
    const id = num(record.i_did_number);
    if (id === null) throw new Error('DID without i_did_number');
    const c = num(record.i_customer);
    const a = num(record.i_master_account);
    this.#put('did', id, record, { kind: 'did', i_customer: c, ...(a === null ? {} : { i_account: a }) });
  }

  getUa(id: number): JsonObject | undefined {
    return this.#get('ua', id);
  }

  uasOf(iCustomer: number): JsonObject[] {
    const k = this.#seededK(iCustomer);
    return this.#ofCustomer('ua', iCustomer, k >= 0 && this.#space.hasSeededUa(k) ? this.#space.seededUaAt(k) : undefined, 'i_ua');
  }

  putUa(record: JsonObject): void {
    const id = num(record.i_ua);
    if (id === null) throw new Error('UA without i_ua');
    this.#put('ua', id, record, { kind: 'ua', i_customer: num(record.i_customer) });
  }

  getAlias(id: number): JsonObject | undefined {
    return this.#get('alias', id);
  }

  aliasById(aliasId: string): JsonObject | undefined {
    const id = this.#aliasById.get(aliasId);
    return id === undefined ? undefined : this.getAlias(id);
  }

  /** Aliases of an account (`i_master_account`), by i_alias. */
  aliasesOf(iCustomer: number, iMasterAccount: number): JsonObject[] {
    return this.#ofCustomer('alias', iCustomer, undefined, 'i_alias').filter((a) => a.i_master_account === iMasterAccount);
  }

  putAlias(record: JsonObject, iCustomer: number): void {
    const id = num(record.i_alias);
    const master = num(record.i_master_account);
    if (id === null || master === null || typeof record.id !== 'string') throw new Error('alias without i_alias, i_master_account or id');
    this.#aliasById.set(record.id, id);
    this.#put('alias', id, record, { kind: 'alias', i_customer: iCustomer, i_account: master });
  }

  deleteAlias(record: JsonObject): void {
    const id = num(record.i_alias);
    if (id === null) return;
    this.#records.delete(id);
    const owner = this.#owners.get(id);
    if (owner?.i_customer != null) this.#byCustomer.get(owner.i_customer)?.delete(id);
    this.#owners.delete(id);
    if (typeof record.id === 'string') this.#aliasById.delete(record.id);
  }

  documentsOf(iCustomer: number): JsonObject[] {
    return this.#ofCustomer('document', iCustomer, undefined, 'i_document');
  }

  getDocument(id: number): JsonObject | undefined {
    return this.#get('document', id);
  }

  putDocument(record: JsonObject): void {
    const id = num(record.i_document);
    const c = num(record.i_customer);
    if (id === null || c === null) throw new Error('document without i_document or i_customer');
    this.#put('document', id, record, { kind: 'document', i_customer: c });
  }

  // ---- transfer ----

  /** Copies of a customer's DIDs, UAs, aliases and documents. */
  exportOf(iCustomer: number): OwnedBundle {
    const aliases: JsonObject[] = [];
    for (const id of this.#byCustomer.get(iCustomer) ?? []) {
      const r = this.#records.get(id);
      if (r?.kind === 'alias') aliases.push(r.record);
    }
    return structuredClone({ dids: this.didsOf(iCustomer), uas: this.uasOf(iCustomer), aliases, documents: this.documentsOf(iCustomer) });
  }

  /** Takes a transferred customer's records as this system's own. */
  importOf(iCustomer: number, b: Partial<OwnedBundle>): void {
    for (const d of b.dids ?? []) this.putDid({ ...d, i_customer: iCustomer });
    for (const u of b.uas ?? []) this.putUa({ ...u, i_customer: iCustomer });
    for (const a of b.aliases ?? []) this.putAlias(a, iCustomer);
    for (const doc of b.documents ?? []) this.putDocument({ ...doc, i_customer: iCustomer });
  }
}
