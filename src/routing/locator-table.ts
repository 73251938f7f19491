import type { LookupKeyKind } from '../core/location.ts';
import { OWNED_KINDS, type OwnedKind } from '../core/owned-kinds.ts';

/** What a params field names. */
export type FieldMeaning =
  | { names: 'customer' }
  | { names: 'account' }
  | { names: 'key'; key: LookupKeyKind }
  | { names: 'owned'; owned: OwnedKind };

/**
 * One row of the locator table: on `service`/`method` (`*` = any), these fields name a record.
 * `where` limits the structs searched (`''` = the top of params); without it every struct at any
 * depth is searched. `unless` skips the row for methods that create the record the fields
 * describe (the login of a customer being added names no existing customer).
 */
export interface LocatorRow {
  service: string;
  method: string;
  fields: Readonly<Record<string, FieldMeaning>>;
  where?: readonly string[];
  unless?: readonly string[];
  /** The row applies only when this params field has one of these values (absent counts as `undefined`). */
  when?: { field: string; values: ReadonlyArray<string | undefined> };
}

const customer: FieldMeaning = { names: 'customer' };
const account: FieldMeaning = { names: 'account' };
const key = (k: LookupKeyKind): FieldMeaning => ({ names: 'key', key: k });
const ownedFields = Object.fromEntries(Object.entries(OWNED_KINDS).map(([kind, field]) => [field, { names: 'owned', owned: kind as OwnedKind }])) as Record<string, FieldMeaning>;

/**
 * Every field that names a customer or an account, or a record one of them owns (SPEC §4.2 rule
 * 5, as PortaBilling resolves the record). A new method that names a record another way needs a
 * row here, not code. Ids are authoritative: lookup keys and owned ids count only when the call
 * names no customer or account id.
 */
export const LOCATOR_TABLE: readonly LocatorRow[] = [
  // Ids name their record in any struct of any method: customer_info, account_info, alias_info, …
  { service: '*', method: '*', fields: { i_customer: customer, i_account: account, i_master_account: account } },
  // A customer's parent (its reseller) is a customer too: a sub-customer lives with it.
  { service: 'Customer', method: '*', fields: { i_parent: customer } },
  { service: '*', method: '*', fields: ownedFields },
  // Lookup keys, on every method of their own service (reads and writes), but not on the method
  // that creates the record they describe.
  {
    service: 'Customer', method: '*', where: ['', 'customer_info'], unless: ['add_customer', 'validate_customer_info'],
    fields: { login: key('customer-login'), name: key('customer-name'), refnum: key('customer-refnum') },
  },
  {
    service: 'Account', method: '*', where: ['', 'account_info'], unless: ['add_account', 'validate_account_info'],
    fields: { id: key('account-id'), login: key('account-login') },
  },
  // AccessControl/create_otp {send_to: "account" | "customer", id}: the i_account or i_customer (as
  // WebTrit's PortaSwitch adapter sends it).
  { service: 'AccessControl', method: '*', where: [''], when: { field: 'send_to', values: ['account', undefined] }, fields: { id: account } },
  { service: 'AccessControl', method: '*', where: [''], when: { field: 'send_to', values: ['customer'] }, fields: { id: customer } },
];
