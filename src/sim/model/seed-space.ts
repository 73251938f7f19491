import type { SystemName, JsonObject } from '../../core/api-call.ts';
import { hash3, pick } from './hash.ts';
import { OFFICE_TYPE, type SimAccount, type SimCustomer, type SimPortaSipState } from './records.ts';
import { CUSTOMER_CLASS_COUNT, DISCOUNT_PLAN_COUNT, PRODUCT_COUNT, SUBSCRIPTION_PLAN_COUNT } from './config-entities.ts';
import { DEMO_RESELLER, DEMO_RESELLER_2 } from '../demo-fixtures.ts';
import { formatPortaTime } from './porta-time.ts';
import { FREE_POOL_INDEX, OwnedIds } from './owned-ids.ts';

const FIRST = ['Alice', 'Bob', 'Carol', 'David', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Karl', 'Laura', 'Mallory', 'Nina', 'Oscar', 'Peggy', 'Quentin', 'Rita', 'Sybil', 'Trent', 'Uma', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zach'] as const;
const LAST = ['Smith', 'Johnson', 'Brown', 'Garcia', 'Miller', 'Davis', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Moore', 'Martin', 'Lee', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright'] as const;
const COMPANY = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Soylent', 'Vandelay'] as const;
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP'] as const;

/** Slots reserved per customer for seeded accounts; each customer uses 1..3 of them (≈2). */
export const ACCOUNT_SLOTS = 3;
/** Seeded account ids are `16` followed by the 9-digit i_account: unique across roles. */
const ACCOUNT_ID_BASE = 16_000_000_000;
const DAY_MS = 86_400_000;
/** xDRs per account are generated over this many days before the anchor. */
export const XDR_DAYS = 60;
/** Most xDRs one heavy-user account may be given. */
export const MAX_HEAVY_XDRS = 1_000_000;
/** Unassigned numbers in each system's DID inventory (the free pool). */
export const FREE_DID_COUNT = 20;

/** One seeded account given many xDRs (for large-reply tests and benchmarks). */
export interface HeavyXdrs {
  iAccount: number;
  count: number;
}

/**
 * The seeded population of one system, derived lazily and deterministically from
 * (seed, role, index): nothing is materialised until asked for. Customer index k has
 * i_customer 2k+1 on the source and 2k+2 on the target (ID parity); its accounts use slots
 * a = 3k+s with i_account 2a+1 / 2a+2.
 */
export class SeedSpace {
  readonly seed: number;
  readonly role: SystemName;
  readonly customerCount: number;
  /** Start of the hour the simulator started: the "now" of generated history. */
  readonly anchorMs: number;
  readonly heavy: HeavyXdrs | undefined;
  /** Ids of owned records (invoices, xDRs, subscriptions, DIDs, UAs, counters). */
  readonly ids: OwnedIds;
  readonly #parity: number;

  constructor(seed: number, role: SystemName, customerCount: number, anchorMs: number, heavy?: HeavyXdrs) {
    this.seed = seed;
    this.role = role;
    this.customerCount = customerCount;
    this.anchorMs = anchorMs - (anchorMs % 3_600_000);
    this.#parity = role === 'source' ? 1 : 2;
    if (heavy && !(Number.isSafeInteger(heavy.count) && heavy.count >= 0 && heavy.count <= MAX_HEAVY_XDRS)) {
      throw new Error(`heavy-user xDR count must be 0..${MAX_HEAVY_XDRS}, got ${String(heavy.count)}`);
    }
    this.heavy = heavy;
    this.ids = new OwnedIds(seed);
  }

  /** i_customer of seeded index k. */
  customerIdAt(k: number): number {
    return 2 * k + this.#parity;
  }

