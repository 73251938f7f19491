import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import type { CustomerLocation } from './location-directory.ts';
import type { SystemName } from '../core/api-call.ts';

/** 409: a move operation does not fit the customer's current state. */
export function moveConflict(operation: 'begin' | 'commit' | 'abort', iCustomer: number, current: CustomerLocation | undefined, from?: SystemName): ApiFault {
  let why: string;
  if (current === undefined) why = `customer ${iCustomer} is not in the directory (no move in progress)`;
  else if (current.state === 'moving') why = `customer ${iCustomer} is already moving (leaving ${current.system}, version ${current.version})`;
  else if (from !== undefined && current.system !== from) why = `customer ${iCustomer} is active on ${current.system}, not on ${from}`;
  else why = `customer ${iCustomer} is ${current.state} on ${current.system} (no move in progress)`;
  return dispatcherFault('conflict', `Cannot ${operation} the move of customer ${iCustomer}: ${why}`, { httpStatus: 409 });
}

/** 409: a plain update tried to change the system of a customer in the middle of a move. */
export function movingSystemConflict(iCustomer: number, current: CustomerLocation, wanted: SystemName): ApiFault {
  return dispatcherFault(
    'conflict',
    `Cannot set customer ${iCustomer} to ${wanted}: it is moving (leaving ${current.system}); commit or abort the move first`,
    { httpStatus: 409 },
  );
}

/** Wraps a store failure (unreachable, corrupt, I/O) as the dispatcher's `directory_unavailable`. */
export function directoryUnavailable(what: string, err: unknown): ApiFault {
  if (isApiFault(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return dispatcherFault('directoryUnavailable', `Location directory unavailable (${what}): ${detail}`, { httpStatus: 503, retryable: true, cause: err });
}
