import type { SystemName } from '../core/api-call.ts';
import type { DirectoryRecord, LocationDirectory } from '../directory/location-directory.ts';
import type { OwnedRecord } from '../directory/owned-record.ts';
import type { LocationResolver } from '../core/location.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { dispatcherFault } from '../core/faults.ts';

/** A customer's lookup keys and accounts as read on a system with the service login. */
export interface LearnedCustomer {
  login?: string;
  name?: string;
  refnum?: string;
  accounts: Array<{ iAccount: number; id?: string; login?: string }>;
  /** The records it owns (invoices, DIDs…), when read. */
  owned?: OwnedRecord[];
}

export interface CutoverDeps {
  directory: LocationDirectory;
  resolver: LocationResolver;
  holds: CutoverHolds;
  logger: Logger;
  metrics: Metrics;
  /** Longest wait for calls in flight at `begin`. */
  drainTimeoutMs: number;
  /**
   * Reads a customer's lookup keys and accounts on a system (via a service login); undefined when
   * not configured.
   */
  learnCustomer?: (system: SystemName, iCustomer: number) => Promise<LearnedCustomer>;
  /** Told when a customer is held and when its move ends (the console's recent cutovers). */
  events?: { cutoverBegun(iCustomer: number): void; cutoverEnded(iCustomer: number, outcome: 'commit' | 'abort', system: SystemName): void };
}

/** What `begin` reports: the customer is held, its calls in flight have finished. */
export interface BeginResult {
  i_customer: number;
  state: string;
  system: SystemName;
  version: number;
  accounts: number[];
  drained_ms: number;
}

/** What `commit` and `abort` report: where the customer lives now. */
export interface EndResult {
  i_customer: number;
  state: string;
  system: SystemName;
  version: number;
}

/**
 * The controlled cutover of one customer (SPEC §4.4): `begin` holds new calls and returns once the
 * calls in flight have finished; `commit` flips the location and releases the held calls to the
 * new system; `abort` releases them to the old one. Refusals are thrown as ApiFault. The ops API
 * (`/v1/migrations`) and the campaign controller both drive moves through this one service.
 */
export class Cutover {
  readonly #d: CutoverDeps;

  constructor(deps: CutoverDeps) {
    this.#d = deps;
  }

  async begin(iCustomer: number): Promise<BeginResult> {
    const { directory, holds, logger } = this.#d;
    const started = performance.now();
    const current = await this.#d.resolver.resolve({ kind: 'customer', iCustomer });
    if (current === undefined) throw dispatcherFault('notFound', `Customer ${iCustomer} has no known location`, { httpStatus: 404 });
    if (this.#d.learnCustomer !== undefined && current.state !== 'moving') {
      // Every key and account that names this customer must resolve through the directory before
      // the move, or a lookup by login could reach the stale copy left on the old system, and an
      // account call could escape the hold. Read before holding (the backend round trips stay out
      // of the hold window) and written in one transaction; accounts created through the
      // dispatcher meanwhile are recorded as they are created.
      const found = await this.#d.learnCustomer(current.system, iCustomer);
      const record: DirectoryRecord = { iCustomer, system: current.system, accounts: found.accounts.map((a) => a.iAccount), accountKeys: found.accounts };
      if (found.login !== undefined && found.login !== '') record.login = found.login;
      if (found.name !== undefined && found.name !== '') record.name = found.name;
      if (found.refnum !== undefined && found.refnum !== '') record.refnum = found.refnum;
      await directory.putCustomer(record);
      if (found.owned !== undefined && found.owned.length > 0) await directory.putOwnedMany(found.owned);
    }
    if (this.#d.learnCustomer === undefined && (await directory.accountsOf(iCustomer)).length === 0) {
      // Without its accounts, a call naming only an account would escape the hold (and keep going
      // to the old system after the move).
      throw dispatcherFault('conflict', `Cannot begin moving customer ${iCustomer}: its accounts are unknown to the directory and ops.serviceLogin is not configured to learn them; PUT /v1/locations/customers/${iCustomer} with its accounts first`, { httpStatus: 409 });
    }
    const location = await directory.beginMove(iCustomer, current.system);
    holds.markMoving(iCustomer);
    this.#d.events?.cutoverBegun(iCustomer);
    let accounts: number[] = [];
    try {
      accounts = await directory.accountsOf(iCustomer);
      await holds.drain(iCustomer, this.#d.drainTimeoutMs);
    } catch (err) {
      // Never leave a customer stuck in `moving` because the preparation failed.
      await directory.abortMove(iCustomer).catch(() => undefined);
      holds.release(iCustomer);
      throw err;
    }
    const ms = Math.round((performance.now() - started) * 100) / 100;
    logger.info('cutover begin', { iCustomer, from: current.system, accounts: accounts.length, ms });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version, accounts, drained_ms: ms };
  }

  async commit(iCustomer: number, system: SystemName): Promise<EndResult> {
    const location = await this.#d.directory.commitMove(iCustomer, system);
    this.#d.holds.release(iCustomer);
    this.#d.events?.cutoverEnded(iCustomer, 'commit', location.system);
    this.#d.logger.info('cutover commit', { iCustomer, system: location.system });
    this.#d.metrics.inc('webdispatcher_cutovers_total', 'Cutovers ended, by outcome and destination', { outcome: 'commit', system: location.system });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version };
  }

  async abort(iCustomer: number): Promise<EndResult> {
    const location = await this.#d.directory.abortMove(iCustomer);
    this.#d.holds.release(iCustomer);
    this.#d.events?.cutoverEnded(iCustomer, 'abort', location.system);
    this.#d.logger.info('cutover abort', { iCustomer, system: location.system });
    this.#d.metrics.inc('webdispatcher_cutovers_total', 'Cutovers ended, by outcome and destination', { outcome: 'abort', system: location.system });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version };
  }
}