  /** Seeded index of an i_customer, or -1 when it is not a seeded id of this system. */
  customerIndexOf(iCustomer: number): number {
    if (!Number.isSafeInteger(iCustomer) || iCustomer < this.#parity) return -1;
    const rest = iCustomer - this.#parity;
    if (rest % 2 !== 0) return -1;
    const k = rest / 2;
    return k < this.customerCount ? k : -1;
  }

  /** First id the system hands to records it creates (after the seeded range, same parity). */
  firstCreatedCustomerId(): number {
    return this.customerIdAt(this.customerCount);
  }

  firstCreatedAccountId(): number {
    return 2 * this.customerCount * ACCOUNT_SLOTS + this.#parity;
  }

  accountCountAt(k: number): number {
    return 1 + (hash3(this.seed, k, 7) % ACCOUNT_SLOTS);
  }

  /** i_account of slot s of customer k. */
  accountIdAt(k: number, s: number): number {
    return 2 * (k * ACCOUNT_SLOTS + s) + this.#parity;
  }

  /** Seeded (k, s) of an i_account, or undefined when it is not a seeded account. */
  accountIndexOf(iAccount: number): { k: number; s: number } | undefined {
    if (!Number.isSafeInteger(iAccount) || iAccount < this.#parity) return undefined;
    const rest = iAccount - this.#parity;
    if (rest % 2 !== 0) return undefined;
    const a = rest / 2;
    const k = Math.floor(a / ACCOUNT_SLOTS);
    const s = a % ACCOUNT_SLOTS;
    if (k >= this.customerCount || s >= this.accountCountAt(k)) return undefined;
    return { k, s };
  }

  /** The generated customer login `cust<i_customer>` parsed back to an i_customer. */
  static customerIdFromLogin(login: string): number | undefined {
    const m = /^cust(\d{1,12})$/.exec(login);
    return m ? Number(m[1]) : undefined;
  }

  /** Generated names end with ` #<i_customer>`; refnums are `R<i_customer>`. */
  static customerIdFromName(name: string): number | undefined {
    const m = / #(\d{1,12})$/.exec(name);
    return m ? Number(m[1]) : undefined;
  }

  static customerIdFromRefnum(refnum: string): number | undefined {
    const m = /^R(\d{1,12})$/.exec(refnum);
    return m ? Number(m[1]) : undefined;
  }

  static accountIdFromPhone(id: string): number | undefined {
    if (!/^16\d{9}$/.test(id)) return undefined;
    return Number(id) - ACCOUNT_ID_BASE;
  }

  customerAt(k: number): SimCustomer {
    const i_customer = this.customerIdAt(k);
    const h = hash3(this.seed, k, 1);
    const h2 = hash3(this.seed, k, 2);
    const first = pick(FIRST, h);
    const last = pick(LAST, h >>> 8);
    const business = h2 % 4 === 0;
    const parentSlot = h2 % 5;
    const i_parent = parentSlot === 1 ? DEMO_RESELLER.iCustomer : parentSlot === 2 ? DEMO_RESELLER_2.iCustomer : null;
    return {
      i_customer,
      login: `cust${i_customer}`,
      password: `pw-${(h ^ h2).toString(36)}`,
      name: `${first} ${last} #${i_customer}`,
      companyname: business ? `${pick(COMPANY, h2 >>> 4)} ${last} Ltd` : '',
      firstname: first,
      lastname: last,
      email: `cust${i_customer}@example.com`,
      notes: '',
      balance: Math.round(h2 % 50_000) / 100,
      credit_limit: business ? 1000 : 100,
      iso_4217: pick(CURRENCIES, h >>> 16),
      bill_status: 'O',
      blocked: 'N',
      i_customer_class: 1 + ((h >>> 3) % CUSTOMER_CLASS_COUNT),
      i_customer_type: 1,
      i_parent,
      i_discount_plan: h2 % 3 === 0 ? null : 1 + ((h2 >>> 6) % DISCOUNT_PLAN_COUNT),
      refnum: `R${i_customer}`,
      creation_date: formatPortaTime(this.anchorMs - (400 + (h % 1000)) * DAY_MS),
      i_office_type: OFFICE_TYPE.none,
      i_main_office: null,
    };
  }

  accountAt(k: number, s: number): SimAccount {
    const i_account = this.accountIdAt(k, s);
    const i_customer = this.customerIdAt(k);
    const h = hash3(this.seed, k * ACCOUNT_SLOTS + s, 3);
    const id = String(ACCOUNT_ID_BASE + i_account);
    return {
      i_account,
      id,
      login: id,
      password: `pw-${h.toString(36)}`,
      i_customer,
      balance: Math.round(h % 20_000) / 100,
      credit_limit: null,
      billing_model: h % 4 === 0 ? -1 : 1,
      is_active: 1,
      blocked: 'N',
      i_product: 1 + ((h >>> 5) % PRODUCT_COUNT),
      email: `cust${i_customer}+${s}@example.com`,
      note: '',
      iso_4217: 'USD',
      activation_date: formatPortaTime(this.anchorMs - (300 + (h % 500)) * DAY_MS).slice(0, 10),
    };
  }

  /**
   * Generated xDRs of an account, newest first, over the XDR_DAYS before the anchor (0..24 of
   * them; the heavy-user account, when configured, gets its configured count).
   */
  xdrsFor(iAccount: number, accountId: string): JsonObject[] {
    const heavyCount = this.heavy?.iAccount === iAccount ? this.heavy.count : undefined;
    const heavy = heavyCount !== undefined;
    const n = heavyCount ?? hash3(this.seed, iAccount, 4) % 25;
    const spacing = (XDR_DAYS * DAY_MS) / Math.max(25, n);
    const slot = (iAccount - this.#parity) / 2;
    // Jitter stays below the spacing so the list really is newest first.
    const jitter = Math.min(3_600_000, Math.floor(spacing));
    const out: JsonObject[] = [];
    for (let i = 0; i < n; i++) {
      const h = hash3(this.seed, iAccount, 1000 + i);
      const connect = this.anchorMs - (i * spacing + (h % jitter));
      const seconds = 10 + (h % 1800);
      out.push({
        i_xdr: heavy ? this.ids.encode(this.role, 'heavyXdr', i) : this.ids.encode(this.role, 'xdr', slot * 64 + i),
        i_account: iAccount,
        CLI: accountId,
        CLD: `1${(h % 9_000_000_000 + 1_000_000_000).toString()}`,
        connect_time: formatPortaTime(connect),
        disconnect_time: formatPortaTime(connect + seconds * 1000),
        bill_time: formatPortaTime(connect),
        charged_quantity: seconds,
        charged_amount: Math.round(seconds * (1 + (h % 5))) / 100,
        i_service: 3,
        i_dest_group: 1 + (h % 4),
        description: (h & 1) === 0 ? 'Domestic' : 'Mobile',
        unit: 'seconds',
      });
    }
    return out;
  }

  invoicesFor(iCustomer: number): JsonObject[] {
    const k = this.customerIndexOf(iCustomer);
    if (k < 0) return [];
    const n = 1 + (hash3(this.seed, iCustomer, 5) % 3);
    const out: JsonObject[] = [];
    const anchor = new Date(this.anchorMs);
    for (let i = 0; i < n; i++) {
      const h = hash3(this.seed, iCustomer, 2000 + i);
      const from = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - i - 1, 1);
      const to = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - i, 1) - 1000;
      out.push({
        i_invoice: this.ids.encode(this.role, 'invoice', k * 8 + i),
        i_customer: iCustomer,
        invoice_number: `INV-${iCustomer}-${i + 1}`,
        period_from: formatPortaTime(from).slice(0, 10),
        period_to: formatPortaTime(to).slice(0, 10),
        issue_date: formatPortaTime(to + 1000).slice(0, 10),
        amount_due: Math.round(h % 20_000) / 100,
        iso_4217: 'USD',
        invoice_status_desc: i === 0 ? 'Open' : 'Paid',
      });
    }
    return out;
  }

  /** Invoices a seeded customer has (1..3), for resolving an i_invoice without listing. */
  invoiceCountFor(iCustomer: number): number {
    return 1 + (hash3(this.seed, iCustomer, 5) % 3);
  }

  subscriptionCountFor(iCustomer: number): number {
    return hash3(this.seed, iCustomer, 6) % 3;
  }

  subscriptionsFor(iCustomer: number): JsonObject[] {
    const k = this.customerIndexOf(iCustomer);
    if (k < 0) return [];
    const n = this.subscriptionCountFor(iCustomer);
    const out: JsonObject[] = [];
    for (let i = 0; i < n; i++) {
      const h = hash3(this.seed, iCustomer, 3000 + i);
      out.push({
        i_customer_subscription: this.ids.encode(this.role, 'subscription', k * 4 + i),
        i_customer: iCustomer,
        i_subscription: 1 + (h % SUBSCRIPTION_PLAN_COUNT),
        start_date: formatPortaTime(this.anchorMs - (30 + (h % 300)) * DAY_MS).slice(0, 10),
        status: 'active',
      });
    }
    return out;
  }

  /** Volume-discount counters of a customer with a discount plan. */
  countersFor(iCustomer: number, vdPlan: JsonObject | undefined): JsonObject[] {
    if (!vdPlan) return [];
    const h = hash3(this.seed, iCustomer, 8);
    const threshold = typeof vdPlan.threshold === 'number' ? vdPlan.threshold : 100;
    const used = h % (threshold + 1);
    const k = this.customerIndexOf(iCustomer);
    return [{
      ...(k < 0 ? {} : { i_vd_counter: this.ids.encode(this.role, 'vdCounter', k) }),
      i_vd_plan: vdPlan.i_vd_plan ?? null,
      i_dest_group: vdPlan.i_dest_group ?? null,
      dg_name: vdPlan.dg_name ?? null,
      threshold,
      peak_level: used,
      remaining: threshold - used,
      unit: 'minutes',
    }];
  }

  /** Whether seeded customer k has a DID (assigned to its first account): about one in three. */
  hasSeededDid(k: number): boolean {
    return hash3(this.seed, k, 10) % 3 === 0;
  }

  /** The seeded DID of customer k (see hasSeededDid), assigned to its first account. */
  seededDidAt(k: number): JsonObject {
    return this.#didRecord(this.ids.encode(this.role, 'did', k), 1 + k, this.customerIdAt(k), this.accountIdAt(k, 0));
  }

  /** Number j (0 ≤ j < FREE_DID_COUNT) of the free pool: in the inventory, assigned to nobody. */
  freeDidAt(j: number): JsonObject {
    return this.#didRecord(this.ids.encode(this.role, 'did', FREE_POOL_INDEX + j), 900_000_000 + j, null, null);
  }

  #didRecord(iDid: number, serial: number, iCustomer: number | null, iMaster: number | null): JsonObject {
    // 1-800-5<role><9 digits>: the two systems never seed the same number.
    const number = `18005${this.#parity}${String(serial).padStart(9, '0')}`;
    return { i_did_number: iDid, number, i_customer: iCustomer, i_master_account: iMaster, is_used: iMaster === null ? 'N' : 'Y', description: '', iso_4217: 'USD' };
  }

