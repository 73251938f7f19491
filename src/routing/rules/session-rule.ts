import type { Plan, SessionOp } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

const OPS: Record<string, SessionOp> = {
  login: 'login',
  logout: 'logout',
  ping: 'ping',
  refresh_access_token: 'refresh',
  get_session_context: 'get-context',
  set_session_context: 'set-context',
};

/** Rule 1: `Session/*` is answered by the dispatcher itself. */
export function sessionRule({ call }: RouteInput): Plan | undefined {
  if (call.service !== 'Session' || call.portasip) return undefined;
  return { kind: 'session-op', op: OPS[call.method] ?? 'unknown' };
}
