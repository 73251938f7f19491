import type { SystemName } from './api-call.ts';
import type { OwnedKind } from './owned-kinds.ts';

/** A customer's directory state: `moving` while a cutover holds its calls. */
export type CustomerState = 'active' | 'moving';

/** The lookup keys that name a customer or an account besides its id. */
export type LookupKeyKind = 'customer-login' | 'customer-name' | 'customer-refnum' | 'account-id' | 'account-login';

/** What a call's params name, in the order the router cares about. */
export type Locator =
  | { kind: 'customer'; iCustomer: number }
  | { kind: 'account'; iAccount: number }
  | { kind: 'key'; key: LookupKeyKind; value: string }
  /** A record owned by one customer or account (see OWNED_KINDS), routed to its owner. */
  | { kind: 'owned'; owned: OwnedKind; id: number };

export type ResolvedBy = 'directory' | 'parity' | 'assume-source' | 'discovered';

export interface Location {
  system: SystemName;
  state: CustomerState;
  /** The owning customer when known (accounts and keys resolve to it). */
  iCustomer?: number;
  resolvedBy: ResolvedBy;
}

/**
 * Asks the backends where a record lives (discover mode). Returns the system that holds it
 * (and the owning customer when the answer tells), or undefined when neither does.
 */
export type Discoverer = (locator: Locator) => Promise<{ system: SystemName; iCustomer?: number; iAccount?: number } | undefined>;

/**
 * Resolution order (SPEC §4.3): directory entry → ID parity (even = target) → for odd ids and
 * keys without an entry, `assume-source` or `discover`.
 */
export interface LocationResolver {
  resolve(locator: Locator, discover?: Discoverer): Promise<Location | undefined>;
}

/** A locator as messages name it: `i_customer 5`, `customer-login "john"`, `i_invoice 7`. */
export function describeLocator(l: Locator): string {
  switch (l.kind) {
    case 'customer': return `i_customer ${l.iCustomer}`;
    case 'account': return `i_account ${l.iAccount}`;
    case 'key': return `${l.key} ${JSON.stringify(l.value)}`;
    case 'owned': return `${l.owned} ${l.id}`;
  }
}
