import type { Logger } from '../core/logger.ts';
import { LruMap } from '../core/lru-map.ts';
import type { OwnedRecordOwner } from '../core/owned-kinds.ts';
import type { LocationDirectory } from './location-directory.ts';
import { ownedKey, sameOwner, type OwnedRecord } from './owned-record.ts';
import { ownedRecordsIn, type FoundOwnedRecord } from './owned-records-in.ts';

/** `Service/method` of the replies that list or show owned records with their owners. */
export const OWNED_RECORD_SOURCES: ReadonlySet<string> = new Set([
  'Invoice/get_invoice_list', 'Invoice/get_invoice_info',
  'DID/get_number_list', 'DID/get_number_info',
  'UA/get_ua_list', 'UA/get_ua_info',
  'Account/get_alias_list', 'Account/get_xdr_list', 'Customer/get_xdr_list',
  'Customer/get_subscriptions', 'Customer/get_vd_counter_list',
  'Customer/get_document_list', 'Customer/get_document_info',
]);

/** The customer that owns an account, asked of a system (undefined: not known). */
export type AccountOwnerLookup = (iAccount: number) => Promise<number | undefined>;

/** Accounts asked of a system per reply; records of further unknown accounts wait for a later reply. */
const MAX_ACCOUNT_READS = 20;

export interface OwnedLearnerOptions {
  /** Replies larger than this are not parsed (they were streamed to the client anyway). */
  maxReplyBytes?: number;
  /** Items looked at per reply. */
  maxItems?: number;
  /** Replies being learned at once; more are skipped (a later reply or discovery teaches them). */
  maxInFlight?: number;
  /** Owners remembered as already written, so a list read again writes nothing. */
  rememberRecords?: number;
}

/**
 * Learns the owners of the owned records that list and info replies show (an invoice list names
 * each invoice's customer), so that a later call naming only such an id routes to its owner
 * without asking both systems. Runs off the reply path: the client's reply never waits for it,
 * and a failure only logs. Bounded: replies over a size are skipped, a few at a time, and
 * owners already written are not written again.
 */
export class OwnedLearner {
  readonly #directory: LocationDirectory;
  readonly #logger: Logger;
  readonly #maxReplyBytes: number;
  readonly #maxItems: number;
  readonly #maxInFlight: number;
  readonly #known: LruMap<string, OwnedRecordOwner>;
  #inFlight = 0;
  #pending = new Set<Promise<void>>();

  constructor(directory: LocationDirectory, logger: Logger, options: OwnedLearnerOptions = {}) {
    this.#directory = directory;
    this.#logger = logger;
    this.#maxReplyBytes = options.maxReplyBytes ?? 1 << 20;
    this.#maxItems = options.maxItems ?? 1000;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#known = new LruMap(options.rememberRecords ?? 50_000);
  }

  /** True when a reply of this method is worth offering. */
  wants(service: string, method: string): boolean {
    return OWNED_RECORD_SOURCES.has(`${service}/${method}`);
  }

  /**
   * Offers a successful reply body (JSON text); returns at once. `accountOwner` names the customer
   * of an account the directory does not know (read on the system that answered).
   */
  offer(service: string, method: string, body: Buffer | string, accountOwner?: AccountOwnerLookup): void {
    if (body.length > this.#maxReplyBytes || this.#inFlight >= this.#maxInFlight) return;
    this.#inFlight++;
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => { await this.learnFrom(service, method, body, accountOwner); })
      .catch((err: unknown) => this.#logger.warn('could not learn owned records from a reply', { service, method, error: (err as Error).message }))
      .finally(() => { this.#inFlight--; this.#pending.delete(job); });
    this.#pending.add(job);
  }

  /** Resolves when every offered reply has been learned (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Parses one reply and records the owners it names; returns how many records were written. */
  async learnFrom(service: string, method: string, body: Buffer | string, accountOwner?: AccountOwnerLookup): Promise<number> {
    let json: unknown;
    try {
      json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return 0;
    }
    return this.record(ownedRecordsIn(service, method, json, this.#maxItems), accountOwner);
  }

  /** Records found owned records (owners named only by an account resolve through the directory). */
  async record(found: readonly FoundOwnedRecord[], accountOwner?: AccountOwnerLookup): Promise<number> {
    const rows: OwnedRecord[] = [];
    const accountOwners = new Map<number, number | undefined>();
    for (const f of found) {
      let iCustomer = 'iCustomer' in f.owner ? f.owner.iCustomer : undefined;
      const iAccount = f.owner.iAccount;
      if (iCustomer === undefined && iAccount !== undefined) {
        if (!accountOwners.has(iAccount)) {
          accountOwners.set(iAccount, (await this.#directory.getAccountOwner(iAccount)) ?? (accountOwners.size < MAX_ACCOUNT_READS ? await accountOwner?.(iAccount) : undefined));
        }
        iCustomer = accountOwners.get(iAccount);
      }
      if (iCustomer === undefined) continue;
      const owner: OwnedRecordOwner = iAccount === undefined ? { iCustomer } : { iCustomer, iAccount };
      const key = ownedKey(f.kind, f.id);
      if (sameOwner(this.#known.get(key), owner)) continue;
      rows.push({ kind: f.kind, id: f.id, owner });
    }
    if (rows.length === 0) return 0;
    await this.#directory.putOwnedMany(rows);
    for (const r of rows) this.#known.set(ownedKey(r.kind, r.id), r.owner);
    return rows.length;
  }
}
