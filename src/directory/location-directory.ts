import type { SystemName } from '../routing/api-call.ts';

/** Where a customer record (and all its accounts) lives now. */
export type CustomerState = 'active' | 'moving';

export interface CustomerLocation {
  iCustomer: number;
  system: SystemName;
  state: CustomerState;
  /** Incremented on every change of system or state; lets caches and cutover detect staleness. */
  version: number;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
}

/** Lookup keys that name a record without its numeric id. */
export type LookupKeyKind = 'customer-login' | 'customer-name' | 'customer-refnum' | 'account-id' | 'account-login';

export interface KeyTarget {
  iCustomer: number;
  /** Set for account keys. */
  iAccount?: number;
}

/** One row of a bulk import (CSV or NDJSON): a customer and optionally its accounts and keys. */
export interface DirectoryRecord {
  iCustomer: number;
  system: SystemName;
  /** Account ids (i_account) of this customer. */
  accounts?: number[];
  login?: string;
  name?: string;
  refnum?: string;
  /** Account lookup keys: account `id` / `login` → i_account. */
  accountKeys?: Array<{ iAccount: number; id?: string; login?: string }>;
}

export interface ImportReport {
  accepted: number;
  rejected: Array<{ line: number; reason: string }>;
}

/**
 * The durable customer → system map (SPEC §4.3). Async from day one: implementations are SQLite
 * (one node), PostgreSQL (cluster) and memory (tests). Every implementation passes the shared suite
 * in `location-directory.suite.ts`.
 */
export interface LocationDirectory {
  getCustomer(iCustomer: number): Promise<CustomerLocation | undefined>;
  /** The customer that owns an account, if known. */
  getAccountOwner(iAccount: number): Promise<number | undefined>;
  findKey(kind: LookupKeyKind, value: string): Promise<KeyTarget | undefined>;

  /** Creates or replaces a customer's location (state stays as is unless it is new → active). */
  putCustomer(record: DirectoryRecord): Promise<CustomerLocation>;
  putAccount(iAccount: number, iCustomer: number, keys?: { id?: string; login?: string }): Promise<void>;
  putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void>;
  accountsOf(iCustomer: number): Promise<number[]>;

  /** active → moving; throws ApiFault (conflict) if already moving. Unknown customer: created moving on `from`. */
  beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation>;
  /** moving → active on `system`; throws ApiFault (conflict) if not moving. */
  commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation>;
  /** moving → active on the system it was on; throws ApiFault (conflict) if not moving. */
  abortMove(iCustomer: number): Promise<CustomerLocation>;
  listMoving(): Promise<CustomerLocation[]>;

  /** Streams rows in; a bad row is reported with its line number and never half-applies its batch. */
  importRecords(rows: AsyncIterable<{ line: number; record: DirectoryRecord } | { line: number; error: string }>): Promise<ImportReport>;

  /** Rejects when the store is unreachable or corrupt (used by /readyz). */
  check(): Promise<void>;
  close(): Promise<void>;
}
