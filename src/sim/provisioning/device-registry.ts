import type { SimSystem } from '../api/sim-context.ts';
import { simFault } from '../api/sim-faults.ts';
import type { SimStore } from '../model/sim-store.ts';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../demo-fixtures.ts';

/** John Doe's desk phone (a Yealink; OUI 00:15:65), bound to his account on the source. */
export const DEMO_PHONE_MAC = '001565123456';

/**
 * Seeded devices: the first account (slot 0) of every seeded customer has a phone whose MAC is
 * this OUI followed by the i_account in 6 hex digits (source ids are odd, target ids even, so the
 * two systems never seed the same MAC).
 */
export const SEEDED_MAC_OUI = '0004f2';
const SEEDED_MAX_ACCOUNT = 0xffffff;

/** A phone bound to an account, as a migration transfer carries it. */
export interface DeviceBinding {
  /** 12 lowercase hex digits, no separators. */
  mac: string;
  i_account: number;
}

/** The MAC a seeded account's phone has. */
export function seededMac(iAccount: number): string {
  return SEEDED_MAC_OUI + iAccount.toString(16).padStart(6, '0');
}

/** Normalises `00:15:65:12:34:56`, `00-15-65-12-34-56`, `001565123456` (any case) to 12 lowercase hex digits. */
export function normalizeMac(value: string): string | undefined {
  const plain = value.replace(/[:-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(plain) ? plain : undefined;
}

/**
 * Devices (MAC → account) of one simulated system: seeded ones derived from the seed, plus
 * explicit bindings (fixtures, and those a transfer brought in). An explicit binding of an account
 * replaces its seeded phone.
 */
export class DeviceRegistry {
  readonly #store: SimStore;
  readonly #byMac = new Map<string, { i_account: number; boundAt: number }>();
  readonly #explicitAccounts = new Map<number, Set<string>>();

  constructor(store: SimStore) {
    this.#store = store;
  }

  bind(mac: string, iAccount: number, at = Date.now()): void {
    const old = this.#byMac.get(mac);
    if (old) this.#explicitAccounts.get(old.i_account)?.delete(mac);
    this.#byMac.set(mac, { i_account: iAccount, boundAt: at });
    const set = this.#explicitAccounts.get(iAccount) ?? new Set<string>();
    set.add(mac);
    this.#explicitAccounts.set(iAccount, set);
  }

  /** The account a MAC is bound to here, and since when (ms), or undefined. */
  lookup(mac: string): { i_account: number; boundAt: number } | undefined {
    const explicit = this.#byMac.get(mac);
    if (explicit) return explicit;
    if (!mac.startsWith(SEEDED_MAC_OUI)) return undefined;
    const iAccount = Number.parseInt(mac.slice(SEEDED_MAC_OUI.length), 16);
    if (this.#explicitAccounts.get(iAccount)?.size) return undefined;
    const idx = this.#store.space.accountIndexOf(iAccount);
    if (idx?.s !== 0) return undefined;
    return { i_account: iAccount, boundAt: this.#store.space.anchorMs };
  }

  /** Devices of an account (explicit bindings, else its seeded phone). */
  devicesOf(iAccount: number): DeviceBinding[] {
    const explicit = this.#explicitAccounts.get(iAccount);
    if (explicit?.size) return [...explicit].map((mac) => ({ mac, i_account: iAccount }));
    const idx = this.#store.space.accountIndexOf(iAccount);
    return idx?.s === 0 && iAccount <= SEEDED_MAX_ACCOUNT ? [{ mac: seededMac(iAccount), i_account: iAccount }] : [];
  }
}

const registries = new WeakMap<SimStore, DeviceRegistry>();

/** The device registry of a system (created on first use, with the demo phone on the source). */
export function deviceRegistry(sys: SimSystem): DeviceRegistry {
  let r = registries.get(sys.store);
  if (!r) {
    r = new DeviceRegistry(sys.store);
    const line = sys.store.getAccount(DEMO_ACCOUNT.iAccount);
    if (sys.role === 'source' && line?.i_customer === DEMO_CUSTOMER.iCustomer) r.bind(DEMO_PHONE_MAC, DEMO_ACCOUNT.iAccount, sys.store.space.anchorMs);
    registries.set(sys.store, r);
  }
  return r;
}

/** The devices of these accounts, for a migration transfer's bundle. */
export function exportDevices(sys: SimSystem, accountIds: number[]): DeviceBinding[] {
  const r = deviceRegistry(sys);
  return accountIds.flatMap((id) => r.devicesOf(id));
}

/**
 * Installs the devices a transfer bundle carries (`bundle.devices`, optional) for its accounts.
 * Every entry is checked before any is bound; a bad one is a validation fault naming it.
 */
export function importDevices(sys: SimSystem, devices: unknown, accountIds: number[]): void {
  if (devices === undefined) return;
  if (!Array.isArray(devices)) throw simFault('validation', 'Import bundle: devices must be a list');
  const checked: DeviceBinding[] = devices.map((d: unknown) => {
    const o = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const mac = typeof o.mac === 'string' ? normalizeMac(o.mac) : undefined;
    if (mac === undefined || typeof o.i_account !== 'number' || !accountIds.includes(o.i_account)) {
      throw simFault('validation', `Import bundle: device ${JSON.stringify(d).slice(0, 80)} needs a MAC and one of the bundle's i_account`);
    }
    return { mac, i_account: o.i_account };
  });
  const r = deviceRegistry(sys);
  const now = Date.now();
  for (const d of checked) r.bind(d.mac, d.i_account, now);
}