  /** Whether seeded customer k has a user agent (IP phone / gateway inventory item): one in two. */
  hasSeededUa(k: number): boolean {
    return hash3(this.seed, k, 11) % 2 === 0;
  }

  seededUaAt(k: number): JsonObject {
    const i_customer = this.customerIdAt(k);
    // Locally administered MACs (02…), distinct from the CPE registry's seeded phones.
    const mac = `02${(2 * k + this.#parity - 1).toString(16).padStart(10, '0')}`;
    return { i_ua: this.ids.encode(this.role, 'ua', k), i_customer, mac, name: `UA of customer ${i_customer}`, description: '', inventory_id: `INV${i_customer}`, i_ua_type: 1 + (hash3(this.seed, k, 12) % 3), ascii_key: '' };
  }

  portaSipFor(iAccount: number, accountId: string): SimPortaSipState {
    const h = hash3(this.seed, iAccount, 9);
    return {
      voicemail: { i_account: iAccount, mailbox: accountId, pin: String(1000 + (h % 9000)), email: '', notify: 'N', greeting: 'standard', auto_play: 'N' },
      menu: { i_account: iAccount, i_menu: 1, name: 'ROOT', prompt: 'default', actions: [{ key: '1', action: 'transfer', destination: accountId }] },
      rooms: [],
    };
  }
}
