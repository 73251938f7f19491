import { dispatcherFault } from '../../core/faults.ts';
import type { SystemName } from '../../core/api-call.ts';
import { describeLocator as describe } from '../../core/location.ts';
import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/**
 * Rule 5: a call naming a customer or account goes to that record's location. A record being
 * moved holds the call; records on different systems are refused rather than guessed.
 */
export function locatorRule({ call, locations }: RouteInput): Plan | undefined {
  const found = locations.filter((l) => l.location !== undefined);
  if (found.length === 0) return undefined;
  const moving = found.find((l) => l.location!.state === 'moving' && l.location!.iCustomer !== undefined);
  if (moving) return { kind: 'hold', iCustomer: moving.location!.iCustomer! };
  const systems = new Set<SystemName>(found.map((l) => l.location!.system));
  if (systems.size > 1) {
    const where = found.map((l) => `${describe(l.locator)} on ${l.location!.system}`).join(', ');
    return { kind: 'refuse', fault: dispatcherFault('ambiguousLocation', `Cannot route: the call names records on different systems (${where})`) };
  }
  const first = found[0]!.location!;
  const plan: Plan = first.iCustomer === undefined
    ? { kind: 'single', system: first.system, rule: 'locator' }
    : { kind: 'single', system: first.system, rule: 'locator', iCustomer: first.iCustomer };
  // PortaBilling accepts a one-time password only in the API session that created it, and
  // verify_otp names no record: the session's context follows create_otp so verify_otp runs there.
  if (call.service === 'AccessControl' && call.method === 'create_otp') plan.switchContext = true;
  return plan;
}
