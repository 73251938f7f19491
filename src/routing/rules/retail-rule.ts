import { ApiFault, PortaFaultCode } from '../../core/faults.ts';
import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/**
 * Rule 2: a retail session reaches its pinned system only, whatever it names. If its customer has
 * moved away since login, the client must log in again (and so lands on the new system).
 */
export function retailRule({ session, retailLocation }: RouteInput): Plan | undefined {
  if (session?.pinned === undefined) return undefined;
  const iCustomer = session.iCustomer;
  if (retailLocation !== undefined && iCustomer !== undefined) {
    if (retailLocation.state === 'moving') return { kind: 'hold', iCustomer };
    if (retailLocation.system !== session.pinned) {
      return {
        kind: 'refuse',
        fault: new ApiFault(PortaFaultCode.authFailed, 'Your account was moved to another system: please log in again'),
      };
    }
  }
  return iCustomer === undefined
    ? { kind: 'single', system: session.pinned, rule: 'retail' }
    : { kind: 'single', system: session.pinned, rule: 'retail', iCustomer };
}
