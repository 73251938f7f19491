import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/** Rule 7: anything else runs in the session's context. */
export function contextRule({ session }: RouteInput): Plan {
  return { kind: 'single', system: session?.context ?? 'source', rule: 'context' };
}
