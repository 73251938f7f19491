import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault } from '../core/faults.ts';

/** 409: a campaign of that name exists already. */
export function campaignExists(name: string): ApiFault {
  return dispatcherFault('conflict', `A campaign named ${JSON.stringify(name)} exists already; pick another name`, { httpStatus: 409 });
}

/** 404: no campaign of that name. */
export function campaignNotFound(name: string): ApiFault {
  return dispatcherFault('notFound', `No campaign named ${JSON.stringify(name)}`, { httpStatus: 404 });
}

/** 400: a campaign request that cannot be used as given. */
export function badCampaign(what: string): ApiFault {
  return dispatcherFault('badRequest', `Campaign: ${what}`, { httpStatus: 400 });
}

/** 503: the campaign store failed (unreachable, I/O). */
export function campaignStoreUnavailable(what: string, err: unknown): ApiFault {
  const detail = err instanceof Error ? err.message : String(err);
  return dispatcherFault('directoryUnavailable', `Campaign store unavailable (${what}): ${detail}`, { httpStatus: 503, retryable: true, cause: err });
}
