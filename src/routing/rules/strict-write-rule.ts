import { SYSTEMS } from '../../core/api-call.ts';
import { describeLocator } from '../../core/location.ts';
import { isConfigurationMethod, isReadCall } from '../../core/method-kinds.ts';
import { dispatcherFault } from '../../core/faults.ts';
import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/**
 * Writes that name no record by design and belong to the session's context: verify_otp runs
 * where create_otp ran (the locator rule moved the context there).
 */
const RUN_IN_CONTEXT: ReadonlySet<string> = new Set(['AccessControl/verify_otp']);

/**
 * Before rule 7, in strict mode (`routing.unroutableWrites: refuse`, the default): an admin's or
 * reseller's write that names no record the dispatcher can place, and no i_env, would run in the
 * session's context — a guess, and a write that lands on the system a customer left is the worst
 * thing this product can do. It is refused, saying what to send. Reads and configuration writes
 * (products, classes, plans…, shared by both systems) still run in the context.
 */
export function strictWriteRule({ call, session, locations, config }: RouteInput): Plan | undefined {
  if (config.unroutableWrites !== 'refuse' || session === undefined || session.pinned !== undefined) return undefined;
  if (session.realm !== 'admin' && session.realm !== 'reseller') return undefined;
  if (isReadCall(call) || isConfigurationMethod(call.service) || RUN_IN_CONTEXT.has(`${call.service}/${call.method}`)) return undefined;
  const unplaced = locations.filter((l) => l.location === undefined).map((l) => describeLocator(l.locator));
  const named = unplaced.length === 0 ? 'its params name no customer or account' : `neither system holds ${unplaced.join(', ')}`;
  const envs = SYSTEMS.map((s) => `${config.envs[s]} (${s})`).join(' or ');
  return {
    kind: 'refuse',
    fault: dispatcherFault('unroutableWrite', `Cannot route the write ${call.service}/${call.method}: ${named}. Send the i_customer or i_account it acts on, or i_env ${envs} to choose the system`),
  };
}
