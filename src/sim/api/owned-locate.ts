import type { SimCustomer } from '../model/records.ts';
import type { OwnedKind } from '../model/owned-ids.ts';
import type { RecordOwner } from '../model/owned-records.ts';
import type { SimCallContext, SimSystem } from './sim-context.ts';
import { canSeeCustomer } from './scope.ts';
import { simFault, type SimFaultName } from './sim-faults.ts';

/** An owned record's owner as a handler needs it: the owner index entry and the owning customer (none for a free DID). */
export interface OwnedHit {
  owner: RecordOwner;
  customer: SimCustomer | undefined;
}

/**
 * Resolves an owned id (`i_invoice`, `i_did_number`, `i_ua`, …) to its owner on this system and
 * applies realm scoping as PortaBilling does: a record is visible to whoever may see its customer;
 * an account session sees only records of its own account; a record that belongs to nobody (a
 * free DID) only to an administrator. Missing and out-of-scope records give the same fault.
 */
export function findOwned(sys: SimSystem, ctx: SimCallContext, kinds: readonly OwnedKind[], id: number, field: string, faultName: SimFaultName): OwnedHit {
  const owner = sys.store.owned.ownerOf(id);
  const notFound = simFault(faultName, `Not found: ${field} ${id}`);
  if (!owner || !kinds.includes(owner.kind)) throw notFound;
  if (owner.i_customer === null) {
    if (ctx.user.realm !== 'admin') throw notFound;
    return { owner, customer: undefined };
  }
  const customer = sys.store.getCustomer(owner.i_customer);
  if (!customer) throw notFound;
  const user = ctx.user;
  const visible = user.realm === 'account'
    ? owner.i_account !== undefined && owner.i_account === user.i_account
    : canSeeCustomer(user, customer);
  if (!visible) throw notFound;
  return { owner, customer };
}
