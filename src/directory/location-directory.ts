import type { CustomerState, LookupKeyKind } from '../core/location.ts';

export type { CustomerState, LookupKeyKind };
import type { SystemName } from '../core/api-call.ts';
import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import type { OwnedRecord } from './owned-record.ts';

export type { OwnedRecord };

/** The directory's customers by where they are: active on each system, or moving. */
export interface LocationCounts {
  source: number;
  target: number;
  moving: number;
}

/** Where a customer record (and all its accounts) lives now. */

export interface CutoverOutcomeCount {
  outcome: 'commit' | 'abort';
  system: SystemName;
  n: number;
}

export interface CustomerLocation {
  iCustomer: number;
  system: SystemName;
  state: CustomerState;
  /** Incremented on every change of system or state; lets caches and cutover detect staleness. */
  version: number;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
}

/** One customer as the routing index reads it: `[i_customer, system, state]`. */
export type CustomerRouteRow = [iCustomer: number, system: SystemName, state: CustomerState];

/** Lookup keys that name a record without its numeric id. */

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
  /** The first rejected rows (capped at `MAX_REPORTED_REJECTIONS`), with their line numbers. */
  rejected: Array<{ line: number; reason: string }>;
  /** Every rejected row, including those beyond the reported list. */
  rejectedCount: number;
}

/** How many rejected rows an import report lists; the rest are only counted. */
export const MAX_REPORTED_REJECTIONS = 1000;

/**
 * One row (or a row the parser could not read) fed to `importRecords`: a customer record, or an
 * owned record (invoice, xDR, DID… → its owner).
 */
export type ImportRow = { line: number; record: DirectoryRecord } | { line: number; owned: OwnedRecord } | { line: number; error: string };

/**
 * What changed in the directory, as told to `onChange` listeners on every node. `all` means
 * "anything may have changed" (bulk import, lost notifications): drop everything derived from it.
 */
export interface DirectoryChange {
  iCustomer?: number;
  /** The customer's location after the change, when known. */
  location?: CustomerLocation;
  accounts?: number[];
  keys?: Array<{ kind: LookupKeyKind; value: string }>;
  /** Owned records whose owner was set or changed. */
  owned?: Array<{ kind: OwnedKind; id: number }>;
  all?: boolean;
}

/**
 * A listener may return a promise: in a cluster, the node acknowledges a change to its writer only
 * once its listeners settled (the dispatcher drains the calls in flight for a customer whose move
 * began before it acknowledges the `begin`).
 */
export type DirectoryChangeListener = (change: DirectoryChange) => void | Promise<void>;

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

  /**
   * Creates or replaces a customer's location (state stays as is unless it is new → active) and
   * adds the given accounts and keys (existing ones are kept). Changing the system of a customer
   * that is moving is a conflict (409): only commit/abort may do that.
   */
  putCustomer(record: DirectoryRecord): Promise<CustomerLocation>;
  putAccount(iAccount: number, iCustomer: number, keys?: { id?: string; login?: string }): Promise<void>;
  putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void>;
  accountsOf(iCustomer: number): Promise<number[]>;

  /**
   * Records (or replaces) the owner of an owned record. An owner that changes is updated and the
   * change is announced like any other (every node's cache forgets the old owner before this
   * returns); putting the same owner again writes and announces nothing. A non-positive id or
   * owner is a `bad_request` fault (400) and changes nothing.
   */
  putOwned(kind: OwnedKind, id: number, owner: OwnedRecordOwner): Promise<void>;
  /**
   * `putOwned` for many records in one transaction (learning from a list reply): every row is
   * checked first, one bad row refuses them all; the last row for a (kind, id) wins.
   */
  putOwnedMany(rows: readonly OwnedRecord[]): Promise<void>;
  /** The owner of an owned record, if known. */
  getOwner(kind: OwnedKind, id: number): Promise<OwnedRecordOwner | undefined>;

  /**
   * active → moving, remembering `from` as the system it is leaving (the location stays `from`
   * until commit). Throws ApiFault (conflict, 409) if already moving or active on the other
   * system. Unknown customer: created moving on `from`.
   */
  beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation>;
  /** moving → active on `system`; throws ApiFault (conflict) if not moving. */
  commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation>;
  /** moving → active on the system it was on; throws ApiFault (conflict) if not moving. */
  abortMove(iCustomer: number): Promise<CustomerLocation>;
  listMoving(): Promise<CustomerLocation[]>;
  /**
   * Cutovers ended since the store was created, by outcome and the system the customer is on after
   * it: counted in the same transaction as the commit or abort, so every node of a cluster reads
   * the same figures (not its own memory's).
   */
  cutoverOutcomes(): Promise<CutoverOutcomeCount[]>;
  /** How many customers the directory places on each system (active) and how many are moving. */
  countLocations(): Promise<LocationCounts>;
  /** Customers with `i_customer > afterId` in id order, at most `limit` (the routing index's load). */
  scanRoutes(afterId: number, limit: number): Promise<CustomerRouteRow[]>;
  /**
   * Optional synchronous answer from memory, for routing without a promise: the system of an
   * active customer, `null` when the directory has no entry, `undefined` when `getCustomer` must
   * be asked (not in memory, or moving).
   */
  knownRoute?(iCustomer: number): SystemName | null | undefined;

  /** Streams rows in; a bad row is reported with its line number and never half-applies its batch. */
  importRecords(rows: AsyncIterable<ImportRow>): Promise<ImportReport>;

  /**
   * Subscribes to changes made through any node of the cluster (this one included). A listener
   * runs after the change is durable and, on the node that made it, before the writing call
   * returns. Returns the unsubscribe function.
   */
  onChange(listener: DirectoryChangeListener): () => void;
  /**
   * Hot-path coherence token for in-process caches (synchronous, cheap). Entries cached under one
   * token are valid while it stays the same; a new value means drop everything; `undefined` means
   * do not use cached entries at all right now (e.g. the cluster lease lapsed).
   */
  cacheToken(): number | undefined;

  /** Rejects when the store is unreachable or corrupt (used by /readyz). */
  check(): Promise<void>;
  close(): Promise<void>;
}
