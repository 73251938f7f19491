import type { SystemName } from '../core/api-call.ts';
import type {
  CustomerLocation, CustomerRouteRow, DirectoryChange, DirectoryChangeListener, DirectoryRecord, ImportReport, ImportRow, KeyTarget,
  LocationDirectory, LookupKeyKind,
  LocationCounts, CutoverOutcomeCount,
} from './location-directory.ts';
import { moveConflict, movingSystemConflict } from './directory-faults.ts';
import { DEFAULT_IMPORT_BATCH, importInBatches, splitBatch } from './import-batches.ts';
import type { Rejection, ValidRow } from './import-batches.ts';
import { accountsOfRecord, invalidRecordReason, keysOfRecord } from './directory-record.ts';
import { dispatcherFault } from '../core/faults.ts';
import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import { checkOwnedRows, copyOwner, ownedKey, sameOwner } from './owned-record.ts';
import type { OwnedRecord } from './owned-record.ts';

export interface MemoryDirectoryOptions {
  /** Known locations to start with, e.g. the customers already moved (and their accounts). */
  records?: DirectoryRecord[];
}

const keyOf = (kind: LookupKeyKind, value: string) => `${kind}\u0000${value}`;

/**
 * In-process directory: tests, the demo, and the "injectable set of known moved customers".
 * Not durable; one node only.
 */
export class MemoryDirectory implements LocationDirectory {
  readonly #customers = new Map<number, CustomerLocation>();
  #sortedIds: number[] = [];
  readonly #accounts = new Map<number, number>();
  readonly #keys = new Map<string, KeyTarget>();
  readonly #owned = new Map<string, OwnedRecordOwner>();
  readonly #outcomes = new Map<string, number>();
  readonly #listeners = new Set<DirectoryChangeListener>();
  #closed = false;

  constructor(options: MemoryDirectoryOptions = {}) {
    for (const r of options.records ?? []) {
      const why = invalidRecordReason(r);
      if (why !== undefined) throw new TypeError(`Invalid directory record for customer ${r.iCustomer}: ${why}`);
      this.#apply(r, new Date().toISOString());
    }
  }

  #open(): void {
    if (this.#closed) throw dispatcherFault('directoryUnavailable', 'Location directory is closed', { httpStatus: 503, retryable: true });
  }

  #emit(change: DirectoryChange): void {
    // A listener's failure is its own to report; it must not surface as an unhandled rejection.
    for (const l of this.#listeners) void Promise.resolve(l(change)).catch(() => undefined);
  }

