import type { SystemName } from '../core/api-call.ts';
import type { Discoverer, Location, LocationResolver, Locator } from '../core/location.ts';
import { describeLocator as describe } from '../core/location.ts';
import type { CustomerLocation, DirectoryRecord, LocationDirectory } from './location-directory.ts';
import { directoryUnavailable } from './directory-faults.ts';
import { DispatcherFaultCode, dispatcherFault, isApiFault } from '../core/faults.ts';

export interface LocationResolverOptions {
  directory: LocationDirectory;
  /** Even ids without an entry live on the target (created there); default true. */
  parity?: boolean;
  /**
   * Odd ids and keys without an entry: `assume-source` (default; the directory is fed by the
   * migration, so what it does not know has not moved) or `discover` (ask the backends through the
   * Discoverer given to `resolve`, then store the answer so it is asked once).
   */
  unknownOdd?: 'assume-source' | 'discover';
}

const fromEntry = (loc: CustomerLocation): Location => ({ system: loc.system, state: loc.state, iCustomer: loc.iCustomer, resolvedBy: 'directory' });

/**
 * Resolution (SPEC §4.3): directory entry → ID parity → assume-source / discover. Accounts follow
 * their owning customer; keys (login, name, …) have no parity. A directory failure is thrown as
 * `directory_unavailable`, never answered with a guess.
 */
