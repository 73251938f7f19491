import type { DirectoryChange, LocationDirectory } from '../directory/location-directory.ts';
import type { CutoverHolds } from './cutover-holds.ts';

/**
 * Applies a directory change to this node's holds: a customer now moving holds new calls and
 * drains the ones in flight; a move that ended releases the held calls. Remote changes carry only
 * the customer id, so the location is read again (the cache was invalidated before this runs).
 */
export async function followMove(change: DirectoryChange, directory: LocationDirectory, holds: CutoverHolds, drainMs: number): Promise<void> {
  const iCustomer = change.iCustomer;
  if (iCustomer === undefined) return;
  const loc = change.location ?? (await directory.getCustomer(iCustomer));
  if (loc === undefined) return;
  if (loc.state === 'moving') {
    holds.markMoving(iCustomer);
    await holds.drain(iCustomer, drainMs);
  } else {
    holds.release(iCustomer);
  }
}
