import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/**
 * Rule 3: PortaSIP API calls go to every system the session holds; the first success wins. A
 * call naming a record of a customer being moved waits like any other call for that customer.
 */
export function broadcastRule({ call, session, config, locations }: RouteInput): Plan | undefined {
  if (!call.portasip && !config.broadcastServices.has(call.service)) return undefined;
  const owner = locations.find((l) => l.location?.iCustomer !== undefined)?.location;
  if (owner?.state === 'moving') return { kind: 'hold', iCustomer: owner.iCustomer! };
  const systems = session?.available ?? [];
  return owner?.iCustomer === undefined ? { kind: 'broadcast', systems } : { kind: 'broadcast', systems, iCustomer: owner.iCustomer };
}