export function createLocationResolver(options: LocationResolverOptions): LocationResolver {
  const d = options.directory;
  const parity = options.parity ?? true;
  const mode = options.unknownOdd ?? 'assume-source';

  async function customer(iCustomer: number, locator: Locator, discover: Discoverer | undefined): Promise<Location | undefined> {
    const known = d.knownRoute?.(iCustomer);
    if (known !== undefined) {
      if (known !== null) return { system: known, state: 'active', iCustomer, resolvedBy: 'directory' };
    } else {
      const loc = await d.getCustomer(iCustomer);
      if (loc !== undefined) return fromEntry(loc);
    }
    if (parity && iCustomer % 2 === 0) return { system: 'target', state: 'active', iCustomer, resolvedBy: 'parity' };
    return unknown(locator, discover, iCustomer);
  }

  /** Stores what discovery learned; an existing entry for the customer wins over the discovery. */
  async function learn(locator: Locator, system: SystemName, iCustomer: number, iAccount: number | undefined): Promise<Location> {
    const record: DirectoryRecord = { iCustomer, system };
    if (locator.kind === 'account') record.accounts = [locator.iAccount];
    if (locator.kind === 'key') {
      if (locator.key === 'customer-login') record.login = locator.value;
      else if (locator.key === 'customer-name') record.name = locator.value;
      else if (locator.key === 'customer-refnum') record.refnum = locator.value;
      else if (iAccount !== undefined) record.accountKeys = [{ iAccount, ...(locator.key === 'account-id' ? { id: locator.value } : { login: locator.value }) }];
    }
    if (iAccount !== undefined && locator.kind !== 'account') record.accounts = [iAccount];
    const existing = await d.getCustomer(iCustomer);
    if (existing !== undefined) {
      for (const a of record.accounts ?? []) await d.putAccount(a, iCustomer, record.accountKeys?.find((k) => k.iAccount === a) ?? {});
      if (record.login !== undefined) await d.putKey('customer-login', record.login, { iCustomer });
      if (record.name !== undefined) await d.putKey('customer-name', record.name, { iCustomer });
      if (record.refnum !== undefined) await d.putKey('customer-refnum', record.refnum, { iCustomer });
      return fromEntry(existing);
    }
    try {
      const stored = await d.putCustomer(record);
      return { system: stored.system, state: stored.state, iCustomer, resolvedBy: stored.system === system ? 'discovered' : 'directory' };
    } catch (err) {
      // A move began meanwhile: the directory's answer is the one to follow.
      if (isApiFault(err) && err.faultcode === DispatcherFaultCode.conflict) {
        const now = await d.getCustomer(iCustomer);
        if (now !== undefined) return fromEntry(now);
      }
      throw err;
    }
  }

  async function unknown(locator: Locator, discover: Discoverer | undefined, iCustomer?: number, always = false): Promise<Location | undefined> {
    if ((mode === 'discover' || always) && discover !== undefined) {
      const found = await discover(locator).catch((err: unknown) => {
        throw isApiFault(err) ? err : dispatcherFault('backendUnavailable', `Cannot discover where ${describe(locator)} lives: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err });
      });
      if (found === undefined) return undefined;
      const owner = found.iCustomer ?? iCustomer;
      if (owner === undefined) return { system: found.system, state: 'active', resolvedBy: 'discovered' };
      return learn(locator, found.system, owner, found.iAccount ?? (locator.kind === 'account' ? locator.iAccount : undefined));
    }
    const loc: Location = { system: 'source', state: 'active', resolvedBy: 'assume-source' };
    if (iCustomer !== undefined) loc.iCustomer = iCustomer;
    return loc;
  }

  /**
   * An owned record follows its owner. Owned ids have no parity and a guess would misroute a
   * write, so an owner the directory does not know is asked of both systems (whatever
   * `unknownOdd` says) and remembered; a record neither system holds names no location.
   */
  async function owned(locator: Extract<Locator, { kind: 'owned' }>, discover: Discoverer | undefined): Promise<Location | undefined> {
    const known = await d.getOwner(locator.owned, locator.id);
    if (known !== undefined) return ownerLocation(known, discover);
    if (discover === undefined) return undefined;
    const found = await discover(locator).catch((err: unknown) => {
      throw isApiFault(err) ? err : dispatcherFault('backendUnavailable', `Cannot discover where ${describe(locator)} lives: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err });
    });
    if (found === undefined) return undefined;
    let iCustomer = found.iCustomer;
    if (iCustomer === undefined && found.iAccount !== undefined) iCustomer = await d.getAccountOwner(found.iAccount);
    if (iCustomer === undefined) return { system: found.system, state: 'active', resolvedBy: 'discovered' };
    const owner = found.iAccount === undefined ? { iCustomer } : { iCustomer, iAccount: found.iAccount };
    await d.putOwned(locator.owned, locator.id, owner);
    return ownerLocation(owner, discover);
  }

  async function ownerLocation(owner: { iCustomer?: number; iAccount?: number }, discover: Discoverer | undefined): Promise<Location | undefined> {
    if (owner.iCustomer !== undefined) return customer(owner.iCustomer, { kind: 'customer', iCustomer: owner.iCustomer }, discover);
    if (owner.iAccount !== undefined) return resolve({ kind: 'account', iAccount: owner.iAccount }, discover);
    return undefined;
  }

  async function resolve(locator: Locator, discover?: Discoverer): Promise<Location | undefined> {
    if (locator.kind === 'customer') return customer(locator.iCustomer, locator, discover);
    if (locator.kind === 'account') {
      const owner = await d.getAccountOwner(locator.iAccount);
      if (owner !== undefined) return customer(owner, { kind: 'customer', iCustomer: owner }, discover);
      if (parity && locator.iAccount % 2 === 0) return { system: 'target', state: 'active', resolvedBy: 'parity' };
      return unknown(locator, discover);
    }
    if (locator.kind === 'owned') return owned(locator, discover);
    const target = await d.findKey(locator.key, locator.value);
    if (target !== undefined) return customer(target.iCustomer, { kind: 'customer', iCustomer: target.iCustomer }, discover);
    // A key has no parity, and assume-source is a rule for odd ids (SPEC §4.3): a key the
    // directory does not know is asked of both systems and remembered (a customer created on the
    // target behind the dispatcher's back has keys too); without a way to ask, it names no location.
    if (discover === undefined) return undefined;
    return unknown(locator, discover, undefined, true);
  }

  return {
    async resolve(locator, discover) {
      try {
        return await resolve(locator, discover);
      } catch (err) {
        // Faults from the discoverer (backends) pass through; anything else is the directory's.
        if (isApiFault(err)) throw err;
        throw directoryUnavailable(`resolving ${describe(locator)}`, err);
      }
    },
  };
}
