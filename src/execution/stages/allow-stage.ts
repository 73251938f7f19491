import type { ApiCall } from '../../core/api-call.ts';
import type { IpAllowList } from '../../core/ip-allow.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import type { CallStage } from '../pipeline.ts';
import { sessionOf } from '../pipeline.ts';
import { dispatcherFault } from '../../core/faults.ts';

/** Throws the 403 fault when the session's user (`realm:login`) may not call from this address. */
export function checkAllowed(allow: IpAllowList, session: DispatcherSession, call: ApiCall): void {
  if (!allow.allows(`${session.realm}:${session.login}`, call.clientIp)) {
    throw dispatcherFault('ipNotAllowed', `Client address ${call.clientIp} is not allowed for ${session.realm} user ${JSON.stringify(session.login)}`, { httpStatus: 403 });
  }
}

/**
 * The per-user IP allow-list, checked on every call of a session (the session may have been made
 * from another address). The per-realm list is checked by the front before the body is read.
 */
export function allowStage(allow: IpAllowList): CallStage {
  return (ctx, next) => {
    checkAllowed(allow, sessionOf(ctx), ctx.call);
    return next();
  };
}
