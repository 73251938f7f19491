import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/** Rule 3: PortaSIP API calls go to every system the session holds; the first success wins. */
export function broadcastRule({ call, session, config }: RouteInput): Plan | undefined {
  if (!call.portasip && !config.broadcastServices.has(call.service)) return undefined;
  return { kind: 'broadcast', systems: session?.available ?? [] };
}
