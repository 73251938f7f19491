/**
 * Records that belong to one customer or account and are named by their own id (an invoice, an
 * xDR, a DID number…). A call naming only such an id routes to its owner's system. One row per
 * kind: the params field that names it. Owned ids have no parity (only customers and accounts do).
 */
export const OWNED_KINDS = {
  invoice: 'i_invoice',
  xdr: 'i_xdr',
  did: 'i_did_number',
  ua: 'i_ua',
  subscription: 'i_customer_subscription',
  alias: 'i_alias',
  vd_counter: 'i_vd_counter',
  document: 'i_document',
} as const;

export type OwnedKind = keyof typeof OWNED_KINDS;

/** The owner of an owned record: its customer, and the account when it belongs to one. */
export interface OwnedRecordOwner {
  iCustomer: number;
  iAccount?: number;
}