  /** Applies a valid record; returns the new location, or undefined when refused (moving + other system). */
  #apply(r: DirectoryRecord, now: string): CustomerLocation | undefined {
    const cur = this.#customers.get(r.iCustomer);
    if (cur?.state === 'moving' && cur.system !== r.system) return undefined;
    const next: CustomerLocation = cur === undefined
      ? { iCustomer: r.iCustomer, system: r.system, state: 'active', version: 1, updatedAt: now }
      : cur.system === r.system ? cur : { ...cur, system: r.system, version: cur.version + 1, updatedAt: now };
    this.#customers.set(r.iCustomer, next);
    for (const a of accountsOfRecord(r)) this.#accounts.set(a, r.iCustomer);
    if (r.login !== undefined) this.#keys.set(keyOf('customer-login', r.login), { iCustomer: r.iCustomer });
    if (r.name !== undefined) this.#keys.set(keyOf('customer-name', r.name), { iCustomer: r.iCustomer });
    if (r.refnum !== undefined) this.#keys.set(keyOf('customer-refnum', r.refnum), { iCustomer: r.iCustomer });
    for (const k of r.accountKeys ?? []) {
      if (k.id !== undefined) this.#keys.set(keyOf('account-id', k.id), { iCustomer: r.iCustomer, iAccount: k.iAccount });
      if (k.login !== undefined) this.#keys.set(keyOf('account-login', k.login), { iCustomer: r.iCustomer, iAccount: k.iAccount });
    }
    return next;
  }

  async getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    this.#open();
    return this.#customers.get(iCustomer);
  }

  async getAccountOwner(iAccount: number): Promise<number | undefined> {
    this.#open();
    return this.#accounts.get(iAccount);
  }

  async findKey(kind: LookupKeyKind, value: string): Promise<KeyTarget | undefined> {
    this.#open();
    const t = this.#keys.get(keyOf(kind, value));
    return t === undefined ? undefined : { ...t };
  }

  async putCustomer(record: DirectoryRecord): Promise<CustomerLocation> {
    this.#open();
    const why = invalidRecordReason(record);
    if (why !== undefined) throw dispatcherFault('badRequest', `Invalid location for customer ${record.iCustomer}: ${why}`, { httpStatus: 400 });
    const cur = this.#customers.get(record.iCustomer);
    const loc = this.#apply(record, new Date().toISOString());
    if (loc === undefined) throw movingSystemConflict(record.iCustomer, cur!, record.system);
    this.#emit({ iCustomer: record.iCustomer, location: loc, accounts: accountsOfRecord(record), keys: keysOfRecord(record) });
    return loc;
  }

  async putAccount(iAccount: number, iCustomer: number, keys: { id?: string; login?: string } = {}): Promise<void> {
    this.#open();
    this.#accounts.set(iAccount, iCustomer);
    const changed: Array<{ kind: LookupKeyKind; value: string }> = [];
    if (keys.id !== undefined) { this.#keys.set(keyOf('account-id', keys.id), { iCustomer, iAccount }); changed.push({ kind: 'account-id', value: keys.id }); }
    if (keys.login !== undefined) { this.#keys.set(keyOf('account-login', keys.login), { iCustomer, iAccount }); changed.push({ kind: 'account-login', value: keys.login }); }
    this.#emit({ accounts: [iAccount], keys: changed });
  }

  async putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void> {
    this.#open();
    this.#keys.set(keyOf(kind, value), { ...target });
    this.#emit({ keys: [{ kind, value }] });
  }

  async accountsOf(iCustomer: number): Promise<number[]> {
    this.#open();
    const out: number[] = [];
    for (const [a, c] of this.#accounts) if (c === iCustomer) out.push(a);
    return out.sort((x, y) => x - y);
  }

  /** Writes valid owned rows in order; returns those whose owner was new or changed. */
  #applyOwned(rows: readonly OwnedRecord[]): Array<{ kind: OwnedKind; id: number }> {
    const changed: Array<{ kind: OwnedKind; id: number }> = [];
    for (const r of rows) {
      const k = ownedKey(r.kind, r.id);
      if (sameOwner(this.#owned.get(k), r.owner)) continue;
      this.#owned.set(k, copyOwner(r.owner));
      changed.push({ kind: r.kind, id: r.id });
    }
    return changed;
  }

  async putOwned(kind: OwnedKind, id: number, owner: OwnedRecordOwner): Promise<void> {
    await this.putOwnedMany([{ kind, id, owner }]);
  }

  async putOwnedMany(rows: readonly OwnedRecord[]): Promise<void> {
    this.#open();
    checkOwnedRows(rows);
    const changed = this.#applyOwned(rows);
    if (changed.length > 0) this.#emit({ owned: changed });
  }

  async getOwner(kind: OwnedKind, id: number): Promise<OwnedRecordOwner | undefined> {
    this.#open();
    const o = this.#owned.get(ownedKey(kind, id));
    return o === undefined ? undefined : { ...o };
  }

  #setState(loc: CustomerLocation): CustomerLocation {
    this.#customers.set(loc.iCustomer, loc);
    this.#emit({ iCustomer: loc.iCustomer, location: loc });
    return loc;
  }

  async beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation> {
    this.#open();
    const cur = this.#customers.get(iCustomer);
    const now = new Date().toISOString();
    if (cur === undefined) return this.#setState({ iCustomer, system: from, state: 'moving', version: 1, updatedAt: now });
    if (cur.state !== 'active' || cur.system !== from) throw moveConflict('begin', iCustomer, cur, from);
    return this.#setState({ ...cur, state: 'moving', version: cur.version + 1, updatedAt: now });
  }

  async commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation> {
    this.#open();
    const cur = this.#customers.get(iCustomer);
    if (cur?.state !== 'moving') throw moveConflict('commit', iCustomer, cur);
    this.#countOutcome('commit', system);
    return this.#setState({ ...cur, system, state: 'active', version: cur.version + 1, updatedAt: new Date().toISOString() });
  }

  async abortMove(iCustomer: number): Promise<CustomerLocation> {
    this.#open();
    const cur = this.#customers.get(iCustomer);
    if (cur?.state !== 'moving') throw moveConflict('abort', iCustomer, cur);
    this.#countOutcome('abort', cur.system);
    return this.#setState({ ...cur, state: 'active', version: cur.version + 1, updatedAt: new Date().toISOString() });
  }

  #countOutcome(outcome: CutoverOutcomeCount['outcome'], system: SystemName): void {
    const key = `${outcome}:${system}`;
    this.#outcomes.set(key, (this.#outcomes.get(key) ?? 0) + 1);
  }

  async cutoverOutcomes(): Promise<CutoverOutcomeCount[]> {
    this.#open();
    return [...this.#outcomes].map(([key, n]) => {
      const [outcome, system] = key.split(':') as [CutoverOutcomeCount['outcome'], SystemName];
      return { outcome, system, n };
    });
  }

  async countLocations(): Promise<LocationCounts> {
    this.#open();
    const out: LocationCounts = { source: 0, target: 0, moving: 0 };
    for (const c of this.#customers.values()) {
      if (c.state === 'moving') out.moving++;
      else out[c.system]++;
    }
    return out;
  }

  async listMoving(): Promise<CustomerLocation[]> {
    this.#open();
    return [...this.#customers.values()].filter((c) => c.state === 'moving').sort((a, b) => a.iCustomer - b.iCustomer);
  }

  async scanRoutes(afterId: number, limit: number): Promise<CustomerRouteRow[]> {
    this.#open();
    // Customers are only ever added, so the sorted id list is stale exactly when its length is.
    if (this.#sortedIds.length !== this.#customers.size) this.#sortedIds = [...this.#customers.keys()].sort((a, b) => a - b);
    const ids = this.#sortedIds;
    let lo = 0;
    for (let hi = ids.length; lo < hi;) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! <= afterId) lo = mid + 1; else hi = mid;
    }
    return ids.slice(lo, lo + limit).map((id) => { const c = this.#customers.get(id)!; return [id, c.system, c.state]; });
  }

  async importRecords(rows: AsyncIterable<ImportRow>): Promise<ImportReport> {
    this.#open();
    const report = await importInBatches(rows, DEFAULT_IMPORT_BATCH, (batch: ValidRow[]) => {
      const refused: Rejection[] = [];
      const now = new Date().toISOString();
      const { records, owned } = splitBatch(batch);
      for (const { line, record } of records) {
        if (this.#apply(record, now) === undefined) refused.push({ line, reason: `customer ${record.iCustomer} is moving; its system cannot change during a move` });
      }
      this.#applyOwned(owned);
      this.#emit({ all: true });
      return refused;
    });
    return report;
  }

  onChange(listener: DirectoryChangeListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  cacheToken(): number | undefined {
    // A closed store is an unreachable one: nothing derived from it may answer.
    return this.#closed ? undefined : 0;
  }

  async check(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }
}
