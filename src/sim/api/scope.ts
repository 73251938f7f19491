import type { SimPrincipal } from '../auth/principal.ts';
import type { SimAccount, SimCustomer } from '../model/records.ts';
import type { SimStore } from '../model/sim-store.ts';

/**
 * Realm scoping, applied by every method: admin sees all; a reseller its own customers
 * (i_parent) and their accounts; a customer itself and its accounts; an account only itself.
 * Out-of-scope records are reported exactly like missing ones.
 */
export function canSeeCustomer(user: SimPrincipal, c: SimCustomer): boolean {
  switch (user.realm) {
    case 'admin':
      return true;
    case 'reseller':
      return c.i_parent === user.i_customer;
    case 'customer':
      return c.i_customer === user.i_customer;
    case 'account':
      return false;
  }
}

export function canSeeAccount(user: SimPrincipal, a: SimAccount, store: SimStore): boolean {
  switch (user.realm) {
    case 'admin':
      return true;
    case 'reseller': {
      const owner = store.getCustomer(a.i_customer);
      return owner !== undefined && owner.i_parent === user.i_customer;
    }
    case 'customer':
      return a.i_customer === user.i_customer;
    case 'account':
      return a.i_account === user.i_account;
  }
}

/** Staff realms may change configuration and create customers; retail realms may not. */
export function isStaff(user: SimPrincipal): boolean {
  return user.realm === 'admin' || user.realm === 'reseller';
}
